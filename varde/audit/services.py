"""Writing to the audit log. Every read or write of personal data calls audit_record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.db import connection, models, transaction
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
            last_seq, last_hash = _head_locked()
            at = timezone.now().astimezone(dt.UTC)
            label = _actor_label(actor)
            detail = detail or {}
            entries = []
            for subject in subjects:
                entry = AuditEntry(
                    seq=last_seq + 1,
                    at=at,
                    actor=actor if getattr(actor, "is_authenticated", False) else None,
                    actor_label=label,
                    action=action,
                    object_type=object_type,
                    object_id=str(subject.object_id),
                    pupil_id=subject.pupil_id,
                    school_id=subject.school_id,
                    municipality_id=subject.municipality_id,
                    reason=reason[:300],
                    detail=detail,
                    prev_hash=last_hash,
                )
                entry.hash = entry.compute_hash()
                entries.append(entry)
                last_seq, last_hash = entry.seq, entry.hash
            _append(entries, last_seq=last_seq, last_hash=last_hash)
            return entries
    except Exception as exc:  # noqa: BLE001 - any failure must close the door.
        raise AuditUnavailable(str(exc)) from exc


# Every page that shows personal data appends to the log, so the append is written as plain
# SQL: three statements whose text is built once, instead of the ORM compiling them per call.
_ENTRY_FIELDS = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
_ROWS_PER_INSERT = 500
# Integer and text columns take a Python int or str as it is.
_PLAIN = {
    f.attname: int if f.is_relation or isinstance(f, models.IntegerField) else str
    for f in _ENTRY_FIELDS
    if f.is_relation or isinstance(f, (models.IntegerField, models.CharField))
}


def _head_locked() -> tuple[int, str]:
    """The chain's last sequence number and hash, the head row locked until commit."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    head = connection.ops.quote_name(AuditHead._meta.db_table)
    sql = f"SELECT last_seq, last_hash FROM {head} WHERE id = 1{lock}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
        if row is None:
            AuditHead.objects.get_or_create(id=1)
            cursor.execute(sql)
            row = cursor.fetchone()
    return int(row[0]), str(row[1])


def _db_values(entries: list[AuditEntry]) -> list[Any]:
    """The entries' column values as the database takes them, row after row.

    The entries of one append share their time, actor, action, reason and detail, so each
    distinct value of a field is converted once.
    """
    values: list[Any] = []
    converted: dict[tuple[str, object], Any] = {}
    for entry in entries:
        for field in _ENTRY_FIELDS:
            value = getattr(entry, field.attname)
            if value is None or type(value) is _PLAIN.get(field.attname):
                values.append(value)  # what the field would convert it to
                continue
            key = (field.attname, id(value) if isinstance(value, dict) else value)
            if key not in converted:
                converted[key] = field.get_db_prep_save(value, connection)
            values.append(converted[key])
    return values


def _append(entries: list[AuditEntry], *, last_seq: int, last_hash: str) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in _ENTRY_FIELDS)
    row = "(" + ", ".join(["%s"] * len(_ENTRY_FIELDS)) + ")"
    # As many rows per statement as the database takes parameters (SQLite: 999 / 14 = 71).
    size = max(1, min(_ROWS_PER_INSERT, connection.ops.bulk_batch_size(_ENTRY_FIELDS, entries)))
    with connection.cursor() as cursor:
        for start in range(0, len(entries), size):
            batch = entries[start : start + size]
            cursor.execute(
                f"INSERT INTO {quote(AuditEntry._meta.db_table)} ({columns})"
                f" VALUES {', '.join([row] * len(batch))}",
                _db_values(batch),
            )
        cursor.execute(
            f"UPDATE {quote(AuditHead._meta.db_table)} SET last_seq = %s, last_hash = %s"
            " WHERE id = 1",
            [last_seq, last_hash],
        )
