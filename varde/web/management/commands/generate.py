from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from varde.web.generate import SCALES, generate


class Command(BaseCommand):
    help = "Fill the database with realistic, reproducible data at a given scale."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="municipality")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, scale: str, seed: int, **options: Any) -> None:
        generate(scale=scale, seed=seed)
