"""Reads of reminders."""

from __future__ import annotations

from typing import Any

from varde.cases.reminders import handovers_due
from varde.reminders.due import Due
from varde.reminders.models import Reminder

# How many open reminders the start page lists.
SHOWN = 20


def reminders_for(user: Any) -> list[Reminder | Due]:
    """The user's open reminders for the start page, soonest first (no personal data in them):
    those stored, and a handover offered since the last collection, which cannot wait for it."""
    stored = list(
        Reminder.objects.filter(user=user, done_at__isnull=True).order_by("due_on")[:SHOWN]
    )
    keys = {r.key for r in stored}
    live = [d for d in handovers_due(to_user_id=user.pk) if d.key not in keys]
    return sorted([*stored, *live], key=lambda r: r.due_on)[:SHOWN]
