"""Keeping the trend page's tallies equal to a recount of the raw rows."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class Recount:
    seconds: float
    written: int  # tally rows inserted, updated or deleted


def insights_refresh() -> Recount:
    """Recount every tally from the raw rows and store the difference in one transaction.

    Only rows whose count changed are written, so a recount after a quiet hour writes
    almost nothing even at national scale. Readers see the old tallies or the new, never a
    mix. Two refreshes at once take turns on the TallyRefresh row's lock.
    """
    started = time.monotonic()
    TallyRefresh.objects.get_or_create(pk=1)
    with transaction.atomic():
        stamp = TallyRefresh.objects.select_for_update().get(pk=1)
        written = _store(
            WorryTally,
            ("school_id", "month", "band", "level"),
            ("count",),
            {key: (n,) for key, n in selectors.recount_worries().items()},
        )
        written += _store(
            ConversationTally,
            ("school_id", "month", "days"),
            ("count",),
            {key: (n,) for key, n in selectors.recount_conversation_days().items()},
        )
        written += _store(
            IncidentTally,
            ("school_id", "month", "kind"),
            ("count", "followed_up"),
            selectors.recount_incidents(),
        )
        stamp.refreshed_at = timezone.now()
        stamp.seconds = time.monotonic() - started
        if written:
            stamp.generation += 1
        stamp.save(update_fields=["refreshed_at", "seconds", "generation"])
    return Recount(seconds=stamp.seconds, written=written)


def _store(
    model: Any,
    keys: tuple[str, ...],
    values: tuple[str, ...],
    fresh: dict[tuple[Any, ...], tuple[int, ...]],
) -> int:
    """Make the table hold exactly `fresh`, writing only the rows that differ."""
    width = len(keys)
    stored = {
        tuple(row[:width]): (tuple(row[width:-1]), row[-1])
        for row in model.objects.values_list(*keys, *values, "pk").iterator(chunk_size=BATCH)
    }
    gone = [pk for key, (_counts, pk) in stored.items() if key not in fresh]
    changed = [
        model(pk=pk, **dict(zip(values, fresh[key], strict=True)))
        for key, (counts, pk) in stored.items()
        if key in fresh and counts != fresh[key]
    ]
    new = [
        model(**dict(zip(keys, key, strict=True)), **dict(zip(values, counts, strict=True)))
        for key, counts in fresh.items()
        if key not in stored
    ]
    for first in range(0, len(gone), BATCH):
        model.objects.filter(pk__in=gone[first : first + BATCH]).delete()
    model.objects.bulk_update(changed, list(values), batch_size=BATCH)
    model.objects.bulk_create(new, batch_size=BATCH)
    return len(gone) + len(changed) + len(new)
