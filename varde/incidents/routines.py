"""The acute routines as the municipality's plan writes them: steps, numbers, the avert decision.

Nothing here is Lunner's: the steps, their order, which step calls whom and which
step books the next-day follow-up all come from the plan's `routines` section.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from varde.plan.callnow import CallStep, who_to_call
from varde.plan.document import PlanDocument
from varde.plan.selectors import plan_current


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    text: str
    form: str  # "tick", "police_call" or "follow_up"
    deadline_days: int | None
    call: CallStep | None
    done_if_reporter: frozenset[str]
    # The step shows the pupil's guardians (the parents step).
    guardians: bool = False


@dataclass(frozen=True)
class AvertOption:
    key: str
    title: str
    alerted: bool


@dataclass(frozen=True)
class Avert:
    title: str
    text: str
    law: str
    calls: list[CallStep]
    options: list[AvertOption]

    def option(self, key: str) -> AvertOption | None:
        return next((o for o in self.options if o.key == key), None)


@dataclass(frozen=True)
class Routine:
    key: str
    title: str
    steps: list[Step]
    avert: Avert | None
    notes: list[dict[str, Any]]  # the routine's note blocks, e.g. "only the police investigate"

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    @property
    def follow_up_step(self) -> Step | None:
        return next((s for s in self.steps if s.form == "follow_up"), None)

    @property
    def police_step(self) -> Step | None:
        return next((s for s in self.steps if s.form == "police_call"), None)


def routine_or_empty(*, municipality_id: int, kind: str, at: dt.datetime) -> Routine:
    """The routine, or one without steps where the plan has none (the record is still shown)."""
    routine = routine_for(municipality_id=municipality_id, kind=kind, at=at)
    return routine or Routine(key=kind, title=kind, steps=[], avert=None, notes=[])


def routine_for(*, municipality_id: int, kind: str, at: dt.datetime) -> Routine | None:
    """The routine of the municipality's current plan, with the numbers to call at `at`."""
    version = plan_current(municipality_id=municipality_id)
    if version is None:
        return None
    content = version.content
    raw = PlanDocument(content).routine(kind)
    if raw is None:
        return None
    return Routine(
        key=kind,
        title=str(raw.get("title", kind)),
        steps=[_step(content, step, at) for step in raw.get("steps") or []],
        avert=_avert(content, raw.get("avert"), at),
        notes=[block["note"] for block in raw.get("blocks") or [] if "note" in block],
    )


def _calls(content: dict[str, Any], steps: list[dict[str, Any]], at: dt.datetime) -> list[CallStep]:
    # who_to_call reads situations; a routine's contacts are one, made up on the spot.
    situation = {"key": "_routine", "steps": steps}
    return who_to_call({**content, "situations": [situation]}, "_routine", at)


def _step(content: dict[str, Any], raw: dict[str, Any], at: dt.datetime) -> Step:
    call = None
    if raw.get("contact"):
        call = _calls(content, [{"contact": raw["contact"], "when": "always"}], at)[0]
    return Step(
        key=str(raw["key"]),
        title=str(raw.get("title", raw["key"])),
        text=str(raw.get("text") or ""),
        form=str(raw.get("form") or "tick"),
        deadline_days=raw.get("deadline_days"),
        call=call,
        done_if_reporter=frozenset(raw.get("done_if_reporter") or []),
        guardians=bool(raw.get("guardians")),
    )


def _avert(content: dict[str, Any], raw: dict[str, Any] | None, at: dt.datetime) -> Avert | None:
    if not raw:
        return None
    return Avert(
        title=str(raw.get("title", "")),
        text=str(raw.get("text") or ""),
        law=str(raw.get("law") or ""),
        calls=_calls(content, list(raw.get("contacts") or []), at),
        options=[
            AvertOption(str(o["key"]), str(o["title"]), bool(o.get("alerted")))
            for o in raw.get("options") or []
        ],
    )
