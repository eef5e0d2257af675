"""Reminders: collected from what is due, shown in the app, e-mailed once.

Collecting is idempotent (one row per person and due thing, by a unique key).
Sending goes through an outbox: see outbox_fill and outbox_deliver for what is
guaranteed when a worker is killed part-way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as MemoryBackend
from django.db import transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from varde.cases.models import Case, CaseEvent, Handover, Measure
from varde.cases.rules import CaseRules, case_rules
from varde.cases.selectors import STEP_CASE_FIELDS, STEP_EVENT_FIELDS, steps_for
from varde.lib.queries import PreparedQuery
from varde.people.models import RoleAssignment
from varde.people.roles import LEADERSHIP_ROLES
from varde.reminders.models import OutboxMessage, Reminder

BATCH = 500


@dataclass(frozen=True)
class Due:
    user_id: int
    key: str
    subject: str
    url: str
    due_on: dt.date


def leaders_by_school() -> dict[int, list[int]]:
    leaders: dict[int, list[int]] = {}
    for school_id, user_id in RoleAssignment.objects.filter(
        role__in=LEADERSHIP_ROLES, user__is_active=True, school__isnull=False
    ).values_list("school_id", "user_id"):
        leaders.setdefault(school_id, []).append(user_id)
    return leaders


def _due_for_cases(today: dt.date) -> list[Due]:
    rules: dict[int, CaseRules] = {}
    leaders = leaders_by_school()
    found: list[Due] = []
    # What the steps read, and nothing sealed: this runs over every open case on each tick.
    cases = (
        Case.objects.filter(status=Case.Status.OPEN)
        .only(*STEP_CASE_FIELDS)
        .prefetch_related(Prefetch("events", queryset=CaseEvent.objects.only(*STEP_EVENT_FIELDS)))
    )
    for case in cases.iterator(chunk_size=BATCH):
        if case.municipality_id not in rules:
            rules[case.municipality_id] = case_rules(municipality_id=case.municipality_id)
        rule = rules[case.municipality_id]
        url = reverse("cases:case", args=[case.pk])
        for step in steps_for(case=case, rules=rule, events=list(case.events.all()), today=today):
            if not step.overdue or step.due is None:
                continue
            key = f"case:{case.pk}:level:{case.level}:{step.key}:{step.due.isoformat()}"
            subject = _("Forfalt steg: %(step)s") % {"step": step.title}
            found.append(Due(case.owner_id, key, subject, url, step.due))
            if (today - step.due).days >= rule.escalate_after_days:
                for leader in leaders.get(case.school_id, []):
                    if leader != case.owner_id:
                        found.append(
                            Due(
                                leader,
                                f"escalated:{key}",
                                _("Til ledelsen: %(s)s") % {"s": subject},
                                url,
                                step.due,
                            )
                        )
    return found


def _due_measures(today: dt.date) -> list[Due]:
    measures = Measure.objects.filter(
        evaluated_at__isnull=True, evaluate_on__lte=today, case__status=Case.Status.OPEN
    ).values_list("pk", "case_id", "case__owner_id", "evaluate_on")
    return [
        Due(
            owner,
            f"measure:{pk}:{evaluate_on.isoformat()}",
            _("Et tiltak skal evalueres"),
            reverse("cases:measure_evaluation", args=[case_id, pk]),
            evaluate_on,
        )
        for pk, case_id, owner, evaluate_on in measures
    ]


def _due_handovers() -> list[Due]:
    waiting = Handover.objects.filter(state=Handover.State.WAITING).values_list(
        "pk", "to_user_id", "offered_at"
    )
    return [
        Due(
            to_user,
            f"handover:{pk}",
            _("En kollega vil overføre en sak til deg"),
            reverse("cases:handover_reply", args=[pk]),
            timezone.localdate(offered_at),
        )
        for pk, to_user, offered_at in waiting
    ]


def _due_archives(today: dt.date) -> list[Due]:
    """Closed cases never archived: the owner and leadership, after the plan's days."""
    rules: dict[int, CaseRules] = {}
    leaders = leaders_by_school()
    found: list[Due] = []
    closed = Case.objects.filter(
        status=Case.Status.CLOSED, archived_at__isnull=True, closed_at__isnull=False
    ).values_list("pk", "municipality_id", "school_id", "owner_id", "closed_at")
    for pk, municipality_id, school_id, owner_id, closed_at in closed:
        if municipality_id not in rules:
            rules[municipality_id] = case_rules(municipality_id=municipality_id)
        due = timezone.localdate(closed_at) + dt.timedelta(
            days=rules[municipality_id].closed_unarchived_days
        )
        if due > today:
            continue
        url = reverse("cases:archive", args=[pk])
        subject = _("En avsluttet sak er ikke arkivert")
        for user_id in {owner_id, *leaders.get(school_id, [])}:
            found.append(Due(user_id, f"archive:{pk}", subject, url, due))
    return found


def _due_incidents(now: dt.datetime) -> list[Due]:
    from varde.incidents.reminders import incidents_due

    return incidents_due(now=now)


def _due_yearplan(now: dt.datetime) -> list[Due]:
    from varde.yearplan.reminders import yearplan_due

    return yearplan_due(now=now)


@transaction.atomic
def reminders_collect(*, now: dt.datetime | None = None) -> int:
    """Create the reminders that are due; retire those whose step is done. Returns new rows."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # Stored and e-mailed text is in the site's language, whatever this thread served last.
    with translation.override(settings.LANGUAGE_CODE):
        due = (
            _due_for_cases(today)
            + _due_measures(today)
            + _due_handovers()
            + _due_archives(today)
            + _due_incidents(now)
            + _due_yearplan(now)
        )
    existing = set(Reminder.objects.filter(done_at__isnull=True).values_list("user_id", "key"))
    wanted = {(d.user_id, d.key) for d in due}
    new = [
        Reminder(
            user_id=d.user_id,
            key=d.key,
            subject=d.subject[:200],
            url=d.url,
            due_on=d.due_on,
            created_at=now,
        )
        for d in due
        if (d.user_id, d.key) not in existing
    ]
    Reminder.objects.bulk_create(new, ignore_conflicts=True, batch_size=BATCH)
    gone = existing - wanted
    for user_id, key in gone:
        Reminder.objects.filter(user_id=user_id, key=key, done_at__isnull=True).update(done_at=now)
    return len(new)


def reminders_send(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """E-mail the reminders not sent yet: into the outbox, then delivered. Returns deliveries."""
    now = now or timezone.now()
    outbox_fill(now=now, limit=limit)
    return outbox_deliver(limit=limit)


def _message_id(reminder: Reminder) -> str:
    digest = hashlib.sha256(f"{reminder.pk}:{reminder.user_id}:{reminder.key}".encode()).hexdigest()
    host = urlsplit(settings.SITE_URL).hostname or "varde.invalid"
    return f"<reminder-{reminder.pk}-{digest[:16]}@{host}>"


def _message_body(subject: str, link: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "Hei!\n\nDu har noe som venter i Varde: %(subject)s.\n"
            "Logg inn for å se hva det gjelder:\n%(link)s\n"
        ) % {"subject": subject, "link": link}


def outbox_fill(*, now: dt.datetime, limit: int = 200) -> int:
    """Turn unsent reminders into outbox messages, each in one transaction with its mark.

    The reminder is marked sent only if it was not already (a conditional UPDATE), and its
    message is written in the same transaction, so a kill at any point leaves either both
    or neither: a reminder never gets two messages, and none is marked without one.
    """
    pending = Reminder.objects.filter(
        sent_at__isnull=True, done_at__isnull=True, user__is_active=True
    ).select_related("user")
    made = 0
    for reminder in pending[:limit]:
        with transaction.atomic():
            if not Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(
                sent_at=now, claimed_at=now
            ):
                continue
            link = settings.SITE_URL.rstrip("/") + reminder.url
            OutboxMessage.objects.create(
                reminder=reminder,
                message_id=_message_id(reminder),
                to=reminder.user.email,
                subject=f"Varde: {reminder.subject}"[:250],
                body=_message_body(reminder.subject, link),
                created_at=now,
            )
            made += 1
    return made


def _claim_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "VARDE_OUTBOX_CLAIM_SECONDS", 600))


def outbox_deliver(*, limit: int = 200) -> int:
    """Deliver outbox messages not yet delivered, each claimed first. Returns deliveries.

    What is guaranteed when a worker is killed (SIGKILL) at any point and started again:

    - No message is lost. A message stays undelivered until delivery is recorded; a claim
      left by a killed worker is taken over after the claim timeout.
    - No message is delivered twice by two workers at once: each claims the message with a
      conditional UPDATE, and only the one that changed the row goes on.
    - The one window left is between handing the message to the e-mail backend and
      recording that in the database. A message claimed before (attempts > 0) may have been
      delivered in that window, so before delivering it again the backend is asked whether
      it already has a message with this Message-ID. Django's file and in-memory backends
      can answer, so with them each message is delivered exactly once. An SMTP server
      cannot be asked: there a kill in that window (a few milliseconds per message) can
      deliver a message twice, with the same Message-ID, which mail programs use to show
      it once. That is at least once, not exactly once, and this docstring says so.
    """
    timeout = _claim_timeout()
    delivered = 0
    connection = get_connection()
    for message in OutboxMessage.objects.filter(delivered_at__isnull=True).order_by("pk")[:limit]:
        stale = timezone.now() - timeout
        claimable = Q(attempted_at__isnull=True) | Q(attempted_at__lt=stale)
        claimed = OutboxMessage.objects.filter(
            claimable, pk=message.pk, delivered_at__isnull=True
        ).update(attempted_at=timezone.now(), attempts=F("attempts") + 1)
        if not claimed:
            continue
        if not (message.attempts and _backend_has(connection, message.message_id)):
            EmailMessage(
                subject=message.subject,
                body=message.body,
                to=[message.to],
                headers={"Message-ID": message.message_id},
                connection=connection,
            ).send()
        OutboxMessage.objects.filter(pk=message.pk).update(delivered_at=timezone.now())
        delivered += 1
    return delivered


def _backend_has(connection: object, message_id: str) -> bool:
    """Whether the e-mail backend already holds a message with this Message-ID, if it can tell."""
    if isinstance(connection, MemoryBackend):
        return any(
            m.extra_headers.get("Message-ID") == message_id for m in getattr(mail, "outbox", [])
        )
    if isinstance(connection, FileBackend):
        needle = f"Message-ID: {message_id}".encode()
        return any(
            needle in path.read_bytes()
            for path in Path(connection.file_path).glob("*")
            if path.is_file()
        )
    return False


def _open_reminders(user_id: int) -> QuerySet[Reminder]:
    return Reminder.objects.filter(user_id=user_id, done_at__isnull=True).order_by("due_on")[:20]


_open_reminders_of = PreparedQuery(_open_reminders, int)


def reminders_for(user: Any) -> list[Reminder]:
    """The user's open reminders for the start page (no personal data in them)."""
    return _open_reminders_of(user.pk)
