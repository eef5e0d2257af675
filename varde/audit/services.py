"""Writing to the audit log. Every read or write of personal data calls audit_record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone

from varde.audit.models import AuditEntry, AuditHead


class AuditSubject(NamedTuple):
    object_id: object
    pupil_id: int | None = None
    school_id: int | None = None
    municipality_id: int | None = None


class AuditUnavailable(RuntimeError):
    """The audit entry could not be written; the caller must not show the data."""


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "anonym"
    return f"{actor.full_name} <{actor.email}>"


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: object = "",
    reason: str,
    pupil_id: int | None = None,
    school_id: int | None = None,
    municipality_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction.

    The head row is locked for the rest of the transaction, so entries are
    appended one at a time on PostgreSQL too (SQLite already serialises writes).
    """
    subject = AuditSubject(object_id, pupil_id, school_id, municipality_id)
    return audit_record_many(
        actor=actor,
        action=action,
        object_type=object_type,
        subjects=[subject],
        reason=reason,
        detail=detail,
    )[0]


def audit_record_many(
    *,
    actor: Any,
    action: str,
    object_type: str,
    subjects: Sequence[AuditSubject],
    reason: str,
    detail: dict[str, Any] | None = None,
) -> list[AuditEntry]:
    """Append one entry per subject (e.g. each pupil shown in a list)."""
    try:
        with transaction.atomic():
            head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
            at = timezone.now().astimezone(dt.UTC)
            entries = []
            for subject in subjects:
                entry = AuditEntry(
                    seq=head.last_seq + 1,
                    at=at,
                    actor=actor if getattr(actor, "is_authenticated", False) else None,
                    actor_label=_actor_label(actor),
                    action=action,
                    object_type=object_type,
                    object_id=str(subject.object_id),
                    pupil_id=subject.pupil_id,
                    school_id=subject.school_id,
                    municipality_id=subject.municipality_id,
                    reason=reason[:300],
                    detail=detail or {},
                    prev_hash=head.last_hash,
                )
                entry.hash = entry.compute_hash()
                entries.append(entry)
                head.last_seq = entry.seq
                head.last_hash = entry.hash
            AuditEntry.objects.bulk_create(entries)
            head.save(update_fields=["last_seq", "last_hash"])
            return entries
    except Exception as exc:  # noqa: BLE001 - any failure must close the door.
        raise AuditUnavailable(str(exc)) from exc
