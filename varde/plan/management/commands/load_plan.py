from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from varde.plan.schema import PlanInvalid
from varde.plan.services import plan_load_file


class Command(BaseCommand):
    help = "Load a municipality's plan from a YAML file; publishes a new version if it changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            version, created = plan_load_file(path=path)
        except PlanInvalid as exc:
            raise CommandError("\n".join(exc.errors)) from exc
        verb = "published" if created else "unchanged at"
        self.stdout.write(f"{version.municipality.name}: plan {verb} version {version.number}")
