"""Reads of reminders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from varde.cases.reminders import handovers_due, invitations_due
from varde.reminders.due import Due
from varde.reminders.models import Reminder

# How many open reminders the start page lists.
SHOWN = 20
# How far back the notice list shows what is done.
DONE_SHOWN_DAYS = 30
# The kinds of reminder worked out with the page, not only by the collector: for these the
# page's own answer wins, so an answered handover or an opened case stops showing at once.
LIVE_KINDS = ("handover:", "invited:")


def _open(user: Any, limit: int | None) -> list[Reminder | Due]:
    live = handovers_due(to_user_id=user.pk) + invitations_due(to_user_id=user.pk)
    live_keys = {d.key for d in live}
    stored = Reminder.objects.filter(user=user, done_at__isnull=True).order_by("due_on", "pk")
    kept = [
        r
        for r in (stored[:limit] if limit else stored)
        if not r.key.startswith(LIVE_KINDS) or r.key in live_keys
    ]
    keys = {r.key for r in kept}
    found = sorted([*kept, *(d for d in live if d.key not in keys)], key=lambda r: r.due_on)
    return found[:limit] if limit else found


def reminders_for(user: Any) -> list[Reminder | Due]:
    """The user's open reminders for the start page, soonest first (no personal data in them):
    those stored, and the handovers and invitations offered since the last collection, which
    cannot wait for it."""
    return _open(user, SHOWN)


@dataclass(frozen=True)
class Notices:
    """The notice list ("Varsler"): what waits for the person, and what was done lately."""

    waiting: list[Reminder | Due]
    done: list[Reminder]


def notices_for(user: Any, *, now: dt.datetime | None = None) -> Notices:
    now = now or timezone.now()
    done = Reminder.objects.filter(
        user=user, done_at__gte=now - dt.timedelta(days=DONE_SHOWN_DAYS)
    ).order_by("-done_at", "-pk")
    return Notices(waiting=_open(user, None), done=list(done[:100]))
