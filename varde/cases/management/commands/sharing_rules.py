from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandParser

from varde.cases.rules import rules_from_document
from varde.cases.sharing_rules import sharing_table
from varde.plan.document import PlanDocument

LUNNER = Path(__file__).resolve().parents[3] / "plan" / "content" / "lunner.yaml"


class Command(BaseCommand):
    help = "Print a plan's sharing and consent rules as one table (docs/sharing-rules.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plan", type=Path, default=LUNNER, help="the plan's YAML file")
        parser.add_argument("--write", type=Path, help="write the table to this file")

    def handle(self, *args: Any, plan: Path, write: Path | None, **options: Any) -> None:
        content = yaml.safe_load(plan.read_text(encoding="utf-8"))
        table = sharing_table(rules_from_document(PlanDocument(content)))
        if write:
            write.write_text(table, encoding="utf-8")
            self.stdout.write(f"Wrote {write}")
        else:
            self.stdout.write(table, ending="")
