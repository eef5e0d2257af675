"""The one way to reach cases: need-to-know, 404 for everyone else, every read audited.

A case is seen by its owner, the people invited into it, and the leadership
(principal, deputy) of the pupil's school. Nobody else, not even a teacher at
the same school or the municipal administrator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from varde.audit.models import AuditAction
from varde.audit.services import AuditSubject, audit_record, audit_record_many
from varde.cases.models import Case, CaseParticipant, Handover, Measure
from varde.lib.queries import PreparedQuery
from varde.people.access import id_or_404


def cases_visible_to(user: Any) -> QuerySet[Case]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    return visible_cases(user.pk, sorted(user.leadership_school_ids()))


def visible_cases(user_id: int, leading: Sequence[int]) -> QuerySet[Case]:
    """cases_visible_to for an active user's id and the schools the user leads."""
    # One id list from three indexed lookups: an OR across a join (and the DISTINCT it
    # needs) makes PostgreSQL read every case.
    owned = Case.objects.filter(owner_id=user_id).order_by().values("pk")
    invited = CaseParticipant.objects.filter(user_id=user_id).order_by().values("case_id")
    led = Case.objects.filter(school_id__in=leading).order_by().values("pk")
    return Case.objects.filter(pk__in=owned.union(invited, led))


def case_visible_to(user: Any, case: Case) -> bool:
    """cases_visible_to for one case already read: the same three rules, checked in order, so
    the owner and the leadership need no query and an invited person one."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if case.owner_id == user.pk or case.school_id in user.leadership_school_ids():
        return True
    return CaseParticipant.objects.filter(case_id=case.pk, user=user).exists()


@cache
def visible_cases_read(
    shape: Callable[[QuerySet[Case]], QuerySet[Case]], leading: int
) -> PreparedQuery[Case]:
    """`shape` (a page's filter, order and slice) of the cases seen by a user who leads
    `leading` schools, compiled once for each shape and number of schools."""

    def build(user_id: int, *school_ids: int) -> QuerySet[Case]:
        return shape(visible_cases(user_id, school_ids))

    build.__qualname__ = f"visible_cases_read({shape.__qualname__}, {leading})"
    return PreparedQuery(build, int, *[int] * leading)


def visible_cases_rows(user: Any, shape: Callable[[QuerySet[Case]], QuerySet[Case]]) -> list[Case]:
    """The rows of `shape(cases_visible_to(user))`, read by a prepared query. Not audited: the
    caller audits the cases it shows (cases_shown)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    leading = sorted(user.leadership_school_ids())
    return visible_cases_read(shape, len(leading))(user.pk, *leading)


@cache
def case_read(related: tuple[str, ...] = ()) -> PreparedQuery[Case]:
    """The read of one case by id with the tables its pages show, compiled once."""

    def build(pk: int) -> QuerySet[Case]:
        # A lookup by id needs no ORDER BY (which .first() would add).
        found = Case.objects.select_related("pupil", "school", "owner", "municipality", *related)
        return found.filter(pk=pk).order_by()[:1]

    build.__qualname__ = f"case_read{related!r}"
    return PreparedQuery(build, int)


def case_for_user(user: Any, pk: object, *, reason: str, related: tuple[str, ...] = ()) -> Case:
    """The case if `user` may see it (404 otherwise), its read audited. `related` names more
    relations to read in the same query, for a page that shows them."""
    case = next(iter(case_read(related)(id_or_404(pk))), None)
    if case is None or not case_visible_to(user, case):
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
        Handover.objects.select_related("case__pupil", "case__school", "from_user")
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
