"""Rotate the encryption key and seal everything sealed with the keyring again under the new one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from varde.cases.archive import archive_packages_reseal
from varde.lib.crypto import keyring_rotate
from varde.lib.reencrypt import ReencryptReport, reencrypt_all


class Command(BaseCommand):
    help = (
        "Add a new key to the keyring, make it current, and seal again under it every "
        "encrypted field of every model, the two-factor secrets and the archive packages. "
        "Old keys stay in the keyring so backups made before the rotation can still be read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--resume",
            action="store_true",
            help=(
                "Do not add a key: finish sealing under the current one (also seals archive "
                "packages made before packages were sealed)."
            ),
        )
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, resume: bool, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if not resume:
            key_id = keyring_rotate()
            self.stdout.write(f"New current key: {key_id}")
        report = reencrypt_all(batch_size=batch_size)
        self._write(report, "rows checked", "values")
        packages = ReencryptReport()
        archive_packages_reseal(report=packages)
        self._write(packages, "archive packages checked", "packages")
        refused = report.refused + packages.refused
        if refused:
            raise CommandError(
                "These values could not be opened and were left as they are "
                "(tampered, or sealed with a key missing from the keyring):\n  "
                + "\n  ".join(refused)
            )

    def _write(self, report: ReencryptReport, checked: str, what: str) -> None:
        self.stdout.write(
            f"{checked}: {report.rows_checked}, {what} re-encrypted: "
            f"{report.values_rewritten}, already current: {report.values_current}, "
            f"refused: {len(report.refused)}"
        )
