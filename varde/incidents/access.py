"""The one way to reach incidents: need-to-know, 404 for everyone else, every read audited.

An incident is seen by whoever reported it, the leadership (principal, deputy) of
its school, and the adult the pupil chose for the follow-up. Nobody else.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from varde.audit.models import AuditAction
from varde.audit.services import AuditSubject, audit_record, audit_record_many
from varde.incidents.models import FollowUp, Incident
from varde.lib.ids import id_or_404


def incidents_visible_to(user: Any) -> QuerySet[Incident]:
    """The incidents `user` may see: those they reported, those of the schools they lead, and
    those whose follow-up they were chosen for. Nothing for an inactive or anonymous user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Incident.objects.none()
    # One id list from three indexed lookups, as for cases (varde.cases.access).
    reported = Incident.objects.filter(reported_by_id=user.pk).order_by().values("pk")
    following = FollowUp.objects.filter(adult_id=user.pk).order_by().values("incident_id")
    led = (
        Incident.objects.filter(school_id__in=user.leadership_school_ids()).order_by().values("pk")
    )
    return Incident.objects.filter(pk__in=reported.union(following, led))


def incident_subject(incident: Incident) -> AuditSubject:
    return AuditSubject(
        incident.pk, incident.pupil_id, incident.school_id, incident.municipality_id
    )


def incident_for_user(user: Any, pk: object, *, reason: str) -> Incident:
    incident = (
        incidents_visible_to(user)
        .select_related("pupil", "school", "reported_by", "case", "avert_by")
        .filter(pk=id_or_404(pk))
        .first()
    )
    if incident is None:
        raise Http404
    subject = incident_subject(incident)
    audit_record(
        actor=user,
        action=AuditAction.READ,
        object_type="incident",
        object_id=subject.object_id,
        pupil_id=subject.pupil_id,
        school_id=subject.school_id,
        municipality_id=subject.municipality_id,
        reason=reason,
    )
    return incident


def incidents_shown(user: Any, incidents: list[Incident], *, reason: str) -> None:
    """Audit that a list of incidents was shown, one entry per incident."""
    if incidents:
        audit_record_many(
            actor=user,
            action=AuditAction.READ,
            object_type="incident",
            subjects=[incident_subject(i) for i in incidents],
            reason=reason,
        )


def follow_up_for_user(user: Any, pk: object, *, reason: str) -> FollowUp:
    """A follow-up, through its incident: the same people see both."""
    follow_up = (
        FollowUp.objects.filter(pk=id_or_404(pk), incident__in=incidents_visible_to(user))
        .select_related("incident", "adult")
        .first()
    )
    if follow_up is None:
        raise Http404
    follow_up.incident = incident_for_user(user, follow_up.incident_id, reason=reason)
    return follow_up


def incident_for_worry(user: Any, pupil: Any, raw: str | None) -> Incident | None:
    """The incident a new worry is opened from (?hendelse=), if the user may see it and it is
    about this pupil and not attached to a case yet; otherwise none, and the form starts empty."""
    if not raw or not raw.isdigit():
        return None
    found = incidents_visible_to(user).filter(pk=raw, pupil=pupil, case__isnull=True).first()
    return incident_for_user(user, found.pk, reason="Ny undring fra hendelse") if found else None
