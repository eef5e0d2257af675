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


def case_next_steps(*, case: Case) -> list[Step]:
    """The worry routine's steps for this case, with deadlines counted from the opening day."""
    version = plan_current(municipality=case.municipality)
    routine = PlanDocument(version.content).routine("worry") if version else None
    if routine is None:
        return []
    opened = timezone.localdate(case.opened_at)
    today = timezone.localdate()
    kinds_done = set(case.events.values_list("kind", flat=True))
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
