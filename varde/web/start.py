"""What the staff start page shows: the next step first."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from varde.people.models import Municipality
from varde.people.roles import LEADERSHIP_ROLES, Role
from varde.plan.document import PlanDocument
from varde.plan.selectors import plan_current


def staff_municipality(user: Any) -> Municipality | None:
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
        "municipality": municipality,
        "document": document,
        "routines": document.routines if document else [],
        "assignments": user.assignments,
        "is_leader": user.has_role(*LEADERSHIP_ROLES),
        "is_admin": user.has_role(Role.MUNICIPAL_ADMIN),
        "sees_pupils": user.sees_pupil_data(),
    }
