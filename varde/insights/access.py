"""Who sees the anonymous trends, and for which schools.

The SLT coordinator sees the municipalities of their SLT region, the municipal administrator
their municipality, and school leadership their own schools. Everyone else gets 404. Every
view of the figures is audited, without any pupil.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404

from varde.audit.models import AuditAction
from varde.audit.services import audit_record
from varde.people.models import School


def insight_schools_for_user(user: Any) -> list[School]:
    """The schools whose figures `user` may see; 404 when there are none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404
    regions = user.slt_region_ids()
    municipalities = user.admin_municipality_ids()
    leadership = user.leadership_school_ids()
    if not (regions or municipalities or leadership):
        raise Http404
    if not (regions or municipalities):
        # School leadership: their schools came with their role assignments.
        led = {a.school.pk: a.school for a in user.assignments if a.school_id in leadership}
        return sorted(led.values(), key=lambda s: (s.municipality.name, s.name))
    schools = list(
        School.objects.filter(
            Q(municipality__slt_region_id__in=regions)
            | Q(municipality_id__in=municipalities)
            | Q(pk__in=leadership)
        )
        .select_related("municipality")
        .order_by("municipality__name", "name")
    )
    if not schools:
        raise Http404
    return schools


def insights_shown(
    user: Any, *, action: str, schools: list[School], detail: dict[str, Any]
) -> None:
    """Audit that figures for these schools were shown (or exported). Fails closed."""
    municipality_ids = {s.municipality_id for s in schools}
    audit_record(
        actor=user,
        action=action,
        object_type="insights",
        reason="Anonyme tall" if action == AuditAction.READ else "Eksport av anonyme tall",
        municipality_id=municipality_ids.pop() if len(municipality_ids) == 1 else None,
        school_id=schools[0].pk if len(schools) == 1 else None,
        detail=detail,
    )
