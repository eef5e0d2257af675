"""Removal by retention as background work for the database worker (``manage.py db_worker``).

The task removes what is due and queues its own next run for five minutes past the
next midnight in Oslo, when a new removal day begins. ``manage.py purge_cases
--schedule`` queues the first run; the same command without the flag does one
pass at once, for cron. Both can run at the same time: a case is claimed by a
conditional UPDATE, so it is removed once, and a second pass finds nothing to do.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_tasks import task

from varde.cases.archive import case_purge_due, next_purge_run


@task()
def purge_cases_task() -> dict[str, Any]:
    try:
        report = case_purge_due(now=timezone.now())
    finally:
        # A failed pass must not end the chain: tomorrow's run is queued regardless.
        purge_cases_schedule()
    return report.as_dict()


def purge_cases_schedule() -> bool:
    """Queue the next run unless one is already waiting. True if one was queued."""
    backend = purge_cases_task.get_backend()
    if not backend.supports_defer:
        return False
    if _waiting():
        return False
    purge_cases_task.using(run_after=next_purge_run(now=timezone.now())).enqueue()
    return True


def _waiting() -> bool:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=purge_cases_task.module_path, status=TaskResultStatus.READY
    ).exists()
