"""Remove the working copies of archived cases whose retention period has run out.

Run it from cron (once a day after midnight is enough), or once with --schedule
to let the database worker (``manage.py db_worker``) run it every night from then on.
Running it twice, or two at once, removes nothing twice.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from varde.cases.archive import case_purge_due
from varde.cases.tasks import purge_cases_schedule


class Command(BaseCommand):
    help = "Remove archived cases whose retention period has run out, and their package files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Also queue the nightly task for the database worker (once is enough).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = case_purge_due()
        self.stdout.write(
            f"removed {len(report.removed)} case(s)"
            + (f": {', '.join(map(str, report.removed))}" if report.removed else "")
            + f"; removed {report.files_removed} leftover package file(s)"
        )
        if options["schedule"]:
            queued = purge_cases_schedule()
            self.stdout.write("nightly task queued" if queued else "nightly task already queued")
