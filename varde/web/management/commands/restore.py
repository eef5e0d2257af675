"""Restore a backup made by `manage.py backup` into a fresh, empty database."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from varde.lib.backup import BackupError, restore_database


class Command(BaseCommand):
    help = (
        "Restore a backup into this instance's database, which must be empty. Encrypted "
        "notes read only with the keyring that sealed them: put it in place too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        started = time.monotonic()
        try:
            restore_database(source=file)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored {file} in {time.monotonic() - started:.2f} s")
