"""Make an online, consistent backup of the database while Varde keeps running."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from varde.lib.backup import BackupError, backup_database, backup_default_path


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite: online backup API; PostgreSQL: pg_dump) to a file, "
        "by default under var/backups/. The keyring is not included: back it up apart."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="Where to write the backup.")

    def handle(self, *args: Any, output: Path | None, **options: Any) -> None:
        target = output or backup_default_path()
        started = time.monotonic()
        try:
            backup_database(target=target)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        seconds = time.monotonic() - started
        self.stdout.write(
            f"backup written: {target} ({target.stat().st_size} bytes, {seconds:.2f} s)"
        )
