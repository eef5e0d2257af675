"""Writes to people: staff accounts and their roles."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from varde.audit.models import AuditAction
from varde.audit.services import audit_record
from varde.people.models import ImportMapping, Municipality, RoleAssignment, School, User
from varde.people.roles import REGIONAL_ROLES, SCHOOL_ROLES


def _end_sessions(user: User) -> int:
    """Delete the user's sessions on the server, so no open browser keeps access."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def user_set_active(*, user: User, active: bool, actor: Any, municipality_id: int) -> User:
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    ended = 0 if active else _end_sessions(user)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="user",
        object_id=user.pk,
        municipality_id=municipality_id,
        reason="Bruker aktivert" if active else "Bruker deaktivert",
        detail={"sessions_ended": ended},
    )
    return user


class RoleGrantError(ValueError):
    pass


@transaction.atomic
def role_grant(
    *,
    actor: Any,
    municipality: Municipality,
    email: str,
    full_name: str,
    role: str,
    school: School | None,
) -> RoleAssignment:
    """Give a person a role in the administrator's municipality, creating the account if new."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        if not full_name.strip():
            raise RoleGrantError(_("Skriv inn navnet til den nye brukeren."))
        user = User.objects.create_user(email, None, full_name=full_name.strip())
    where: dict[str, Any] = {"school": None, "municipality": None, "slt_region": None}
    if role in SCHOOL_ROLES:
        if school is None or school.municipality_id != municipality.pk:
            raise RoleGrantError(_("Velg skolen rollen gjelder for."))
        where["school"] = school
    elif role in REGIONAL_ROLES:
        if municipality.slt_region_id is None:
            raise RoleGrantError(_("Kommunen er ikke med i et SLT-samarbeid."))
        where["slt_region"] = municipality.slt_region
    else:
        where["municipality"] = municipality
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, **where)
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="role",
            object_id=assignment.pk,
            municipality_id=municipality.pk,
            reason=f"Rolle gitt: {assignment}",
            detail={"user": user.pk, "role": role},
        )
    return assignment


@transaction.atomic
def role_revoke(*, actor: Any, assignment: RoleAssignment, municipality_id: int) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        object_type="role",
        object_id=assignment.pk,
        municipality_id=municipality_id,
        reason=f"Rolle fjernet: {assignment}",
        detail={"user": assignment.user_id, "role": assignment.role},
    )
    assignment.delete()


@transaction.atomic
def import_mapping_save(*, municipality: Municipality, columns: dict[str, str], actor: Any) -> None:
    """Remember how this municipality's export names the import columns; merged with what was
    saved before, so a file with fewer columns forgets nothing."""
    mapping, _created = ImportMapping.objects.select_for_update().get_or_create(
        municipality=municipality,
        defaults={"columns": {}, "updated_at": timezone.now(), "updated_by": actor},
    )
    mapping.columns = {**mapping.columns, **columns}
    mapping.updated_at, mapping.updated_by = timezone.now(), actor
    mapping.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="import_mapping",
        object_id=mapping.pk,
        municipality_id=municipality.pk,
        reason="Kolonnevalg for import",
        detail={"columns": columns},
    )
