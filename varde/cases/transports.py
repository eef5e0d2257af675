"""The ways a package reaches the municipality's archive, behind one interface: a person's
download, the archive system's import folder, and Fiks IO (varde/cases/fiks_io.py). See
varde/cases/delivery.py for how deliveries are sent, retried and confirmed."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

from varde.cases.arkivmelding import ERROR_TYPES, RECEIPT_TYPE
from varde.cases.models import ArchiveDelivery


class TransportError(Exception):
    """The transport could not hand the package over now; it is tried again later."""


@dataclass(frozen=True)
class Incoming:
    """A reply from the archive to one arkivmelding."""

    message_type: str
    payload: bytes
    # Which arkivmelding it answers: Fiks IO names the message it answers; a folder names the
    # case and the message's number.
    message_id: str = ""
    case_id: int | None = None
    number: int | None = None
    # Called after the reply is recorded, so it is taken off the queue only then.
    done: Any = None


class Transport(Protocol):
    name: str

    def send(self, *, delivery: ArchiveDelivery, package: bytes, messages: list[Any]) -> list[str]:
        """Hand the package over; returns one message id per arkivmelding ('' if none)."""
        ...

    def replies(self) -> Iterator[Incoming]:
        """The archive's replies waiting to be read."""
        ...


# ---------------------------------------------------------------- the transports


class DownloadTransport:
    """A person downloads the package and confirms the reference: nothing is sent."""

    name = ArchiveDelivery.Transport.DOWNLOAD

    def send(self, **kwargs: Any) -> list[str]:
        raise TransportError("download is not sent")

    def replies(self) -> Iterator[Incoming]:
        return iter(())


FOLDER_REPLY = re.compile(r"^varde-sak-(\d+)\.(\d+)\.([a-z]+)\.xml$")
FOLDER_REPLY_TYPES = {"kvittering": RECEIPT_TYPE, **{v: k for k, v in ERROR_TYPES.items()}}


class FolderTransport:
    """The archive system's import folder."""

    name = ArchiveDelivery.Transport.FOLDER

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path or settings.VARDE_ARCHIVE["DROP_DIR"])

    def package_path(self, case_id: int) -> Path:
        return self.path / f"varde-sak-{case_id}.zip"

    def send(self, *, delivery: ArchiveDelivery, package: bytes, messages: list[Any]) -> list[str]:
        target = self.package_path(delivery.case_id)
        tmp = self.path / f".{target.name}.tmp"
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
            with os.fdopen(fd, "wb") as handle:
                handle.write(package)
                handle.flush()
                os.fsync(handle.fileno())
            # The archive system sees the whole package under its name, or nothing.
            os.replace(tmp, target)
        except OSError as exc:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass  # The folder itself is what is wrong; nothing was written.
            raise TransportError(f"importmappen: {exc.strerror or exc}") from exc
        return ["" for _ in messages]

    def replies(self) -> Iterator[Incoming]:
        if not self.path.is_dir():
            return
        for path in sorted(self.path.iterdir()):
            match = FOLDER_REPLY.match(path.name)
            if not match or match.group(3) not in FOLDER_REPLY_TYPES:
                continue
            yield Incoming(
                message_type=FOLDER_REPLY_TYPES[match.group(3)],
                payload=path.read_bytes(),
                case_id=int(match.group(1)),
                number=int(match.group(2)),
                done=lambda path=path: self._done(path),
            )

    def _done(self, path: Path) -> None:
        # The reply is recorded: keep it beside the package under a name Varde does not read
        # again, for the archive's people.
        path.replace(path.with_name(f"{path.name}.lest"))
