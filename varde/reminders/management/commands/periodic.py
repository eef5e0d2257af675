from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django_tasks_db.models import DBTaskResult

from varde.reminders.tasks import periodic_run, periodic_tick


class Command(BaseCommand):
    help = (
        "Periodic work (reminders, retention). --schedule queues the worker's repeating tick "
        "unless one is already queued; without it, one round runs now (for cron)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--schedule", action="store_true")

    def handle(self, *args: Any, schedule: bool = False, **options: Any) -> None:
        if schedule:
            queued = DBTaskResult.objects.filter(
                task_path=periodic_tick.module_path, status="READY"
            ).exists()
            if not queued:
                periodic_tick.enqueue()
            self.stdout.write("periodic tick " + ("already queued" if queued else "queued"))
            return
        figures = periodic_run()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in figures.items()))
