"""The one way staff reach pupils' questions: advisers at the question's school only.

A question is seen by the active staff who hold one of the plan's advice roles (Kjentmann,
school nurse) at its school, and, when the pupil chose a role, only by holders of that role.
Everyone else gets 404, a question that does not exist and one they may not see alike. A
question hidden as abuse is seen by nobody: it is only counted. Every read and write is
audited, with no pupil, for there is none.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from varde.audit.models import AuditAction
from varde.audit.services import AuditSubject, audit_record_many
from varde.lib.ids import id_or_404
from varde.questions.models import PupilQuestion
from varde.questions.rules import question_rules

OBJECT_TYPE = "pupil_question"


def adviser_roles_by_school(user: Any) -> dict[int, set[str]]:
    """The plan's advice roles the user holds, by school. Read on every request, so an
    adviser who loses the role loses the questions at once."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    roles_of: dict[int, set[str]] = {}
    found: dict[int, set[str]] = {}
    for assignment in user.assignments:
        if not assignment.school_id:
            continue
        municipality_id = assignment.school.municipality_id
        if municipality_id not in roles_of:
            roles_of[municipality_id] = set(question_rules(municipality_id=municipality_id).roles)
        if assignment.role in roles_of[municipality_id]:
            found.setdefault(assignment.school_id, set()).add(assignment.role)
    return found


def _addressed_to(user: Any) -> Q | None:
    """The condition for questions addressed to the user, or None when there are none."""
    by_school = adviser_roles_by_school(user)
    if not by_school:
        return None
    condition = Q()
    for school_id, roles in sorted(by_school.items()):
        condition |= Q(school_id=school_id) & (Q(to_role="") | Q(to_role__in=sorted(roles)))
    return condition


def questions_addressed_to(user: Any) -> QuerySet[PupilQuestion] | None:
    """Every question addressed to the user as an adviser, hidden ones too (to count them);
    None for someone who advises nowhere."""
    condition = _addressed_to(user)
    if condition is None:
        return None
    return PupilQuestion.objects.filter(condition)


def questions_visible_to(user: Any) -> QuerySet[PupilQuestion]:
    """The questions the user may read: addressed to them as an adviser, and not hidden."""
    addressed = questions_addressed_to(user)
    if addressed is None:
        return PupilQuestion.objects.none()
    return addressed.filter(hidden_at__isnull=True)


def question_for_adviser(user: Any, pk: object, *, reason: str) -> PupilQuestion:
    """The question if the user is its adviser, the read audited; 404 otherwise."""
    question = (
        questions_visible_to(user)
        .select_related("school", "answered_by")
        .filter(pk=id_or_404(pk))
        .first()
    )
    if question is None:
        raise Http404
    questions_audit(user, [question], action=AuditAction.READ, reason=reason)
    return question


def questions_audit(
    user: Any,
    questions: list[PupilQuestion],
    *,
    action: str,
    reason: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit entry per question, with its school and municipality and no pupil."""
    if not questions:
        return
    audit_record_many(
        actor=user,
        action=action,
        object_type=OBJECT_TYPE,
        subjects=[
            AuditSubject(q.pk, None, q.school_id, q.school.municipality_id) for q in questions
        ],
        reason=reason,
        detail=detail,
    )
