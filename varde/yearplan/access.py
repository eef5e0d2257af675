"""Who may read and change a school's year plan, competence list and feeds. 404 for the rest.

Read: staff of the school, the municipal administrator, the SLT coordinator of the
municipality's SLT region. Change: the school's leadership, the administrator, the
SLT coordinator. Nothing here is about a pupil, but every change is audited.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from varde.lib.ids import id_or_404
from varde.people.models import School
from varde.yearplan.models import YearEvent


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _coordinated(user: Any) -> Q:
    """Schools whose municipality the user administers or coordinates SLT for."""
    return Q(municipality_id__in=user.admin_municipality_ids()) | Q(
        municipality__slt_region_id__in=user.slt_region_ids()
    )


def schools_readable(user: Any) -> QuerySet[School]:
    if not _active(user):
        return School.objects.none()
    return School.objects.filter(Q(pk__in=user.school_ids()) | _coordinated(user)).select_related(
        "municipality"
    )


def schools_editable(user: Any) -> QuerySet[School]:
    if not _active(user):
        return School.objects.none()
    return School.objects.filter(
        Q(pk__in=user.leadership_school_ids()) | _coordinated(user)
    ).select_related("municipality")


def school_for_user(user: Any, pk: object, *, edit: bool = False) -> School:
    schools = schools_editable(user) if edit else schools_readable(user)
    school = schools.filter(pk=id_or_404(pk)).first()
    if school is None:
        raise Http404
    return school


def event_for_user(user: Any, pk: object, *, edit: bool = False) -> YearEvent:
    schools = schools_editable(user) if edit else schools_readable(user)
    event = (
        YearEvent.objects.filter(pk=id_or_404(pk), school__in=schools)
        .select_related("school", "school__municipality", "responsible")
        .first()
    )
    if event is None:
        raise Http404
    return event


def can_edit(user: Any, school: School) -> bool:
    return schools_editable(user).filter(pk=school.pk).exists()
