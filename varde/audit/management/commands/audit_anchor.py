from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from varde.audit.anchor import anchor_path, audit_anchor_write


class Command(BaseCommand):
    help = (
        "Append each audit chain's head to the anchor outside the database now (the worker "
        "does it every minute)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        written = audit_anchor_write()
        self.stdout.write(f"audit anchor: {written} chains anchored in {anchor_path()}")
