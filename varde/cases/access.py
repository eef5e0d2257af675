"""The one way to reach cases: need-to-know, 404 for everyone else, every read audited.

A case is seen by its owner, the people invited into it, and the leadership
(principal, deputy) of the pupil's school. Nobody else, not even a teacher at
the same school or the municipal administrator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from varde.audit.models import AuditAction
from varde.audit.services import AuditSubject, audit_record, audit_record_many
from varde.cases.models import Case, CaseParticipant, Handover, Measure
from varde.lib.ids import id_or_404


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """The cases `user` may see: their own, those they are invited into, and those of the
    schools they lead. Nobody else's, and nothing for an inactive or anonymous user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    # One id list from three indexed lookups: an OR across a join (and the DISTINCT it
    # needs) makes PostgreSQL read every case.
    owned = Case.objects.filter(owner_id=user.pk).order_by().values("pk")
    invited = CaseParticipant.objects.filter(user_id=user.pk).order_by().values("case_id")
    led = Case.objects.filter(school_id__in=user.leadership_school_ids()).order_by().values("pk")
    return Case.objects.filter(pk__in=owned.union(invited, led))


def case_for_user(
    user: Any,
    pk: object,
    *,
    reason: str,
    related: tuple[str, ...] = (),
    may: Callable[[Any, Case], bool] | None = None,
) -> Case:
    """The case if `user` may see it, its read audited; 404 otherwise, for a case that is not
    there and for one the user may not see alike. `related` names more relations the page
    shows, read in the same query; `may` is a further permission (to archive, say), checked
    before the read is audited."""
    case = (
        cases_visible_to(user)
        .select_related("pupil", "owner", "municipality", *related)
        .filter(pk=id_or_404(pk))
        .first()
    )
    if case is None or (may is not None and not may(user, case)):
        raise Http404
    audit_record(
        actor=user,
        action=AuditAction.READ,
        object_type="case",
        object_id=case.pk,
        pupil_id=case.pupil_id,
        school_id=case.school_id,
        municipality_id=case.municipality_id,
        reason=reason,
    )
    return case


def case_audit(
    case: Case,
    *,
    actor: Any,
    reason: str,
    action: str = AuditAction.UPDATE,
    automatic: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit entry about a case, its pupil, school and municipality."""
    audit_record(
        actor=actor,
        automatic=automatic,
        action=action,
        object_type="case",
        object_id=case.pk,
        pupil_id=case.pupil_id,
        school_id=case.school_id,
        municipality_id=case.municipality_id,
        reason=reason,
        detail=detail,
    )


def cases_shown(user: Any, cases: list[Case], *, reason: str) -> None:
    """Audit that a list of cases (with pupils' names) was shown, one entry per case."""
    if cases:
        audit_record_many(
            actor=user,
            action=AuditAction.READ,
            object_type="case",
            subjects=[
                AuditSubject(c.pk, c.pupil_id, c.school_id, c.municipality_id) for c in cases
            ],
            reason=reason,
        )


def handover_for_user(user: Any, pk: object) -> Handover:
    """A handover waiting for this user's answer; 404 for anyone else. The read is audited."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404
    handover = (
        Handover.objects.select_related("case__pupil", "case__school", "from_user", "to_school")
        .filter(pk=id_or_404(pk), to_user=user, state=Handover.State.WAITING)
        .first()
    )
    if handover is None:
        raise Http404
    case = handover.case
    audit_record(
        actor=user,
        action=AuditAction.READ,
        object_type="case",
        object_id=case.pk,
        pupil_id=case.pupil_id,
        school_id=case.school_id,
        municipality_id=case.municipality_id,
        reason="Overføring av sak",
    )
    return handover


def measure_for_user(user: Any, case: Case, pk: object) -> Measure:
    """A measure of a case the user already reached through case_for_user."""
    measure = Measure.objects.filter(case=case, pk=id_or_404(pk)).first()
    if measure is None:
        raise Http404
    return measure
