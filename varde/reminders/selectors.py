"""Reads of reminders."""

from __future__ import annotations

from typing import Any

from varde.reminders.models import Reminder

# How many open reminders the start page lists.
SHOWN = 20


def reminders_for(user: Any) -> list[Reminder]:
    """The user's open reminders for the start page, soonest first (no personal data in them)."""
    return list(Reminder.objects.filter(user=user, done_at__isnull=True).order_by("due_on")[:SHOWN])
