"""Reads of cases: the next steps, from the plan's routine data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from varde.cases.models import Case, CaseEvent
from varde.plan.document import PlanDocument
from varde.plan.selectors import plan_current

# Which chronology event completes which routine step. The steps themselves,
# their order and deadlines come from the plan.
STEP_DONE_BY = {
    "form": CaseEvent.Kind.OPENED,
    "conversation": CaseEvent.Kind.CONVERSATION_HELD,
}


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    text: str
    due: dt.date | None
    done: bool
    overdue: bool


def _worry_routine(municipality_id: int, cache: dict[int, dict | None]) -> dict | None:
    if municipality_id not in cache:
        version = plan_current(municipality_id=municipality_id)
        cache[municipality_id] = PlanDocument(version.content).routine("worry") if version else None
    return cache[municipality_id]


def _steps(*, case: Case, routine: dict | None, kinds_done: set[str]) -> list[Step]:
    if routine is None:
        return []
    opened = timezone.localdate(case.opened_at)
    today = timezone.localdate()
    steps = []
    for raw in routine.get("steps") or []:
        days = raw.get("deadline_days")
        due = opened + dt.timedelta(days=days) if days is not None else None
        done = STEP_DONE_BY.get(raw["key"]) in kinds_done
        steps.append(
            Step(
                key=raw["key"],
                title=raw.get("title", ""),
                text=raw.get("text", ""),
                due=due,
                done=done,
                overdue=bool(due and not done and due < today),
            )
        )
    return steps


def case_next_steps(*, case: Case) -> list[Step]:
    """The worry routine's steps for this case, with deadlines counted from the opening day."""
    routine = _worry_routine(case.municipality_id, {})
    return _steps(
        case=case, routine=routine, kinds_done=set(case.events.values_list("kind", flat=True))
    )


@dataclass(frozen=True)
class CaseWithNextStep:
    case: Case
    next_step: Step | None


def cases_with_next_step(*, cases: list[Case]) -> list[CaseWithNextStep]:
    """Each case with its first undone step, overdue ones first, then by due date.

    The cases must come with their events prefetched; the plan is read once per municipality.
    """
    routines: dict[int, dict | None] = {}
    result = []
    for case in cases:
        kinds = {event.kind for event in case.events.all()}
        steps = _steps(
            case=case, routine=_worry_routine(case.municipality_id, routines), kinds_done=kinds
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
