"""Reads of cases: the next steps at the case's level of Lunnermodellen, from plan data.

The steps, their order and their deadlines come from the plan
(``lunnermodellen.levels[].steps``); each step names the facts (``done_by``) any one of
which completes it. A step's state is worked out from those facts each time it is read,
never stored: see `FACTS`. Deadlines are counted in Europe/Oslo from the day the case
reached its current level, in school days or calendar days as the step says, and land on a
school day (varde.lib.holidays.deadline).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import CharField, Value
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from varde.cases.models import (
    AdviceRequest,
    Case,
    CaseEvent,
    CaseParticipant,
    ConcernReport,
    Consent,
    Decision,
    Handover,
    Measure,
    ParentDecision,
    Referral,
)
from varde.cases.rules import CaseRules, case_rules
from varde.lib.holidays import CALENDAR_DAYS, deadline


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    text: str
    due: dt.date | None
    done: bool
    overdue: bool
    done_by: tuple[str, ...] = ()
    # The deadline fell on a day without school and was moved to the next school day.
    due_moved: bool = False


class StepFacts(NamedTuple):
    """What the steps read of a case besides its events: each measure's level, when it was
    agreed and whether it is evaluated, and each decision's level and time."""

    measures: tuple[tuple[int, dt.datetime, bool], ...] = ()
    decisions: tuple[tuple[int, dt.datetime], ...] = ()

    @classmethod
    def of(cls, measures: Iterable[Any], decisions: Iterable[Any]) -> StepFacts:
        """From a case's measures and decisions (rows with STEP_MEASURE_FIELDS and
        STEP_DECISION_FIELDS)."""
        return cls(
            tuple((m.level, m.created_at, m.evaluated_at is not None) for m in measures),
            tuple((d.from_level, d.decided_at) for d in decisions),
        )


# The facts a step can name in `done_by`, and what makes each true. Facts about the level
# count only what happened since the case reached its current level: a measure agreed at
# level 1 does not complete the joint measures of level 2, and the decision that moved the
# case to a level is not a decision made there.
FACTS = {
    "opened": "the worry form is filled in (the case exists)",
    "conversation_held": "the wondering conversation is recorded as held",
    "parents_decided": "a decision on involving the guardians is recorded",
    "parents_contacted": "a contact with the guardians is recorded",
    "decision": "a decision is made at this level",
    "measure_added": "a measure is agreed at this level",
    "measure_evaluated": "a measure is agreed at this level and every one of them is evaluated",
    "consent_given": "a consent is registered at this level",
    "invited": "a colleague or service is invited at this level",
    "referral": "a referral is registered at this level",
    "shared_by_law": "information is shared by law at this level",
    "coordinator": "a coordinator is named",
    "advice_answered": "an advice question about the case is answered",
    "archived": "the case is archived",
}
# Facts read from the case's events: ever, or since the case reached its level.
_EVER = ("conversation_held", "parents_decided", "parents_contacted", "advice_answered")
_AT_LEVEL = ("consent_given", "invited", "referral", "shared_by_law")


def facts_true(
    *, case: Case, events: Sequence[CaseEvent | StepEvent], facts: StepFacts
) -> frozenset[str]:
    """The facts of `FACTS` that hold for the case now."""
    since = case.level_since or case.opened_at
    ever = {e.kind for e in events}
    here = {e.kind for e in events if e.at >= since}
    true = {"opened"}
    true.update(kind for kind in _EVER if kind in ever)
    true.update(kind for kind in _AT_LEVEL if kind in here)
    measures = [done for level, at, done in facts.measures if level == case.level and at >= since]
    if measures:
        true.add("measure_added")
        if all(measures):
            true.add("measure_evaluated")
    if any(level == case.level and at >= since for level, at in facts.decisions):
        true.add("decision")
    if case.coordinator_id:
        true.add("coordinator")
    if case.archived_at:
        true.add("archived")
    return frozenset(true)


def steps_for(
    *,
    case: Case,
    rules: CaseRules,
    events: Sequence[CaseEvent | StepEvent],
    facts: StepFacts,
    today: dt.date,
) -> list[Step]:
    if case.status == Case.Status.CLOSED:
        return _closed_steps(case=case, rules=rules, today=today)
    start = timezone.localdate(case.level_since or case.opened_at)
    true = facts_true(case=case, events=events, facts=facts)
    steps = []
    for raw in rules.level_steps(case.level):
        days = raw.get("deadline_days")
        due, moved = (
            deadline(start, int(days), raw.get("deadline_counts") or CALENDAR_DAYS)
            if days is not None
            else (None, False)
        )
        done = bool(set(raw.get("done_by") or ()) & true)
        steps.append(
            Step(
                key=raw["key"],
                title=raw.get("title", ""),
                text=raw.get("text", ""),
                due=due,
                done=done,
                overdue=bool(due and not done and due < today),
                done_by=tuple(raw.get("done_by") or ()),
                due_moved=moved,
            )
        )
    return steps


def _closed_steps(*, case: Case, rules: CaseRules, today: dt.date) -> list[Step]:
    routine = rules.document.routine("worry") or {}
    archive = next((s for s in routine.get("steps") or [] if s.get("key") == "archive"), {})
    due, moved = (
        deadline(timezone.localdate(case.closed_at), int(archive.get("deadline_days") or 0))
        if case.closed_at
        else (None, False)
    )
    done = case.archived_at is not None
    return [
        Step(
            key="archive",
            title=archive.get("title", "Arkiver"),
            text=archive.get("text", ""),
            due=due,
            done=done,
            overdue=bool(due and not done and due < today),
            done_by=(CaseEvent.Kind.ARCHIVED,),
            due_moved=moved,
        )
    ]


# The page where each kind of step is done. Which kind completes which step is plan data.
STEP_PAGES = {
    CaseEvent.Kind.CONVERSATION_HELD: "cases:conversation",
    CaseEvent.Kind.PARENTS_DECIDED: "cases:parents",
    CaseEvent.Kind.PARENTS_CONTACTED: "cases:parents",
    CaseEvent.Kind.DECISION: "cases:decide",
    CaseEvent.Kind.MEASURE_ADDED: "cases:measures",
    CaseEvent.Kind.MEASURE_EVALUATED: "cases:measures",
    CaseEvent.Kind.COORDINATOR: "cases:coordinator",
    CaseEvent.Kind.CONSENT_GIVEN: "cases:consents",
    CaseEvent.Kind.INVITED: "cases:participants",
    CaseEvent.Kind.REFERRAL: "cases:participants",
    CaseEvent.Kind.SHARED_BY_LAW: "cases:participants",
    CaseEvent.Kind.ARCHIVED: "cases:archive",
}


def step_url(*, case: Case, step: Step) -> str:
    for kind in step.done_by:
        name = STEP_PAGES.get(kind)
        if name:
            try:
                return reverse(name, args=[case.pk])
            except NoReverseMatch:
                continue
    return ""


# What the steps read of a case's events. Their summaries are sealed, and a list of cases
# has no use for them, so lists fetch only these columns.
STEP_EVENT_FIELDS = ("id", "case_id", "kind", "at")
STEP_MEASURE_FIELDS = ("id", "case_id", "level", "created_at", "evaluated_at")
STEP_DECISION_FIELDS = ("id", "case_id", "from_level", "decided_at")
# What the steps read of a case itself.
STEP_CASE_FIELDS = (
    "id",
    "municipality_id",
    "school_id",
    "owner_id",
    "coordinator_id",
    "status",
    "level",
    "level_since",
    "opened_at",
    "closed_at",
    "archived_at",
)
# The case's own sealed free text, shown on the case page only.
CASE_FREE_TEXT = (
    "observed",
    "place",
    "duration",
    "earlier_worries",
    "who_knows",
    "parents_thoughts",
)


class StepEvent(NamedTuple):
    """What the steps read of an event, for lists: no model instance per event."""

    kind: str
    at: dt.datetime


def cases_listed(queryset: Any) -> Any:
    """Cases for a list with next steps: without their free text."""
    return queryset.defer(*CASE_FREE_TEXT)


def step_facts(cases: list[Case]) -> dict[int, StepFacts]:
    """The measures and decisions of each case as the steps need them, in two queries."""
    ids = [case.pk for case in cases]
    measures: dict[int, list] = {pk: [] for pk in ids}
    decisions: dict[int, list] = {pk: [] for pk in ids}
    for measure in Measure.objects.filter(case_id__in=ids).only(*STEP_MEASURE_FIELDS):
        measures[measure.case_id].append(measure)
    for decision in Decision.objects.filter(case_id__in=ids).only(*STEP_DECISION_FIELDS):
        decisions[decision.case_id].append(decision)
    return {pk: StepFacts.of(measures[pk], decisions[pk]) for pk in ids}


def case_step_facts(case: Case, *, measures: list[Measure]) -> StepFacts:
    """One case's step facts from the measures its page has read already: one query, for
    the decisions."""
    decisions = Decision.objects.filter(case=case).only(*STEP_DECISION_FIELDS)
    return StepFacts.of(measures, decisions)


def step_events(cases: list[Case]) -> dict[int, list[StepEvent]]:
    """The events of each case as the steps need them, in one query."""
    found: dict[int, list[StepEvent]] = {case.pk: [] for case in cases}
    rows = (
        CaseEvent.objects.filter(case_id__in=list(found))
        .order_by("at", "pk")
        .values_list("case_id", "kind", "at")
    )
    for case_id, kind, at in rows:
        found[case_id].append(StepEvent(kind, at))
    return found


def case_next_steps(
    *,
    case: Case,
    rules: CaseRules | None = None,
    events: list[CaseEvent] | None = None,
    facts: StepFacts | None = None,
) -> list[Step]:
    """The steps at the case's current level, with deadlines and what is already done.

    `events` and `facts` are the case's events and step facts when the caller has read them
    already."""
    return steps_for(
        case=case,
        rules=rules or case_rules(municipality_id=case.municipality_id),
        events=events if events is not None else list(case.events.only(*STEP_EVENT_FIELDS)),
        facts=facts if facts is not None else step_facts([case])[case.pk],
        today=timezone.localdate(),
    )


@dataclass(frozen=True)
class CaseWithNextStep:
    case: Case
    next_step: Step | None


def cases_with_next_step(
    *, cases: list[Case], rules: Mapping[int, CaseRules] | None = None
) -> list[CaseWithNextStep]:
    """Each case with its first undone step, overdue ones first, then by due date. `rules`:
    the casework rules the caller has read already, by municipality id."""
    rules = dict(rules or {})
    events = step_events(cases)
    facts = step_facts(cases)
    today = timezone.localdate()
    result = []
    for case in cases:
        if case.municipality_id not in rules:
            rules[case.municipality_id] = case_rules(municipality_id=case.municipality_id)
        steps = steps_for(
            case=case,
            rules=rules[case.municipality_id],
            events=events[case.pk],
            facts=facts[case.pk],
            today=today,
        )
        result.append(CaseWithNextStep(case, next((s for s in steps if not s.done), None)))
    far = dt.date.max
    result.sort(
        key=lambda item: (
            not (item.next_step and item.next_step.overdue),
            (item.next_step.due if item.next_step and item.next_step.due else far),
        )
    )
    return result


@dataclass(frozen=True)
class CloseMissing:
    """What must be in place before a case is closed, and is not: measures not evaluated,
    and whether no decision on involving the guardians is recorded."""

    unevaluated: int
    no_parents_decision: bool

    def __bool__(self) -> bool:
        return bool(self.unevaluated or self.no_parents_decision)


def close_missing(case: Case) -> CloseMissing:
    return CloseMissing(
        unevaluated=Measure.objects.filter(case=case, evaluated_at__isnull=True).count(),
        no_parents_decision=not ParentDecision.objects.filter(case=case).exists(),
    )


# The lists on a case's page that are empty for most cases, by the case's related name.
CASE_LISTS = {
    "measures": Measure,
    "handovers": Handover,
    "parent_decisions": ParentDecision,
    "participants": CaseParticipant,
    "consents": Consent,
    "referrals": Referral,
    "advice_requests": AdviceRequest,
    "concern_reports": ConcernReport,
}


def case_lists_present(case: Case) -> frozenset[str]:
    """Which of the case's lists (CASE_LISTS) have rows, in one query, so that the page reads
    only those."""
    parts = [
        model.objects.filter(case=case).order_by().values_list(Value(name, CharField()))
        for name, model in CASE_LISTS.items()
    ]
    return frozenset(name for (name,) in parts[0].union(*parts[1:], all=True))


def case_list_rows(
    case: Case,
    name: str,
    present: frozenset[str] | None,
    *order: str,
    related: tuple[str, ...] = (),
) -> list[Any]:
    """The rows of one of the case's lists (CASE_LISTS) with the `related` rows they name, in
    `order` (by default the model's); no query when `present` (from case_lists_present) says
    the list is empty. None for `present` reads it anyway."""
    if present is not None and name not in present:
        return []
    rows = CASE_LISTS[name].objects.filter(case=case)
    if related:  # select_related() without names would follow every foreign key.
        rows = rows.select_related(*related)
    if order:
        rows = rows.order_by(*order)
    found = list(rows)
    for row in found:
        row.case = case
    return found


def case_events(case: Case) -> list[CaseEvent]:
    """The case's events with who did them (their name and e-mail address), oldest first."""
    events = list(
        CaseEvent.objects.filter(case=case)
        .select_related("actor")
        .only("case_id", "at", "kind", "summary", "actor__full_name", "actor__email")
    )
    for event in events:
        event.case = case
    return events


def invitations_unseen(user: Any, cases: Sequence[Case]) -> set[int]:
    """Of the cases listed, those `user` was invited into and has not opened yet."""
    return set(
        CaseParticipant.objects.filter(
            user=user, seen_at__isnull=True, case__in=[c.pk for c in cases]
        ).values_list("case_id", flat=True)
    )
