"""What the staff start page shows: the next step first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _lazy

from varde.cases.access import cases_shown, cases_visible_to
from varde.cases.advice import advice_waiting
from varde.cases.archive import may_see_removals
from varde.cases.models import Case, Measure
from varde.cases.rules import CaseRules, case_rules_of
from varde.cases.selectors import CaseWithNextStep, cases_listed, cases_with_next_step
from varde.people.models import Municipality
from varde.people.roles import LEADERSHIP_ROLES, Role
from varde.plan.models import PlanVersion
from varde.reminders.selectors import reminders_for
from varde.yearplan.selectors import routines_unread

# The acute routines, one tap away on the start page of staff at a school.
ACUTE_ROUTINES = ("intoxicated", "drug_sale")
START_CASES = 50


def start_context(
    user: Any, *, municipality: Municipality | None, version: PlanVersion | None
) -> dict[str, Any]:
    # The plan's casework rules, for the steps and the advice roles, with the plan's content.
    rules = {municipality.pk: case_rules_of(version)} if municipality and version else {}
    document = rules[municipality.pk].document if rules and municipality else None
    routines = document.routines if document else []
    return {
        "my_cases": my_open_cases(user, rules=rules),
        "my_measures": my_measures(user),
        "reminders": reminders_for(user),
        "municipality": municipality,
        "document": document,
        "routines": routines,
        "acute_routines": [
            r["key"] for r in routines if r.get("key") in ACUTE_ROUTINES and user.school_ids()
        ],
        "assignments": user.assignments,
        "is_leader": user.has_role(*LEADERSHIP_ROLES),
        "sees_removals": may_see_removals(user),
        "is_admin": user.has_role(Role.MUNICIPAL_ADMIN),
        "edits_plan": bool(user.plan_municipality_ids()),
        "sees_trends": user.has_role(Role.MUNICIPAL_ADMIN, Role.SLT_COORDINATOR, *LEADERSHIP_ROLES),
        "sees_pupils": user.sees_pupil_data(),
        "routines_unread": routines_unread(user=user, version=version),
        "advice_waiting": advice_waiting(user, rules=rules),
    }


def my_measures(user: Any) -> list[Measure]:
    """Measures not yet evaluated that the user is responsible for, in cases the user may see,
    soonest first. Showing them is audited with their cases."""
    if not user.sees_pupil_data():
        return []
    measures = list(
        Measure.objects.filter(
            responsible_user=user,
            evaluated_at__isnull=True,
            case__in=cases_visible_to(user).filter(status=Case.Status.OPEN),
        )
        .select_related("case__pupil")
        .only(
            "evaluate_on",
            "case__school",
            "case__municipality",
            "case__pupil__first_name",
            "case__pupil__last_name",
        )
        .order_by("evaluate_on", "pk")[:START_CASES]
    )
    cases_shown(
        user, list({m.case_id: m.case for m in measures}.values()), reason=_lazy("Startsiden")
    )
    return measures


def my_open_cases(user: Any, *, rules: Mapping[int, CaseRules]) -> list[CaseWithNextStep]:
    """The newest open cases the user may see, overdue steps first. Showing them is audited."""
    if not user.sees_pupil_data():
        return []
    cases = list(
        cases_listed(cases_visible_to(user).filter(status=Case.Status.OPEN))
        .select_related("pupil", "school")
        .order_by("-opened_at")[:START_CASES]
    )
    cases_shown(user, cases, reason=_lazy("Startsiden"))
    return cases_with_next_step(cases=cases, rules=rules)
