"""The one way to reach pupils' records.

Views never query Pupil or Guardian directly: they call pupil_for_user (a single pupil,
404 for anyone without a need to know, the read audited), pupils_visible_to
(the pupils a user may list) or guardians_for (a pupil's guardians, each read audited).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from varde.audit.models import AuditAction
from varde.audit.services import AuditSubject, audit_record, audit_record_many
from varde.lib.ids import id_or_404
from varde.people.models import Guardian, Municipality, Pupil, RoleAssignment, User


def pupils_visible_to(user: Any) -> QuerySet[Pupil]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Pupil.objects.none()
    schools = user.school_ids()
    municipalities = user.admin_municipality_ids()
    if not schools and not municipalities:
        return Pupil.objects.none()
    return Pupil.objects.filter(Q(school_id__in=schools) | Q(municipality_id__in=municipalities))


def pupil_subject(pupil: Pupil) -> AuditSubject:
    return AuditSubject(pupil.pk, pupil.pk, pupil.school_id, pupil.municipality_id)


def pupil_for_user(user: Any, pk: object, *, reason: str) -> Pupil:
    pupil_id = id_or_404(pk)
    pupil = (
        pupils_visible_to(user)
        .select_related("school", "municipality", "contact_teacher")
        .filter(pk=pupil_id)
        .first()
    )
    if pupil is None:
        raise Http404
    audit_record(
        actor=user,
        action=AuditAction.READ,
        object_type="pupil",
        object_id=pupil.pk,
        pupil_id=pupil.pk,
        school_id=pupil.school_id,
        municipality_id=pupil.municipality_id,
        reason=reason,
    )
    return pupil


def pupils_shown(user: Any, pupils: list[Pupil], *, reason: str) -> list[Pupil]:
    """Audit that a list of pupils was shown to a user, one entry per pupil."""
    if pupils:
        audit_record_many(
            actor=user,
            action=AuditAction.READ,
            object_type="pupil",
            subjects=[pupil_subject(p) for p in pupils],
            reason=reason,
        )
    return pupils


def guardians_for(user: Any, pupil: Pupil, *, reason: str) -> list[Guardian]:
    """The guardians of a pupil, for a page that shows that pupil: those with parental
    responsibility first. Only someone who may see the pupil sees them (an empty list for
    anyone else); each guardian shown is one audit entry."""
    if not pupils_visible_to(user).filter(pk=pupil.pk).exists():
        return []
    guardians = list(Guardian.objects.filter(pupil=pupil))
    if guardians:
        audit_record_many(
            actor=user,
            action=AuditAction.READ,
            object_type="guardian",
            subjects=[
                AuditSubject(g.pk, pupil.pk, pupil.school_id, pupil.municipality_id)
                for g in guardians
            ],
            reason=reason,
        )
    return guardians


def staff_visible_to_admin(user: Any) -> QuerySet[User]:
    """Staff holding a role in a municipality the user administers."""
    municipalities = user.admin_municipality_ids() if user.is_authenticated else set()
    if not municipalities:
        return User.objects.none()
    return User.objects.filter(
        Q(role_assignments__school__municipality_id__in=municipalities)
        | Q(role_assignments__municipality_id__in=municipalities)
    ).distinct()


def roles_administered_by(user: Any) -> QuerySet[RoleAssignment]:
    """The role assignments the user may remove: in municipalities they administer.

    A role of an SLT region reaches every municipality of the region, so it is theirs only
    when they administer every one of them.
    """
    municipalities = user.admin_municipality_ids() if user.is_authenticated else set()
    if not municipalities:
        return RoleAssignment.objects.none()
    return (
        RoleAssignment.objects.filter(
            Q(school__municipality_id__in=municipalities)
            | Q(municipality_id__in=municipalities)
            | Q(slt_region__municipalities__id__in=municipalities)
        )
        .exclude(slt_region__municipalities__in=Municipality.objects.exclude(pk__in=municipalities))
        .distinct()
    )


def staff_for_admin(user: Any, pk: object) -> User:
    """A person the user may deactivate or activate, or 404.

    Deactivating closes the whole account, so it is for a person whose every role is in
    municipalities the user administers; never the installation's superuser, never oneself.
    """
    elsewhere = RoleAssignment.objects.exclude(pk__in=roles_administered_by(user))
    found = (
        staff_visible_to_admin(user)
        .filter(pk=id_or_404(pk), is_superuser=False)
        .exclude(role_assignments__in=elsewhere)
        .first()
    )
    if found is None or found.pk == user.pk:
        raise Http404
    return found


def role_assignment_for_admin(user: Any, pk: object) -> RoleAssignment:
    """A role the user may remove (see `roles_administered_by`), never their own, or 404."""
    found = (
        roles_administered_by(user)
        .filter(pk=id_or_404(pk))
        .select_related("user", "school", "municipality", "slt_region")
        .first()
    )
    if found is None or found.user_id == user.pk:
        raise Http404
    return found
