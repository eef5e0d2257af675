"""Reminders for overdue steps, measures to evaluate and handovers waiting: once each."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

from varde.cases.models import Case, Handover
from varde.reminders.models import OutboxMessage, Reminder
from varde.reminders.services import outbox_fill, reminders_collect, reminders_send
from varde.reminders.tasks import periodic_run


def oslo(day: dt.date, hour: int = 8) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


# The world's case, opened on Monday 2 November 2026: the conversation is due five school
# days later, Monday 9 November.
OPENED = dt.date(2026, 11, 2)
CONVERSATION_DUE = dt.date(2026, 11, 9)


def opened_day(world) -> dt.date:
    Case.objects.filter(pk=world.case.pk).update(opened_at=oslo(OPENED), level_since=oslo(OPENED))
    return OPENED


def test_nothing_is_reminded_before_a_deadline_passes(world):
    Handover.objects.all().delete()
    opened_day(world)
    with time_machine.travel(oslo(CONVERSATION_DUE, 23), tick=False):
        reminders_collect()
    assert not Reminder.objects.filter(user=world.teacher).exists()


def test_an_overdue_conversation_reminds_the_owner_once_by_email(world):
    opened_day(world)
    later = oslo(CONVERSATION_DUE + dt.timedelta(days=1))
    with time_machine.travel(later, tick=False):
        assert reminders_collect() >= 1
        assert reminders_collect() == 0
        reminders_send()
        reminders_send()
    mine = Reminder.objects.filter(user=world.teacher)
    assert [r.subject for r in mine] == ["Forfalt steg: Gjennomfør en undringssamtale med eleven"]
    to_tina = [m for m in mail.outbox if m.to == [world.teacher.email]]
    assert len(to_tina) == 1
    # The e-mail names no pupil: only a link to log in.
    assert "Petter" not in to_tina[0].body and f"/ansatt/saker/{world.case.pk}/" in to_tina[0].body


def test_the_waiting_handover_reminds_the_receiver(world):
    reminders_collect()
    assert Reminder.objects.filter(user=world.teacher2, key=f"handover:{world.handover.pk}")


def test_leadership_is_reminded_when_a_step_stays_overdue(world):
    opened_day(world)
    due = CONVERSATION_DUE
    with time_machine.travel(oslo(due + dt.timedelta(days=2)), tick=False):
        reminders_collect()
    assert not Reminder.objects.filter(user=world.principal, key__startswith="escalated:").exists()
    with time_machine.travel(oslo(due + dt.timedelta(days=3)), tick=False):
        reminders_collect()
    assert Reminder.objects.filter(user=world.principal, key__startswith="escalated:").exists()


def test_a_reminder_is_retired_when_the_step_is_done(world):
    from varde.cases.services import conversation_plan, conversation_record

    later = oslo(opened_day(world) + dt.timedelta(days=8))
    with time_machine.travel(later, tick=False):
        reminders_collect()
        conversation_plan(actor=world.teacher, case=world.case, planned_for=later, attendees="Tina")
        conversation_record(
            actor=world.teacher, case=world.case, what_was_said="x", pupil_view="y", weighing="z"
        )
        reminders_collect()
    open_ones = Reminder.objects.filter(user=world.teacher, done_at__isnull=True)
    assert not open_ones.filter(key__contains="undringssamtale").exists()


def test_a_claim_left_by_a_killed_worker_is_taken_up_again_and_sent_once(world):
    reminders_collect()
    outbox_fill(now=timezone.now())
    message = OutboxMessage.objects.get(reminder__user=world.teacher2)
    # A worker claimed the message and died before handing it to the e-mail backend.
    OutboxMessage.objects.filter(pk=message.pk).update(attempted_at=timezone.now(), attempts=1)
    reminders_send()
    assert not [m for m in mail.outbox if m.to == [world.teacher2.email]]
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11), tick=False):
        assert reminders_send() == 1
        assert reminders_send() == 0
    assert len([m for m in mail.outbox if m.to == [world.teacher2.email]]) == 1


def test_a_message_handed_over_before_the_kill_is_not_handed_over_again(world):
    reminders_collect()
    reminders_send()
    message = OutboxMessage.objects.get(reminder__user=world.teacher2)
    # The worker was killed after the backend took the message, before it was recorded.
    OutboxMessage.objects.filter(pk=message.pk).update(delivered_at=None)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11), tick=False):
        assert reminders_send() == 1
    assert OutboxMessage.objects.get(pk=message.pk).delivered_at is not None
    assert len([m for m in mail.outbox if m.to == [world.teacher2.email]]) == 1


def test_the_start_page_shows_what_is_waiting(client, world):
    reminders_collect()
    client.force_login(world.teacher2)
    page = client.get("/ansatt/").content.decode()
    assert "Venter på deg" in page and f"/ansatt/overforinger/{world.handover.pk}/" in page


def test_the_periodic_round_can_run_twice_and_be_scheduled_once(world):
    first = periodic_run()
    second = periodic_run()
    assert first["collected"] >= 1 and second["collected"] == 0 and second["sent"] == 0
    call_command("periodic", schedule=True)
    call_command("periodic", schedule=True)
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(status="READY").values_list("task_path", flat=True)
    assert sorted(queued) == [
        "varde.audit.tasks.audit_anchor_tick",
        "varde.reminders.tasks.periodic_tick",
    ]


def test_the_worker_anchors_the_audit_log_and_queues_the_next_round(world):
    from django_tasks_db.models import DBTaskResult

    from varde.audit.anchor import anchor_read
    from varde.audit.models import AuditChain
    from varde.audit.tasks import audit_anchor_tick

    assert audit_anchor_tick.call() == AuditChain.objects.filter(last_seq__gt=0).count()
    anchored, _bad = anchor_read()
    assert {chain: a.seq for chain, a in anchored.items()} == dict(
        AuditChain.objects.filter(last_seq__gt=0).values_list("chain", "last_seq")
    )
    queued = DBTaskResult.objects.filter(status="READY", task_path=audit_anchor_tick.module_path)
    assert queued.count() == 1


def test_a_closed_case_not_archived_reminds_owner_and_leadership_after_the_plans_days(world):
    from varde.cases.models import Case

    closed = timezone.now()
    Case.objects.filter(pk=world.case.pk).update(status="closed", closed_at=closed)
    day = timezone.localdate(closed) + dt.timedelta(days=60)
    with time_machine.travel(oslo(day - dt.timedelta(days=1)), tick=False):
        reminders_collect()
    assert not Reminder.objects.filter(key=f"archive:{world.case.pk}").exists()
    with time_machine.travel(oslo(day), tick=False):
        reminders_collect()
    reminded = set(
        Reminder.objects.filter(key=f"archive:{world.case.pk}").values_list("user", flat=True)
    )
    assert reminded == {world.teacher.pk, world.principal.pk}


def test_reminders_are_written_in_the_site_language_whatever_the_thread_served_last(world):
    later = oslo(opened_day(world) + dt.timedelta(days=8))
    with translation.override("en"), time_machine.travel(later, tick=False):
        reminders_collect()
        reminders_send()
    subjects = [r.subject for r in Reminder.objects.filter(user=world.teacher)]
    assert subjects and all(s.startswith("Forfalt steg: ") for s in subjects), subjects
    to_tina = [m for m in mail.outbox if m.to == [world.teacher.email]]
    assert to_tina[0].body.startswith("Hei!")


def test_a_handover_shows_on_the_receivers_start_page_at_once(client, world):
    """Before the next collection of reminders, the offer is there, linked, and once."""
    assert not Reminder.objects.filter(user=world.teacher2).exists()
    client.force_login(world.teacher2)
    link = f'href="/ansatt/overforinger/{world.handover.pk}/"'
    page = client.get("/ansatt/").content.decode()
    assert page.count(link) == 1 and "En kollega vil overføre en sak til deg" in page
    reminders_collect()
    assert client.get("/ansatt/").content.decode().count(link) == 1
