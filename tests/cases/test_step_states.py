"""No step is marked done while what it asks for is missing.

Random sequences of what people do in a worry case (hold the conversation, decide on the
guardians, agree and evaluate measures, take the plan's decisions, name a coordinator), and
after each one, every step at the case's level must be done exactly when the facts say so.
The facts are kept here in a model of their own, and what completes each step is written
from the plan's text of Lunnermodellen, not read from the plan data or the code.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from varde.cases.models import Case, Measure
from varde.cases.selectors import case_next_steps
from varde.cases.services import (
    CaseRuleBroken,
    case_decide,
    case_open,
    conversation_plan,
    conversation_record,
    coordinator_appoint,
    measure_add,
    measure_evaluate,
    parents_decide,
)


class Facts:
    """What has happened in one case, as a reader of the plan would keep track of it."""

    def __init__(self) -> None:
        self.level = 0
        self.stint = 0  # one more each time the case moves to another level
        self.conversation_held = False
        self.parents_decided = False
        self.coordinator = False
        self.measures: list[list] = []  # [level, stint, evaluated]
        self.decided_in: set[int] = set()  # stints in which a decision was made at the level

    def measures_here(self) -> list[bool]:
        return [m[2] for m in self.measures if m[0] == self.level and m[1] == self.stint]

    def expected(self) -> dict[str, bool]:
        """The plan's steps at the level, each done when what it asks for is there."""
        here = self.measures_here()
        if self.level == 0:
            return {
                "undringsskjema": True,  # the worry form is the case itself
                "undringssamtale": self.conversation_held,
                "foreldreinvolvering": self.parents_decided,
                "avklar_niva": self.stint in self.decided_in,
            }
        if self.level == 1:
            return {"tiltak": bool(here), "evaluer": bool(here) and all(here)}
        if self.level == 2:
            # No consent or invitation is given in these sequences.
            return {"samtykke": False, "ressursteam": False, "felles_tiltak": bool(here)}
        return {
            "koordinator": self.coordinator,
            "felles_plan": bool(here),
            "evaluer_plan": bool(here) and all(here),
        }


# Decisions as the plan offers them: (key, from levels, to level or None to stay).
DECISIONS = {
    "level_1": ((0, 1, 2), 1),
    "level_2": ((0, 1, 3), 2),
    "level_3": ((1, 2), 3),
    "child_welfare": ((0, 1, 2, 3), None),
}

actions = st.lists(
    st.one_of(
        st.sampled_from(["conversation", "parents", "measure", "evaluate", "coordinator"]),
        st.sampled_from(sorted(DECISIONS)),
    ),
    min_size=1,
    max_size=12,
)


def apply(action: str, case: Case, facts: Facts, actor) -> None:
    case.refresh_from_db()
    if action == "conversation":
        conversation_plan(
            actor=actor, case=case, planned_for=dt.datetime.now(dt.UTC), attendees="Lærer"
        )
        conversation_record(
            actor=actor,
            case=case,
            what_was_said="Vi snakket.",
            pupil_view="«Det går bra.»",
            weighing="Lyttet til.",
        )
        facts.conversation_held = True
    elif action == "parents":
        parents_decide(
            actor=actor, case=case, choice="inform_now", reason="Eleven er 14.", obligations=[]
        )
        facts.parents_decided = True
    elif action == "measure":
        measure_add(
            actor=actor,
            case=case,
            description="Ukentlig samtale.",
            goal="Møter opp.",
            responsible="Kontaktlærer",
            evaluate_on=dt.date(2027, 3, 1),
        )
        facts.measures.append([facts.level, facts.stint, False])
    elif action == "evaluate":
        pending = [m for m in facts.measures if not m[2]]
        if not pending:
            return
        measure = Measure.objects.filter(case=case, evaluated_at__isnull=True).order_by("pk")[0]
        measure_evaluate(
            actor=actor, measure=measure, evaluation="Virket.", version=measure.version
        )
        pending[0][2] = True
    elif action == "coordinator":
        if facts.level != 3:
            with pytest.raises(CaseRuleBroken):
                coordinator_appoint(actor=actor, case=case, user=actor)
            return
        coordinator_appoint(actor=actor, case=case, user=actor)
        facts.coordinator = True
    else:
        from_levels, to_level = DECISIONS[action]
        if facts.level not in from_levels:
            with pytest.raises(CaseRuleBroken):
                case_decide(actor=actor, case=case, key=action, reason="x", version=case.version)
            return
        case_decide(actor=actor, case=case, key=action, reason="Fordi.", version=case.version)
        if to_level is None or to_level == facts.level:
            facts.decided_in.add(facts.stint)
        else:
            facts.level, facts.stint = to_level, facts.stint + 1


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(sequence=actions)
def test_every_step_is_done_exactly_when_its_facts_are_there(world, sequence):
    case = case_open(
        actor=world.teacher,
        pupil=world.pupil,
        observed="Trøtt og borte fra timene.",
        observed_on=dt.date(2026, 11, 30),
        seriousness=2,
    )
    facts = Facts()
    for action in sequence:
        apply(action, case, facts, world.teacher)
        case.refresh_from_db()
        assert case.level == facts.level
        shown = {step.key: step.done for step in case_next_steps(case=case)}
        assert shown == facts.expected(), (sequence, action)
