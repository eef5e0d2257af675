"""Rebuilding the trend page's tallies from the raw rows."""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction
from django.utils import timezone

from varde.insights import selectors
from varde.insights.models import ConversationTally, IncidentTally, TallyRefresh, WorryTally

BATCH = 2_000
# A recount may take at most this share of the worker's time: at national scale, where a
# recount takes many seconds, the tick skips it until that much time has passed.
RECOUNT_SHARE = 0.05


def insights_refresh_due(*, now: dt.datetime) -> bool:
    """Whether the tick should recount: always when it is quick, less often when it is slow."""
    stamp = TallyRefresh.objects.filter(pk=1).first()
    if stamp is None or stamp.refreshed_at is None:
        return True
    return now - stamp.refreshed_at >= dt.timedelta(seconds=stamp.seconds / RECOUNT_SHARE)


def insights_refresh() -> TallyRefresh:
    """Recount every tally from the raw rows and replace the stored ones in one transaction.

    Readers see the old tallies or the new, never a mix. Two refreshes at once take turns on
    the TallyRefresh row's lock.
    """
    started = time.monotonic()
    TallyRefresh.objects.get_or_create(pk=1)
    with transaction.atomic():
        stamp = TallyRefresh.objects.select_for_update().get(pk=1)
        worries = selectors.recount_worries()
        conversations = selectors.recount_conversation_days()
        incidents = selectors.recount_incidents()
        WorryTally.objects.all().delete()
        ConversationTally.objects.all().delete()
        IncidentTally.objects.all().delete()
        WorryTally.objects.bulk_create(
            (
                WorryTally(school_id=school, month=month, band=band, level=level, count=n)
                for (school, month, band, level), n in worries.items()
            ),
            batch_size=BATCH,
        )
        ConversationTally.objects.bulk_create(
            (
                ConversationTally(school_id=school, month=month, days=days, count=n)
                for (school, month, days), n in conversations.items()
            ),
            batch_size=BATCH,
        )
        IncidentTally.objects.bulk_create(
            (
                IncidentTally(school_id=school, month=month, kind=kind, count=n, followed_up=done)
                for (school, month, kind), (n, done) in incidents.items()
            ),
            batch_size=BATCH,
        )
        stamp.refreshed_at = timezone.now()
        stamp.seconds = time.monotonic() - started
        stamp.save(update_fields=["refreshed_at", "seconds"])
    return stamp
