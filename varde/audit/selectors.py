"""Reading the audit log."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from varde.audit.anchor import Anchored
from varde.audit.models import GENESIS_MAC, AuditChain, AuditEntry
from varde.audit.services import CHAIN_KEY_PURPOSE
from varde.lib.crypto import DecryptionError, derived_key


@dataclass(frozen=True)
class ChainProblem:
    chain: int
    seq: int
    message: str


def audit_chains(*, chains: Iterable[int] | None = None, anchored: Iterable[int] = ()) -> list[int]:
    """The chains to verify: `chains`, or every chain the database or the anchor knows of."""
    if chains is not None:
        return sorted(set(chains))
    known = set(AuditChain.objects.values_list("chain", flat=True))
    known |= set(AuditEntry.objects.order_by().values_list("chain", flat=True).distinct())
    return sorted(known | set(anchored))


def audit_verify_chain(
    chain: int, *, anchored: Anchored | None = None, batch_size: int = 2000
) -> Iterator[ChainProblem]:
    """Walk one chain in order and yield the first place where it is broken, then whatever
    the head and the anchor show to be missing.

    Detects an edited or invented entry (its MAC does not match: only the keyring makes MACs),
    a removed entry (a gap in the sequence or a broken link), a removed tail (the head, or the
    anchor, points past the last entry), a missing head, and an emptied chain the anchor knew.
    """
    keys: dict[str, bytes] = {}
    expected_prev = GENESIS_MAC
    expected_seq = 1
    while True:
        batch = list(
            AuditEntry.objects.filter(chain=chain, seq__gte=expected_seq).order_by("seq")[
                :batch_size
            ]
        )
        if not batch:
            break
        for entry in batch:
            if entry.seq != expected_seq:
                yield ChainProblem(chain, expected_seq, f"entry #{expected_seq} is missing")
                return
            if entry.prev_mac != expected_prev:
                yield ChainProblem(
                    chain, entry.seq, f"entry #{entry.seq} does not link to #{entry.seq - 1}"
                )
                return
            if entry.key_id not in keys:
                try:
                    keys[entry.key_id] = derived_key(CHAIN_KEY_PURPOSE, key_id=entry.key_id)[1]
                except DecryptionError:
                    yield ChainProblem(
                        chain,
                        entry.seq,
                        f"entry #{entry.seq} names an unknown key {entry.key_id!r}",
                    )
                    return
            if not hmac.compare_digest(entry.compute_mac(keys[entry.key_id]), entry.mac):
                yield ChainProblem(
                    chain, entry.seq, f"entry #{entry.seq} was changed after it was written"
                )
                return
            expected_prev = entry.mac
            expected_seq += 1
    last = expected_seq - 1
    head = AuditChain.objects.filter(chain=chain).first()
    if head is None and last:
        yield ChainProblem(chain, last, f"the chain's head is missing (its entries end at #{last})")
    elif head is not None and head.last_seq > last:
        yield ChainProblem(chain, last + 1, f"entries #{last + 1}–#{head.last_seq} are missing")
    elif head is not None and (head.last_seq != last or head.last_mac != expected_prev):
        yield ChainProblem(chain, last, f"entry #{last} does not match the head")
    if anchored is None:
        return
    if anchored.seq > last:
        missing = f"#{last + 1}–#{anchored.seq}" if anchored.seq > last + 1 else f"#{anchored.seq}"
        said = f"the anchor of {anchored.at} says the chain reached #{anchored.seq}"
        if last == 0:
            yield ChainProblem(chain, 1, f"the chain is empty, but {said}")
        else:
            yield ChainProblem(chain, last + 1, f"entries {missing} are missing: {said}")
        return
    at_anchor = AuditEntry.objects.filter(chain=chain, seq=anchored.seq).first()
    if at_anchor is None or not hmac.compare_digest(at_anchor.mac, anchored.mac):
        yield ChainProblem(
            chain, anchored.seq, f"entry #{anchored.seq} is not the one anchored at {anchored.at}"
        )


def audit_unanchored(chain: int, *, anchored: Anchored | None) -> int:
    """How many of the chain's entries are newer than its last anchor."""
    head = AuditChain.objects.filter(chain=chain).first()
    return max(0, (head.last_seq if head else 0) - (anchored.seq if anchored else 0))


def audit_entries_for_pupil(*, pupil_id: int) -> QuerySet[AuditEntry]:
    return (
        AuditEntry.objects.filter(pupil_id=pupil_id).select_related("actor").order_by("-at", "-pk")
    )
