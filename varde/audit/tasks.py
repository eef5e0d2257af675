"""Anchoring the audit log outside the database, every ANCHOR_INTERVAL, by the worker."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from varde.audit.anchor import audit_anchor_write

# The longest the newest entries wait for their anchor, while the worker runs.
ANCHOR_INTERVAL = dt.timedelta(seconds=60)


@task()
def audit_anchor_tick() -> int:
    """Anchor every chain that moved, then queue the next round."""
    try:
        return audit_anchor_write()
    finally:
        audit_anchor_tick.using(run_after=timezone.now() + ANCHOR_INTERVAL).enqueue()
