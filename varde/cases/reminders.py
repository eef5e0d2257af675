"""Reminders from cases, collected by varde.reminders with everything else that is due.

- An overdue step of Lunnermodellen: to the case's owner, and after the plan's number of days
  to the school's leadership too.
- A measure whose evaluation date has come: to the case's owner.
- A handover waiting for an answer: to the colleague it is offered to.
- An invitation into a case not yet opened: to the person invited.
- A closed case never archived: to the owner and leadership, after the plan's number of days.
- An archived case the archive has not confirmed, when its package was refused or failed, or its
  removal day has come: to the owner and leadership.
- A report of concern the child welfare service has not confirmed: see varde.cases.concern.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from varde.cases.concern import concerns_due
from varde.cases.models import (
    ArchiveDelivery,
    Case,
    CaseEvent,
    CaseParticipant,
    Decision,
    Handover,
    Measure,
)
from varde.cases.rules import CaseRules, case_rules
from varde.cases.selectors import (
    STEP_CASE_FIELDS,
    STEP_DECISION_FIELDS,
    STEP_EVENT_FIELDS,
    STEP_MEASURE_FIELDS,
    StepFacts,
    steps_for,
)
from varde.reminders.due import BATCH, Due, leaders_by_school


def cases_due(*, now: dt.datetime) -> list[Due]:
    today = timezone.localdate(now)
    return (
        _due_for_cases(today)
        + _due_measures(today)
        + handovers_due()
        + invitations_due()
        + _due_archives(today)
        + _due_deliveries(today)
        + concerns_due(today=today)
    )


def _due_for_cases(today: dt.date) -> list[Due]:
    rules: dict[int, CaseRules] = {}
    leaders = leaders_by_school()
    found: list[Due] = []
    # What the steps read, and nothing sealed: this runs over every open case on each tick.
    cases = (
        Case.objects.filter(status=Case.Status.OPEN)
        .only(*STEP_CASE_FIELDS)
        .prefetch_related(
            Prefetch("events", queryset=CaseEvent.objects.only(*STEP_EVENT_FIELDS)),
            Prefetch("measures", queryset=Measure.objects.only(*STEP_MEASURE_FIELDS)),
            Prefetch("decisions", queryset=Decision.objects.only(*STEP_DECISION_FIELDS)),
        )
    )
    for case in cases.iterator(chunk_size=BATCH):
        if case.municipality_id not in rules:
            rules[case.municipality_id] = case_rules(municipality_id=case.municipality_id)
        rule = rules[case.municipality_id]
        url = reverse("cases:case", args=[case.pk])
        facts = StepFacts.of(case.measures.all(), case.decisions.all())
        steps = steps_for(
            case=case, rules=rule, events=list(case.events.all()), facts=facts, today=today
        )
        for step in steps:
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
    """The case's owner on the evaluation day; the responsible member of staff the plan's
    days before it."""
    open_measures = Measure.objects.filter(evaluated_at__isnull=True, case__status=Case.Status.OPEN)
    found = [
        Due(
            owner,
            f"measure:{pk}:{evaluate_on.isoformat()}",
            _("Et tiltak skal evalueres"),
            reverse("cases:measure_evaluation", args=[case_id, pk]),
            evaluate_on,
        )
        for pk, case_id, owner, evaluate_on in open_measures.filter(
            evaluate_on__lte=today
        ).values_list("pk", "case_id", "case__owner_id", "evaluate_on")
    ]
    rules: dict[int, CaseRules] = {}
    ahead = open_measures.filter(responsible_user__isnull=False).values_list(
        "pk", "case_id", "case__municipality_id", "responsible_user_id", "evaluate_on"
    )
    for pk, case_id, municipality_id, user_id, evaluate_on in ahead:
        if municipality_id not in rules:
            rules[municipality_id] = case_rules(municipality_id=municipality_id)
        if today < evaluate_on - dt.timedelta(days=rules[municipality_id].measure_days_before):
            continue
        found.append(
            Due(
                user_id,
                f"measure-responsible:{pk}:{evaluate_on.isoformat()}",
                _("Du er ansvarlig for et tiltak som skal evalueres"),
                reverse("cases:measure_evaluation", args=[case_id, pk]),
                evaluate_on,
            )
        )
    return found


def handovers_due(*, to_user_id: int | None = None) -> list[Due]:
    """The handovers waiting for an answer, as reminders to their receivers; for one receiver
    when `to_user_id` is given (the start page reads it with the page, so that an offer shows
    at once, before the next collection stores it)."""
    waiting = Handover.objects.filter(state=Handover.State.WAITING)
    if to_user_id is not None:
        waiting = waiting.filter(to_user_id=to_user_id)
    waiting = waiting.values_list("pk", "to_user_id", "offered_at")
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


def invitations_due(*, to_user_id: int | None = None) -> list[Due]:
    """Invitations into open cases that the invited person has not opened yet; for one person
    when `to_user_id` is given (read with the page, like handovers, so it shows at once)."""
    waiting = CaseParticipant.objects.filter(seen_at__isnull=True, case__status=Case.Status.OPEN)
    if to_user_id is not None:
        waiting = waiting.filter(user_id=to_user_id)
    return [
        Due(
            user_id,
            f"invited:{pk}",
            _("Du er invitert inn i en sak"),
            reverse("cases:case", args=[case_id]),
            timezone.localdate(invited_at),
        )
        for pk, user_id, case_id, invited_at in waiting.values_list(
            "pk", "user_id", "case_id", "invited_at"
        )
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


def _due_deliveries(today: dt.date) -> list[Due]:
    """Archived cases the archive has not confirmed: when the package was refused or is not
    getting through, or when the removal day has come and the working copy must stay."""
    leaders = leaders_by_school()
    found: list[Due] = []
    waiting = ArchiveDelivery.objects.exclude(state=ArchiveDelivery.State.RECEIVED).values_list(
        "case_id", "state", "case__school_id", "case__owner_id", "case__purge_after", "created_at"
    )
    for case_id, state, school_id, owner_id, purge_after, created_at in waiting:
        stuck = state in (ArchiveDelivery.State.REFUSED, ArchiveDelivery.State.FAILED)
        overdue = purge_after is not None and purge_after <= today
        if not stuck and not overdue:
            continue
        url = reverse("cases:archive", args=[case_id])
        if stuck:
            subject = _("Arkivet har ikke tatt imot en sak")
            key = f"delivery:{case_id}:{state}"
            due = timezone.localdate(created_at)
        else:
            subject = _("Arkivet har ikke bekreftet en sak som skulle vært slettet")
            key = f"delivery:{case_id}:unconfirmed"
            due = purge_after
        for user_id in {owner_id, *leaders.get(school_id, [])}:
            found.append(Due(user_id, key, subject, url, due))
    return found
