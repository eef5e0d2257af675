"""Writing to the audit log. Every read or write of personal data calls audit_record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from varde.audit.models import AuditChain, AuditEntry, chain_of
from varde.lib.crypto import derived_key

# What the key of every chain's MACs is derived for (varde.lib.crypto.derived_key).
CHAIN_KEY_PURPOSE = "audit-chain"
# Entries written by one INSERT statement.
BATCH = 500


class AuditSubject(NamedTuple):
    object_id: object
    pupil_id: int | None = None
    school_id: int | None = None
    municipality_id: int | None = None


# The actor of what Varde does by itself (a scheduled deletion), never "anonym".
AUTOMATIC = "Varde – automatisk"


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
    automatic: str = "",
) -> AuditEntry:
    """Append one entry to the chain of its municipality, in the caller's transaction.
    `automatic`: what Varde did by itself, with no person behind it ("sletting etter
    oppbevaringstid"), which names the entry's actor."""
    subject = AuditSubject(object_id, pupil_id, school_id, municipality_id)
    return audit_record_many(
        actor=actor,
        action=action,
        object_type=object_type,
        subjects=[subject],
        reason=reason,
        detail=detail,
        automatic=automatic,
    )[0]


def audit_record_many(
    *,
    actor: Any,
    action: str,
    object_type: str,
    subjects: Sequence[AuditSubject],
    reason: str,
    detail: dict[str, Any] | None = None,
    automatic: str = "",
) -> list[AuditEntry]:
    """Append one entry per subject (e.g. each pupil shown in a list), in the caller's
    transaction, each to the chain of its municipality."""
    at = timezone.now().astimezone(dt.UTC)
    label = f"{AUTOMATIC} {automatic}" if automatic else _actor_label(actor)
    # The log is kept in the site's language whatever the person's page was in: a reason given
    # lazily (gettext_lazy) is written in bokmål and translated when a page shows it.
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(reason)
    entries = [
        AuditEntry(
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
            detail=detail or {},
        )
        for subject in subjects
    ]
    try:
        with transaction.atomic():
            audit_append(entries)
    except Exception as exc:  # noqa: BLE001 - any failure must close the door.
        raise AuditUnavailable(str(exc)) from exc
    return entries


def audit_append(entries: Sequence[AuditEntry]) -> None:
    """Number, link and seal `entries` in the chains of their municipalities and write them.

    Must run in a transaction: each chain's head is locked (SELECT ... FOR UPDATE) until it
    commits, so appends to one municipality's chain take turns while other municipalities
    append at the same time. Heads are locked in the order of their chain number, so two
    appends that touch the same chains cannot deadlock.
    """
    key_id, key = derived_key(CHAIN_KEY_PURPOSE)
    by_chain: dict[int, list[AuditEntry]] = {}
    for entry in entries:
        entry.chain = chain_of(entry.municipality_id)
        by_chain.setdefault(entry.chain, []).append(entry)
    heads = []
    for chain in sorted(by_chain):
        head = _head_locked(chain)
        for entry in by_chain[chain]:
            entry.seq = head.last_seq + 1
            entry.key_id = key_id
            entry.prev_mac = head.last_mac
            entry.mac = entry.compute_mac(key)
            head.last_seq, head.last_mac = entry.seq, entry.mac
        heads.append(head)
    AuditEntry.objects.bulk_create(entries, batch_size=BATCH)
    for head in heads:
        head.save(update_fields=["last_seq", "last_mac"])


def _head_locked(chain: int) -> AuditChain:
    """The chain's head, locked until the transaction ends; made on the chain's first entry."""
    head = AuditChain.objects.select_for_update().filter(chain=chain).first()
    if head is None:
        # Two first entries at once: the unique chain number lets one create the head, and
        # the other reads it (locked) after the first commits.
        head, _created = AuditChain.objects.select_for_update().get_or_create(chain=chain)
    return head
