"""Reading the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from varde.audit.models import GENESIS_HASH, AuditEntry, AuditHead


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    message: str


def audit_verify_chain(*, batch_size: int = 2000) -> Iterator[ChainProblem]:
    """Walk the chain in order and yield the first place where it is broken.

    Detects an edited entry (its hash no longer matches), a removed entry (a gap
    in the sequence or a broken link) and a removed tail (the head points past
    the last entry).
    """
    expected_prev = GENESIS_HASH
    expected_seq = 1
    while True:
        batch = list(AuditEntry.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch_size])
        if not batch:
            break
        for entry in batch:
            if entry.seq != expected_seq:
                yield ChainProblem(expected_seq, f"entry #{expected_seq} is missing")
                return
            if entry.prev_hash != expected_prev:
                yield ChainProblem(
                    entry.seq, f"entry #{entry.seq} does not link to #{entry.seq - 1}"
                )
                return
            if entry.compute_hash() != entry.hash:
                yield ChainProblem(
                    entry.seq, f"entry #{entry.seq} was changed after it was written"
                )
                return
            expected_prev = entry.hash
            expected_seq += 1
    head = AuditHead.objects.filter(id=1).first()
    if head and head.last_seq != expected_seq - 1:
        yield ChainProblem(expected_seq, f"entries #{expected_seq}–#{head.last_seq} are missing")
    elif head and head.last_hash != expected_prev:
        yield ChainProblem(expected_seq - 1, f"entry #{expected_seq - 1} does not match the head")


def audit_entries_for_pupil(*, pupil_id: int) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(pupil_id=pupil_id).select_related("actor").order_by("-seq")
