"""Reminders: collected from what is due, shown in the app, e-mailed once.

Collecting is idempotent (one row per person and due thing, by a unique key);
sending claims each row with a conditional UPDATE, so two workers never send the
same reminder, and a claim left by a worker killed mid-send is taken up again
after CLAIM_TIMEOUT.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from varde.cases.models import Case, Handover, Measure
from varde.cases.rules import CaseRules, case_rules
from varde.cases.selectors import steps_for
from varde.people.models import RoleAssignment
from varde.people.roles import LEADERSHIP_ROLES
from varde.reminders.models import Reminder

CLAIM_TIMEOUT = dt.timedelta(minutes=10)
BATCH = 500


@dataclass(frozen=True)
class Due:
    user_id: int
    key: str
    subject: str
    url: str
    due_on: dt.date


def _leaders_by_school() -> dict[int, list[int]]:
    leaders: dict[int, list[int]] = {}
    for school_id, user_id in RoleAssignment.objects.filter(
        role__in=LEADERSHIP_ROLES, user__is_active=True, school__isnull=False
    ).values_list("school_id", "user_id"):
        leaders.setdefault(school_id, []).append(user_id)
    return leaders


def _due_for_cases(today: dt.date) -> list[Due]:
    rules: dict[int, CaseRules] = {}
    leaders = _leaders_by_school()
    found: list[Due] = []
    cases = Case.objects.filter(status=Case.Status.OPEN).prefetch_related("events")
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


@transaction.atomic
def reminders_collect(*, now: dt.datetime | None = None) -> int:
    """Create the reminders that are due; retire those whose step is done. Returns new rows."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = _due_for_cases(today) + _due_measures(today) + _due_handovers()
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
    """E-mail reminders not sent yet, each claimed first so it goes out once."""
    now = now or timezone.now()
    pending = Reminder.objects.filter(sent_at__isnull=True, done_at__isnull=True).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    )
    sent = 0
    for reminder in pending.select_related("user")[:limit]:
        claimed = (
            Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
            .update(claimed_at=now)
        )
        if not claimed or not reminder.user.is_active:
            continue
        link = settings.SITE_URL.rstrip("/") + reminder.url
        send_mail(
            subject=f"Varde: {reminder.subject}",
            message=_(
                "Hei!\n\nDu har noe som venter i Varde: %(subject)s.\n"
                "Logg inn for å se hva det gjelder:\n%(link)s\n"
            )
            % {"subject": reminder.subject, "link": link},
            from_email=None,
            recipient_list=[reminder.user.email],
        )
        Reminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now())
        sent += 1
    return sent


def reminders_for(user: object) -> list[Reminder]:
    """The user's open reminders for the start page (no personal data in them)."""
    return list(Reminder.objects.filter(user=user, done_at__isnull=True).order_by("due_on")[:20])
