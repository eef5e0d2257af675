"""What the staff start page shows: the next step first."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from varde.people.models import Municipality
from varde.people.roles import LEADERSHIP_ROLES, Role
from varde.plan.document import PlanDocument
from varde.plan.selectors import plan_current
from varde.reminders.services import reminders_for
from varde.yearplan.selectors import routines_unread


def staff_municipality(user: Any) -> Municipality | None:
    """The municipality whose plan the user's pages show."""
    if not user.slt_region_ids():
        # Most staff work in one municipality, read already with their role assignments.
        known = {a.municipality_id: a.municipality for a in user.assignments if a.municipality_id}
        known |= {
            a.school.municipality_id: a.school.municipality for a in user.assignments if a.school_id
        }
        if len(known) == 1:
            return next(iter(known.values()))
    ids = sorted(user.municipality_ids())
    return Municipality.objects.filter(id__in=ids).order_by("is_fictional", "name").first()


def start_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    municipality = staff_municipality(user)
    version = plan_current(municipality=municipality) if municipality else None
    request.varde_municipality = municipality  # type: ignore[attr-defined]
    request.varde_plan = version  # type: ignore[attr-defined]
    document = PlanDocument(version.content) if version else None
    return {
        "my_cases": _my_cases(user),
        "reminders": reminders_for(user),
        "municipality": municipality,
        "document": document,
        "routines": document.routines if document else [],
        # The acute routines, one tap away for staff of a school.
        "acute_routines": [
            r["key"]
            for r in (document.routines if document and user.school_ids() else [])
            if r.get("key") in ("intoxicated", "drug_sale")
        ],
        "assignments": user.assignments,
        "is_leader": user.has_role(*LEADERSHIP_ROLES),
        "is_admin": user.has_role(Role.MUNICIPAL_ADMIN),
        "sees_trends": user.has_role(Role.MUNICIPAL_ADMIN, Role.SLT_COORDINATOR, *LEADERSHIP_ROLES),
        "sees_pupils": user.sees_pupil_data(),
        "routines_unread": routines_unread(user=user, version=version),
    }


def _my_cases(user: Any) -> list[Any]:
    """Open cases the user may see, overdue steps first. Showing them is audited."""
    from django.utils.translation import gettext as _

    from varde.cases.access import cases_shown, visible_cases_rows
    from varde.cases.selectors import cases_with_next_step

    if not user.sees_pupil_data():
        return []
    cases = visible_cases_rows(user, newest_open_cases)
    cases_shown(user, cases, reason=_("Startsiden"))
    return cases_with_next_step(cases=cases)


START_CASES = 50


def newest_open_cases(visible: Any) -> Any:
    """The start page's cases: the newest open ones, without their free text."""
    from varde.cases.selectors import cases_listed

    return (
        cases_listed(visible.filter(status="open"))
        .select_related("pupil", "school")
        .order_by("-opened_at")[:START_CASES]
    )
