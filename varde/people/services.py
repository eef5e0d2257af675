"""Writes to people: deactivating and reactivating staff accounts."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from varde.audit.models import AuditAction
from varde.audit.services import audit_record
from varde.people.models import User


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
