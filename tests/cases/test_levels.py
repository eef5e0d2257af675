"""Lunnermodellen as a guided workflow: steps by level from the plan, handover, parents,
decisions, measures and the coordinator."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from varde.audit.models import AuditEntry
from varde.cases.models import Case, CaseParticipant, Decision, Handover, Measure, ParentDecision
from varde.cases.selectors import FACTS, case_next_steps
from varde.cases.services import CaseRuleBroken, case_decide
from varde.plan.schema import STEP_FACTS


def post(client, user, url, data):
    client.force_login(user)
    return client.post(url, data)


def decide(client, world, key, reason="Bekymringen er bekreftet i samtalen.", **extra):
    case = Case.objects.get(pk=world.case.pk)
    return post(
        client,
        world.teacher,
        f"/ansatt/saker/{case.pk}/beslutning/",
        {"key": key, "reason": reason, "version": case.version, **extra},
    )


def opened_on(world, when: dt.datetime) -> Case:
    """The world's case, as if it was opened at `when` (Oslo time)."""
    at = timezone.make_aware(when)
    Case.objects.filter(pk=world.case.pk).update(opened_at=at, level_since=at)
    return Case.objects.get(pk=world.case.pk)


def test_every_fact_a_plan_step_may_name_has_a_meaning():
    assert STEP_FACTS == set(FACTS)


def test_the_next_step_at_level_0_is_the_conversation_with_its_deadline_in_school_days(world):
    # Wednesday 13 May 2026; Thursday 14 May is Ascension Day, Monday 25 May Whit Monday.
    case = opened_on(world, dt.datetime(2026, 5, 13, 10))
    steps = case_next_steps(case=case)
    assert [s.key for s in steps] == [
        "undringsskjema",
        "undringssamtale",
        "foreldreinvolvering",
        "avklar_niva",
    ]
    assert steps[0].done and not steps[1].done
    # Five school days: 15, 18, 19, 20, 21 May.
    assert steps[1].due == dt.date(2026, 5, 21) and not steps[1].due_moved
    # Ten: then 22, 26, 27, 28, 29 May.
    assert steps[2].due == dt.date(2026, 5, 29)
    assert steps[3].due == dt.date(2026, 5, 29)


def test_no_deadline_falls_on_a_weekend_or_a_public_holiday(world):
    for day in range(1, 32):
        case = opened_on(world, dt.datetime(2026, 12, day, 9))
        for step in case_next_steps(case=case):
            if step.due:
                assert step.due.weekday() < 5 and step.due.day not in (25, 26), step


def test_the_archive_step_after_closing_on_a_saturday_is_due_monday_and_says_why(client, world):
    Measure.objects.filter(case=world.case).update(evaluated_at=timezone.now(), evaluation="Ok")
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 12, 5, 11)), tick=False):
        assert (
            decide(client, world, "close", no_parents_reason="Eleven er 17 år.").status_code == 302
        )
        case = Case.objects.get(pk=world.case.pk)
        [archive] = case_next_steps(case=case)
        assert archive.key == "archive"
        assert archive.due == dt.date(2026, 12, 7) and archive.due_moved
        page = client.get(f"/ansatt/saker/{case.pk}/").content.decode()
    assert "frist mandag 7. desember – neste skoledag" in " ".join(page.split())


def test_a_step_is_overdue_the_day_after_its_deadline_in_oslo(world):
    case = opened_on(world, dt.datetime(2026, 5, 13, 10))
    late_evening = timezone.make_aware(dt.datetime(2026, 5, 21, 23, 59))
    with time_machine.travel(late_evening, tick=False):
        assert not case_next_steps(case=case)[1].overdue
    with time_machine.travel(late_evening + dt.timedelta(minutes=2), tick=False):
        assert case_next_steps(case=case)[1].overdue


def test_the_case_page_puts_the_next_step_first_with_a_button_to_do_it(client, world):
    client.force_login(world.teacher)
    page = client.get(f"/ansatt/saker/{world.case.pk}/").content.decode()
    first = page.index("Neste steg")
    assert page.index("Gjennomfør en undringssamtale", first) < page.index("Undringsskjema", first)
    assert f"/ansatt/saker/{world.case.pk}/samtale/" in page


def test_a_colleague_must_accept_before_the_case_moves(client, world):
    handover = world.handover
    assert Case.objects.get(pk=world.case.pk).owner == world.teacher
    client.force_login(world.teacher2)
    assert "Overta en sak?" in client.get(f"/ansatt/overforinger/{handover.pk}/").content.decode()
    response = client.post(f"/ansatt/overforinger/{handover.pk}/", {"answer": "accept"})
    assert response.status_code == 302
    case = Case.objects.get(pk=world.case.pk)
    assert case.owner == world.teacher2
    # The former owner still sees the case, and the history keeps both.
    assert case.participants.filter(user=world.teacher).exists()
    kinds = list(case.events.values_list("kind", flat=True))
    assert "handover_offered" in kinds and "handover_accepted" in kinds
    client.force_login(world.teacher)
    assert client.get(f"/ansatt/saker/{case.pk}/").status_code == 200


def test_a_declined_handover_leaves_the_owner_and_cannot_be_answered_twice(client, world):
    client.force_login(world.teacher2)
    url = f"/ansatt/overforinger/{world.handover.pk}/"
    assert client.post(url, {"answer": "decline"}).status_code == 302
    assert Case.objects.get(pk=world.case.pk).owner == world.teacher
    assert Handover.objects.get(pk=world.handover.pk).state == "declined"
    assert client.post(url, {"answer": "accept"}).status_code == 404
    assert Case.objects.get(pk=world.case.pk).owner == world.teacher


def test_a_case_cannot_be_handed_to_someone_at_another_school(client, world):
    Handover.objects.filter(pk=world.handover.pk).update(state="declined")
    response = post(
        client,
        world.teacher,
        f"/ansatt/saker/{world.case.pk}/overfor/",
        {"to_user": world.outsider.pk},
    )
    assert response.status_code == 200
    assert Handover.objects.filter(to_user=world.outsider).count() == 0


def test_parents_must_be_informed_when_the_pupil_was_intoxicated_at_school(client, world):
    url = f"/ansatt/saker/{world.case.pk}/foresatte/"
    response = post(
        client,
        world.teacher,
        url,
        {"step": "decide", "choice": "not_now", "obligations": ["intoxicated"], "reason": "x"},
    )
    assert response.status_code == 200
    assert "Skolen må informere foresatte" in response.content.decode()
    assert ParentDecision.objects.count() == 0
    response = client.post(
        url,
        {
            "step": "decide",
            "choice": "pupil_first",
            "pupil_wishes": "Jeg vil si det til mamma selv i kveld.",
            "reason": "Eleven er 15 år og moden; får fortelle selv først.",
        },
    )
    assert response.status_code == 302
    decision = ParentDecision.objects.get()
    assert decision.pupil_age == world.pupil.age_on(timezone.localdate())
    assert decision.pupil_wishes == "Jeg vil si det til mamma selv i kveld."


def test_contacts_with_the_parents_are_recorded(client, world):
    response = post(
        client,
        world.teacher,
        f"/ansatt/saker/{world.case.pk}/foresatte/",
        {
            "step": "contact",
            "at": "27.11.2026 14:00",
            "with_whom": "Mor",
            "channel": "telefon",
            "summary": "Mor er kjent med saken, møte avtalt.",
        },
    )
    assert response.status_code == 302
    assert world.case.parent_contacts.get().summary == "Mor er kjent med saken, møte avtalt."


def test_the_case_climbs_the_levels_with_decisions_from_the_plan(client, world):
    assert decide(client, world, "level_1").status_code == 302
    case = Case.objects.get(pk=world.case.pk)
    assert case.level == 1 and case.level_since is not None
    assert [s.key for s in case_next_steps(case=case)] == ["tiltak", "evaluer"]
    # Level 3 cannot be reached from level 0 or 1 directly? From 1 it can, per the plan.
    assert decide(client, world, "level_2").status_code == 302
    assert decide(client, world, "level_3").status_code == 302
    case.refresh_from_db()
    assert case.level == 3
    assert case_next_steps(case=case)[0].key == "koordinator"
    response = post(
        client, world.teacher, f"/ansatt/saker/{case.pk}/koordinator/", {"user": world.principal.pk}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.coordinator == world.principal
    assert case_next_steps(case=case)[0].done
    assert list(Decision.objects.values_list("to_level", flat=True)) == [1, 2, 3]


def test_a_decision_the_plan_does_not_offer_at_this_level_is_refused(world):
    with pytest.raises(CaseRuleBroken):
        case_decide(actor=world.teacher, case=world.case, key="level_3", reason="x", version=1)
    assert Case.objects.get(pk=world.case.pk).level == 0


def test_a_decision_on_a_case_changed_meanwhile_is_refused_and_the_text_kept(client, world):
    client.force_login(world.teacher)
    stale = Case.objects.get(pk=world.case.pk).version
    Case.objects.filter(pk=world.case.pk).update(version=stale + 1)
    response = client.post(
        f"/ansatt/saker/{world.case.pk}/beslutning/",
        {"key": "close", "reason": "Min begrunnelse som ikke må forsvinne", "version": stale},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Noen andre har endret saken" in page
    assert "Min begrunnelse som ikke må forsvinne" in page
    assert Case.objects.get(pk=world.case.pk).status == "open"


def test_closing_records_the_reason_and_the_next_step_is_the_archive(client, world):
    Measure.objects.filter(case=world.case).update(evaluated_at=timezone.now(), evaluation="Ok")
    response = decide(
        client,
        world,
        "close",
        reason="Bekymringen ble ikke bekreftet.",
        no_parents_reason="Bekymringen ble avkreftet i samtalen.",
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=world.case.pk)
    assert case.status == "closed" and case.closed_at is not None
    assert [s.key for s in case_next_steps(case=case)] == ["archive"]
    decision = case.decisions.get()
    assert decision.reason == "Bekymringen ble ikke bekreftet."
    assert decision.no_parents_reason.startswith("Bekymringen ble avkreftet")


def test_a_case_closes_only_with_every_measure_evaluated_and_the_parents_question_answered(
    client, world
):
    url = f"/ansatt/saker/{world.case.pk}/beslutning/"
    client.force_login(world.teacher)
    page = " ".join(client.get(url).content.decode().split())
    assert "Før saken kan avsluttes" in page
    assert "1 tiltak er ikke evaluert." in page and "Foreldreinvolvering er ikke vurdert." in page
    response = decide(client, world, "close", reason="Min begrunnelse", no_parents_reason="Fordi")
    assert response.status_code == 200
    assert "1 tiltak er ikke evaluert" in response.content.decode()
    assert "Min begrunnelse" in response.content.decode()
    assert Case.objects.get(pk=world.case.pk).status == "open"
    Measure.objects.filter(case=world.case).update(evaluated_at=timezone.now(), evaluation="Ok")
    response = decide(client, world, "close", reason="Min begrunnelse")
    assert response.status_code == 200
    assert "Foreldreinvolvering er ikke vurdert" in response.content.decode()
    assert Case.objects.get(pk=world.case.pk).status == "open"
    ParentDecision.objects.create(
        case=world.case,
        decided_at=timezone.now(),
        decided_by=world.teacher,
        choice="inform_now",
        pupil_age=15,
        reason="Eleven er 15 år.",
    )
    page = " ".join(client.get(url).content.decode().split())
    assert "Før saken kan avsluttes" not in page
    assert decide(client, world, "close", reason="Min begrunnelse").status_code == 302
    assert Case.objects.get(pk=world.case.pk).status == "closed"
    assert Decision.objects.get().no_parents_reason == ""


def test_evaluating_is_done_only_when_every_measure_at_the_level_is_evaluated(client, world):
    """The decision that moved the case to level 1 is not a decision made there, and one
    measure evaluated of two is not the measures evaluated."""
    assert decide(client, world, "level_1").status_code == 302
    case = Case.objects.get(pk=world.case.pk)
    steps = {s.key: s.done for s in case_next_steps(case=case)}
    assert steps == {"tiltak": False, "evaluer": False}
    first, second = (
        Measure.objects.create(
            case=case,
            created_at=timezone.now(),
            created_by=world.teacher,
            level=1,
            description=f"Tiltak {n}",
            goal="Mål",
            responsible="Kontaktlærer",
            evaluate_on=timezone.localdate() + dt.timedelta(days=30),
        )
        for n in (1, 2)
    )
    steps = {s.key: s.done for s in case_next_steps(case=case)}
    assert steps == {"tiltak": True, "evaluer": False}
    Measure.objects.filter(pk=first.pk).update(evaluated_at=timezone.now(), evaluation="Virker")
    assert {s.key: s.done for s in case_next_steps(case=case)}["evaluer"] is False
    page = client.get(f"/ansatt/saker/{case.pk}/").content.decode()
    assert "Stegene på dette nivået er gjort" not in page
    Measure.objects.filter(pk=second.pk).update(evaluated_at=timezone.now(), evaluation="Virker")
    assert {s.key: s.done for s in case_next_steps(case=case)}["evaluer"] is True


def test_a_report_to_child_welfare_is_recorded_with_its_legal_basis(client, world):
    response = decide(client, world, "child_welfare")
    # The report itself is the next step.
    assert response.status_code == 302
    assert response["Location"] == f"/ansatt/saker/{world.case.pk}/bekymringsmelding/"
    decision = Decision.objects.get()
    assert decision.legal_basis == "child_welfare_duty"
    event = world.case.events.filter(kind="decision").get()
    assert "§ 13-2" in event.summary


def test_only_the_owner_coordinator_or_leadership_decide(client, world):
    from varde.cases.models import CaseParticipant

    CaseParticipant.objects.create(
        case=world.case,
        user=world.kjentmann,
        invited_by=world.teacher,
        invited_at=timezone.now(),
    )
    response = post(
        client,
        world.kjentmann,
        f"/ansatt/saker/{world.case.pk}/beslutning/",
        {"key": "close", "reason": "x", "version": world.case.version},
    )
    assert response.status_code == 200
    assert Case.objects.get(pk=world.case.pk).status == "open"


def test_a_measure_has_a_goal_a_responsible_person_and_an_evaluation(client, world):
    url = f"/ansatt/saker/{world.case.pk}/tiltak/"
    response = post(
        client,
        world.teacher,
        url,
        {
            "description": "Fast samtale med helsesykepleier hver fredag.",
            "goal": "Eleven har en voksen å snakke med.",
            "responsible": "Hanne Helsesykepleier",
            "evaluate_on": (timezone.localdate() + dt.timedelta(days=21)).strftime("%d.%m.%Y"),
        },
    )
    assert response.status_code == 302
    measure = Measure.objects.filter(case=world.case).latest("pk")
    response = client.post(
        f"{url}{measure.pk}/", {"evaluation": "Har virket godt.", "version": measure.version}
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.evaluation == "Har virket godt." and measure.evaluated_by == world.teacher


def test_two_evaluations_of_the_same_measure_the_second_is_told_and_nothing_is_lost(client, world):
    measure = world.measure
    url = f"/ansatt/saker/{world.case.pk}/tiltak/{measure.pk}/"
    first = client.__class__()
    first.force_login(world.teacher)
    second = client.__class__()
    second.force_login(world.principal)
    assert first.post(url, {"evaluation": "Tinas vurdering", "version": 1}).status_code == 302
    response = second.post(url, {"evaluation": "Ritas vurdering", "version": 1})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Tinas vurdering" in page and "Ritas vurdering" in page
    measure.refresh_from_db()
    assert measure.evaluation == "Tinas vurdering"


def test_a_measure_cannot_be_evaluated_before_it_is_due_in_the_past(client, world):
    response = post(
        client,
        world.teacher,
        f"/ansatt/saker/{world.case.pk}/tiltak/",
        {"description": "x", "goal": "y", "responsible": "z", "evaluate_on": "01.01.2020"},
    )
    assert response.status_code == 200
    assert "Evalueringsdatoen kan ikke være passert" in response.content.decode()


def test_every_workflow_write_leaves_an_audit_entry(client, world):
    before = AuditEntry.objects.filter(action="update", object_type="case").count()
    decide(client, world, "level_1")
    post(
        client,
        world.teacher,
        f"/ansatt/saker/{world.case.pk}/foresatte/",
        {"step": "decide", "choice": "inform_now", "reason": "Avtalt med eleven."},
    )
    after = AuditEntry.objects.filter(action="update", object_type="case").count()
    assert after - before == 2


@pytest.mark.parametrize(
    "path",
    ["overfor/", "foresatte/", "beslutning/", "tiltak/", "koordinator/"],
)
@pytest.mark.parametrize("persona", ["teacher2", "kjentmann", "nurse", "admin", "outsider"])
def test_staff_without_a_need_to_know_get_404_on_every_workflow_page(client, world, path, persona):
    client.force_login(getattr(world, persona))
    assert client.get(f"/ansatt/saker/{world.case.pk}/{path}").status_code == 404
    assert client.post(f"/ansatt/saker/{world.case.pk}/{path}", {}).status_code == 404


def test_two_records_of_the_same_conversation_the_second_is_told_and_nothing_is_lost(client, world):
    from varde.cases.services import conversation_plan, conversation_record

    conversation_plan(
        actor=world.teacher, case=world.case, planned_for=timezone.now(), attendees="Tina"
    )
    conversation = conversation_record(
        actor=world.teacher, case=world.case, what_was_said="a", pupil_view="b", weighing="c"
    )
    url = f"/ansatt/saker/{world.case.pk}/samtale/"
    first = client.__class__()
    first.force_login(world.teacher)
    second = client.__class__()
    second.force_login(world.principal)
    fields = {"step": "record", "version": conversation.version, "weighing": "Vektlagt."}
    response = first.post(url, {**fields, "what_was_said": "Tinas", "pupil_view": "Tinas syn"})
    assert response.status_code == 302
    response = second.post(url, {**fields, "what_was_said": "Ritas", "pupil_view": "Ritas syn"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Noen andre har lagret samtalen" in page
    assert "Tinas syn" in page and "Ritas syn" in page
    conversation.refresh_from_db()
    assert conversation.pupil_view == "Tinas syn"


def test_a_measure_has_a_responsible_member_of_staff_who_sees_and_is_reminded_of_it(client, world):
    from varde.reminders.models import Reminder
    from varde.reminders.services import reminders_collect

    url = f"/ansatt/saker/{world.case.pk}/tiltak/"
    day = timezone.localdate() + dt.timedelta(days=10)
    fields = {
        "description": "Fast samtale hver mandag.",
        "goal": "Eleven møter opp.",
        "evaluate_on": day.strftime("%d.%m.%Y"),
    }
    # Nobody responsible: refused, with the text kept.
    response = post(client, world.teacher, url, fields)
    assert response.status_code == 200
    assert "Velg hvem som er ansvarlig" in response.content.decode()
    assert "Fast samtale hver mandag." in response.content.decode()
    # A colleague at the school: she joins the case, sees the measure on her start page, and is
    # reminded three days before the evaluation (the plan's measure_days_before), not earlier.
    response = post(client, world.teacher, url, {**fields, "responsible_user": world.teacher2.pk})
    assert response.status_code == 302
    measure = Measure.objects.latest("pk")
    assert measure.responsible_user == world.teacher2 and measure.responsible == "Tor Lærer"
    client.force_login(world.teacher2)
    start = client.get("/ansatt/").content.decode()
    assert "Tiltak du er ansvarlig for" in start
    assert f"/ansatt/saker/{world.case.pk}/tiltak/{measure.pk}/" in start
    key = f"measure-responsible:{measure.pk}:{day.isoformat()}"
    with time_machine.travel(timezone.now() + dt.timedelta(days=6), tick=False):
        reminders_collect()
    assert not Reminder.objects.filter(user=world.teacher2, key=key).exists()
    with time_machine.travel(timezone.now() + dt.timedelta(days=7), tick=False):
        reminders_collect()
    assert Reminder.objects.filter(user=world.teacher2, key=key).exists()


def test_a_person_outside_the_school_is_responsible_by_name(client, world):
    url = f"/ansatt/saker/{world.case.pk}/tiltak/"
    day = timezone.localdate() + dt.timedelta(days=10)
    response = post(
        client,
        world.teacher,
        url,
        {
            "description": "Samtaler med helsesykepleier.",
            "goal": "Bedre søvn.",
            "evaluate_on": day.strftime("%d.%m.%Y"),
            "responsible": "Helsesykepleier Kari, 400 00 000",
        },
    )
    assert response.status_code == 302
    measure = Measure.objects.latest("pk")
    assert measure.responsible_user is None
    assert measure.responsible == "Helsesykepleier Kari, 400 00 000"


def test_the_school_nurse_gets_a_task_in_the_case_only_with_the_consent_an_invitation_needs(
    client, world
):
    """The nurse comes from the school health service: made responsible for a measure (or
    coordinator) she would join the case, so the plan's consent to that service must be there,
    exactly as when she is invited. Until then the forms do not offer her, and the rule holds
    below the forms too."""
    from tests.cases.test_consent import consent_from
    from varde.cases.services import coordinator_appoint, measure_add

    # At level 3, where a coordinator is named.
    Case.objects.filter(pk=world.case.pk).update(level=3)
    world.case.refresh_from_db()
    url = f"/ansatt/saker/{world.case.pk}/tiltak/"
    day = timezone.localdate() + dt.timedelta(days=10)
    fields = {
        "description": "Samtaler med helsesykepleier.",
        "goal": "Eleven har en voksen å snakke med.",
        "evaluate_on": day.strftime("%d.%m.%Y"),
        "responsible_user": world.nurse.pk,
    }
    client.force_login(world.teacher)
    offered = f'value="{world.nurse.pk}"'
    assert offered not in client.get(url).content.decode()
    assert offered not in client.get(f"/ansatt/saker/{world.case.pk}/koordinator/").content.decode()
    before = Measure.objects.count()
    page = post(client, world.teacher, url, fields).content.decode()
    assert "Samtaler med helsesykepleier." in page and Measure.objects.count() == before
    for attempt in (
        lambda: measure_add(
            actor=world.teacher,
            case=world.case,
            description="x",
            goal="y",
            evaluate_on=day,
            responsible_user=world.nurse,
        ),
        lambda: coordinator_appoint(actor=world.teacher, case=world.case, user=world.nurse),
    ):
        with pytest.raises(CaseRuleBroken, match="kommer fra Skolehelsetjenesten"):
            attempt()
    assert not CaseParticipant.objects.filter(case=world.case, user=world.nurse).exists()
    client.force_login(world.nurse)
    assert client.get(f"/ansatt/saker/{world.case.pk}/").status_code == 404
    consent_from(world, world.case, "skolehelsetjenesten", "pupil", "guardian")
    client.force_login(world.teacher)
    assert offered in client.get(url).content.decode() and Measure.objects.count() == before
    assert post(client, world.teacher, url, fields).status_code == 302
    joined = CaseParticipant.objects.get(case=world.case, user=world.nurse)
    assert joined.service == "skolehelsetjenesten"
