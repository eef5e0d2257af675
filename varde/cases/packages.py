"""Where archival packages live, and reading one back.

A package is sealed with the keyring (AES-256-GCM, bound to its case's id) under
DATA_DIR/archive, readable by the app's own user only; the sha256 kept on the case is that of
the package itself. Shared by the archive (which makes packages) and the delivery to the
municipality's archive (which sends them).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from pathlib import Path

from django.conf import settings

from varde.cases.models import Case
from varde.lib.crypto import DecryptionError, decrypt_bytes

logger = logging.getLogger(__name__)


def archive_dir() -> Path:
    """The folder of packages, readable by the app's own user only."""
    path = Path(settings.DATA_DIR) / "archive"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkdir's mode is reduced by the umask and leaves an existing folder as it was.
    path.chmod(0o700)
    return path


def archive_path(case_id: int) -> Path:
    return archive_dir() / f"case-{case_id}.zip"


def archive_context(case_id: int) -> str:
    """What a package is sealed to: one case's package copied over another's is refused."""
    return f"cases.archive.package:{case_id}"


def message_name(number: int) -> str:
    return f"arkivmelding-{number}.xml"


def package_messages(package: bytes) -> list[tuple[bytes, list[tuple[str, bytes]]]]:
    """The package's arkivmeldinger in order, each with the files it names."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        found = []
        for doc in manifest["documents"]:
            if doc["arkivmelding"] not in names:
                raise PackageMissing
            found.append(
                (archive.read(doc["arkivmelding"]), [(doc["file"], archive.read(doc["file"]))])
            )
        return found


class PackageMissing(ValueError):
    """The package file is gone or is not the one that was made."""


def package_read(case: Case) -> bytes:
    """The stored package, opened and checked against the sha256 kept on the case. The
    caller audits what it does with it."""
    try:
        sealed = archive_path(case.pk).read_bytes()
    except FileNotFoundError as exc:
        raise PackageMissing from exc
    try:
        data = decrypt_bytes(sealed, context=archive_context(case.pk))
    except DecryptionError as exc:
        # The reason names no content; it tells the administrator what to look for.
        logger.warning("The archive package of case %s cannot be opened: %s", case.pk, exc)
        raise PackageMissing from exc
    if hashlib.sha256(data).hexdigest() != case.archive_sha256:
        raise PackageMissing
    return data
