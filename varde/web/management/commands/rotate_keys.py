"""Rotate the encryption key and re-encrypt every encrypted value under the new one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from varde.lib.crypto import keyring_rotate
from varde.lib.reencrypt import reencrypt_all


class Command(BaseCommand):
    help = (
        "Add a new key to the keyring, make it current, and re-encrypt every encrypted "
        "field of every model under it. Old keys stay in the keyring so backups made "
        "before the rotation can still be read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--resume",
            action="store_true",
            help="Do not add a key: finish re-encrypting under the current one.",
        )
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, resume: bool, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if not resume:
            key_id = keyring_rotate()
            self.stdout.write(f"New current key: {key_id}")
        report = reencrypt_all(batch_size=batch_size)
        self.stdout.write(
            f"rows checked: {report.rows_checked}, values re-encrypted: "
            f"{report.values_rewritten}, already current: {report.values_current}, "
            f"refused: {len(report.refused)}"
        )
        if report.refused:
            raise CommandError(
                "These values could not be opened and were left as they are "
                "(tampered, or sealed with a key missing from the keyring):\n  "
                + "\n  ".join(report.refused)
            )
