"""The periodic tick run by the background worker: reminders, delivery to the archive, removal
by retention (cases, and pupils' anonymous questions), and a recount of the trend page's
tallies."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from varde.cases.archive import case_purge_due
from varde.cases.delivery import deliveries_run
from varde.insights.services import insights_refresh, insights_refresh_due
from varde.questions.services import questions_purge_due
from varde.reminders.services import reminders_collect, reminders_send

INTERVAL = dt.timedelta(minutes=5)


def periodic_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """One round of periodic work. Safe to run twice, or from two workers at once."""
    now = now or timezone.now()
    done = {
        "collected": reminders_collect(now=now),
        "sent": reminders_send(now=now),
    }
    # The archive's receipts are read before removal, so a case confirmed now goes on its day.
    delivered = deliveries_run(now=now)
    done["archive_sent"] = len(delivered.sent)
    done["archive_replies"] = delivered.replies
    done["removed"] = len(case_purge_due(now=now).removed)
    done["pupil_questions_removed"] = questions_purge_due(now=now)
    if insights_refresh_due(now=now):
        insights_refresh()
    return done


@task()
def periodic_tick() -> dict[str, int]:
    """Run a round, then queue the next one; the worker keeps it going."""
    try:
        return periodic_run()
    finally:
        periodic_tick.using(run_after=timezone.now() + INTERVAL).enqueue()
