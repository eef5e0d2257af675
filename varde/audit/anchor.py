"""The audit log's anchor: each chain's head, written outside the database.

Someone who can write the database but does not hold the keyring cannot make an entry's MAC,
so they cannot edit or invent entries without breaking the chain. They could still cut entries
off the end of a chain (and move its head back), or empty it. The anchor stops that: at short
intervals the worker appends each chain's head (its last sequence number and MAC) to a file
outside the database, opened for appending only and flushed to disk, and `audit_verify` checks
that every chain still reaches what the anchor last saw. With VARDE_AUDIT_ANCHOR_SYSLOG the
same lines also go to syslog, for a log collector on another machine.

One line per changed chain, as JSON:
    {"at": "2026-12-06T14:02:00+00:00", "chain": 12, "seq": 4711, "mac": "<64 hex>"}
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from varde.audit.models import AuditChain

log = logging.getLogger("varde.audit.anchor")


@dataclass(frozen=True)
class Anchored:
    """The last head the anchor holds for one chain."""

    chain: int
    seq: int
    mac: str
    at: str


def anchor_path() -> Path:
    return Path(settings.VARDE_AUDIT_ANCHOR_FILE)


def anchor_read(path: Path | None = None) -> tuple[dict[int, Anchored], list[str]]:
    """The highest head anchored for each chain, and the lines that could not be read
    (numbered from 1). A missing file holds nothing."""
    path = path or anchor_path()
    found: dict[int, Anchored] = {}
    bad: list[str] = []
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return found, bad
    with handle:
        for number, raw in enumerate(handle, start=1):
            _take(raw, found, bad, number)
    return found, bad


def _take(raw: bytes, found: dict[int, Anchored], bad: list[str], number: int) -> None:
    # A line read back from syslog carries a prefix; the JSON starts at the first brace.
    text = raw.decode("utf-8", errors="replace").strip()
    if not text:
        return
    try:
        data = json.loads(text[text.index("{") :])
        line = Anchored(int(data["chain"]), int(data["seq"]), str(data["mac"]), str(data["at"]))
    except (ValueError, KeyError, TypeError):
        bad.append(f"line {number}")
        return
    known = found.get(line.chain)
    if known is None or line.seq >= known.seq:
        found[line.chain] = line


# What the anchor file held when this process last wrote to it: (file identity, bytes read,
# the heads found). It is wrong only if the file was changed other than by appending to it;
# a new inode or a file shorter than what was read shows that, and the file is read anew.
_seen_lock = threading.Lock()
_seen: dict[str, tuple[tuple[int, int], int, dict[int, Anchored]]] = {}


def _anchored_now(path: Path) -> dict[int, Anchored]:
    """The heads in the anchor file, reading only what was appended since the last call."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    identity = (stat.st_dev, stat.st_ino)
    key = str(path)
    identity_seen, offset, found = _seen.get(key, (identity, 0, {}))
    if identity_seen != identity or stat.st_size < offset:
        offset, found = 0, {}
    found = dict(found)
    bad: list[str] = []
    with path.open("rb") as handle:
        handle.seek(offset)
        for raw in handle:
            if not raw.endswith(b"\n"):
                break  # a line still being written; read it next time
            _take(raw, found, bad, 0)
            offset += len(raw)
    _seen[key] = (identity, offset, found)
    return found


def audit_anchor_write() -> int:
    """Append the head of every chain that moved since the anchor last saw it. Returns the
    number of lines written."""
    path = anchor_path()
    with _seen_lock:
        anchored = _anchored_now(path)
        heads = AuditChain.objects.filter(last_seq__gt=0).order_by("chain")
        at = timezone.now().isoformat()
        lines = [
            json.dumps({"at": at, "chain": h.chain, "seq": h.last_seq, "mac": h.last_mac})
            for h in heads
            if (known := anchored.get(h.chain)) is None or known.seq != h.last_seq
        ]
        if not lines:
            return 0
        _append(path, "".join(line + "\n" for line in lines).encode())
        _anchored_now(path)
    if settings.VARDE_AUDIT_ANCHOR_SYSLOG:
        for line in lines:
            _syslog().info(line)
    return len(lines)


def _append(path: Path, data: bytes) -> None:
    """Append to the anchor, creating it (0600) if need be, and wait until it is on disk."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _syslog() -> logging.Logger:
    if not log.handlers:
        handler = logging.handlers.SysLogHandler(address=settings.VARDE_AUDIT_ANCHOR_SYSLOG)
        handler.setFormatter(logging.Formatter("varde-audit-anchor: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log
