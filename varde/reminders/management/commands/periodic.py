from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django_tasks_db.models import DBTaskResult

from varde.audit.anchor import audit_anchor_write
from varde.audit.tasks import audit_anchor_tick
from varde.reminders.tasks import periodic_run, periodic_tick


class Command(BaseCommand):
    help = (
        "Periodic work (reminders, retention). --schedule queues the worker's repeating tick "
        "and the audit log's anchoring unless they are already queued; without it, one round "
        "runs now (for cron)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--schedule", action="store_true")

    def handle(self, *args: Any, schedule: bool = False, **options: Any) -> None:
        if schedule:
            for name, tick in (
                ("periodic tick", periodic_tick),
                ("audit anchor", audit_anchor_tick),
            ):
                queued = DBTaskResult.objects.filter(
                    task_path=tick.module_path, status="READY"
                ).exists()
                if not queued:
                    tick.enqueue()
                self.stdout.write(f"{name} " + ("already queued" if queued else "queued"))
            return
        figures = {**periodic_run(), "anchored": audit_anchor_write()}
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in figures.items()))
