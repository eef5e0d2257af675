"""Keeping the trend page's tallies equal to a recount of the raw rows, and its publication
equal to what the suppression makes of them."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from varde.insights import publication, selectors
from varde.insights.models import (
    ConversationTally,
    IncidentTally,
    PublishedCell,
    TallyRefresh,
    WithheldCell,
    WorryTally,
)

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


# Changed whenever the suppression or what it publishes changes, so that the first refresh
# after a new release publishes afresh although no tally changed.
PUBLICATION_METHOD = "witnessed boxes, calendar years, v1"


@dataclass(frozen=True)
class Recount:
    seconds: float
    written: int  # tally rows inserted, updated or deleted
    published: int = 0  # publication rows inserted, updated or deleted


def insights_refresh() -> Recount:
    """Recount every tally from the raw rows, work out the publication from them, and store
    what differs, all in one transaction.

    Only rows whose count changed are written, so a recount after a quiet hour writes
    almost nothing even at national scale; the publication is worked out again only when a
    tally, the map of schools or the method changed. Readers see the old tallies and
    publication or the new, never a mix. Two refreshes at once take turns on the
    TallyRefresh row's lock.
    """
    started = time.monotonic()
    TallyRefresh.objects.get_or_create(pk=1)
    with transaction.atomic():
        stamp = TallyRefresh.objects.select_for_update().get(pk=1)
        worries = selectors.recount_worries()
        conversations = selectors.recount_conversation_days()
        incidents = selectors.recount_incidents()
        written = _store(
            WorryTally,
            ("school_id", "month", "band", "level"),
            ("count",),
            {key: (n,) for key, n in worries.items()},
        )
        written += _store(
            ConversationTally,
            ("school_id", "month", "days"),
            ("count",),
            {key: (n,) for key, n in conversations.items()},
        )
        written += _store(
            IncidentTally,
            ("school_id", "month", "kind"),
            ("count", "followed_up"),
            incidents,
        )
        geography = selectors.geography()
        fingerprint = hashlib.sha256(repr((PUBLICATION_METHOD, geography)).encode()).hexdigest()
        published = 0
        if written or stamp.published_for != fingerprint:
            published = _publish(
                worries=worries,
                conversations=conversations,
                incidents=incidents,
                geography=geography,
            )
            stamp.published_for = fingerprint
        stamp.refreshed_at = timezone.now()
        stamp.seconds = time.monotonic() - started
        if written or published:
            stamp.generation += 1
        stamp.save(update_fields=["refreshed_at", "seconds", "generation", "published_for"])
    return Recount(seconds=stamp.seconds, written=written, published=published)


def _publish(**tallies: Any) -> int:
    """Work out the publication and store it: the rows written."""
    found = publication.build(**tallies)
    cells = {
        (row.family, row.node, row.year, row.month, row.label): (row.shown, row.state)
        for row in publication.rows(found)
    }
    written = _store(
        PublishedCell, ("family", "node", "year", "month", "label"), ("shown", "state"), cells
    )
    written += _store(
        WithheldCell,
        ("family", "node", "year"),
        (),
        {key: () for key in found.withheld},
    )
    return written


def _store(
    model: Any,
    keys: tuple[str, ...],
    values: tuple[str, ...],
    fresh: dict[tuple[Any, ...], tuple[Any, ...]],
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
    if changed:
        model.objects.bulk_update(changed, list(values), batch_size=BATCH)
    model.objects.bulk_create(new, batch_size=BATCH)
    return len(gone) + len(changed) + len(new)
