"""What the trend page publishes: the families of counts, their categories and the map.

`varde.insights.suppression` suppresses a cube of counts jointly; this module says what the
cube holds for Varde. Each family is counted per school and month in a fine category, and
published by the labels below: worries by grade band each month and each year and by the
highest level reached each year; held conversations by the days they took, each year;
incidents by kind each month and each year, and the intoxicated ones by whether the next-day
follow-up was held, each year. The map's nodes are the schools, the municipalities and the
SLT regions, keyed "s<id>", "m<id>" and "r<id>".
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from varde.incidents.models import Incident
from varde.insights.suppression import TOTAL, Base, Cube, Link, Publication, publish

WORRIES = "worries"  # by grade band, per month
LEVELS = "levels"  # the same worries by the highest level reached, per year
CONVERSATIONS = "conversations"  # the same worries by days to the conversation, per year
INCIDENTS = "incidents"  # by kind, per month
FOLLOW_UPS = "follow_ups"  # intoxicated pupils' incidents by follow-up held or not, per year

# Days from a worry to its conversation, in the buckets published; the plan's deadline for
# the conversation is 7 days. A negative count (a conversation dated before its worry) is
# counted in the first bucket. A worry whose conversation is not held counts in NOT_HELD, so
# that every worry is in one bucket: the buckets then add up to the worries.
DAY_BUCKETS: tuple[tuple[str, object, int | None], ...] = (
    ("0-3", _("0–3 dager"), 3),
    ("4-7", _("4–7 dager"), 7),
    ("8-14", _("8–14 dager"), 14),
    ("15+", _("15 dager eller mer"), None),
)
NOT_HELD = "none"
FOLLOWED_UP = "followup:done"
NOT_FOLLOWED_UP = "followup:open"
INTOXICATED = Incident.Kind.INTOXICATED.value


def band_label(band: str) -> str:
    return f"band:{band}"


def level_label(level: int) -> str:
    return f"level:{level}"


def days_label(bucket: str) -> str:
    return f"days:{bucket}"


def kind_label(kind: str) -> str:
    return f"kind:{kind}"


def labels(family: str, fine: Hashable, yearly: bool) -> tuple[str, ...]:
    """The cells a count in `fine` adds to: those of its month (yearly false) or its year.

    The levels, the conversations and the follow-ups have no total of their own: theirs is
    the worries' total and the intoxicated incidents', which the links keep equal."""
    if family == WORRIES:
        return (TOTAL, band_label(str(fine)))
    if family == LEVELS:
        return (level_label(int(fine)),) if yearly else ()  # type: ignore[call-overload]
    if family == CONVERSATIONS:
        return (days_label(str(fine)),) if yearly else ()
    if family == INCIDENTS:
        return (TOTAL, kind_label(str(fine)))
    if family == FOLLOW_UPS:
        return ((FOLLOWED_UP if fine else NOT_FOLLOWED_UP),) if yearly else ()
    raise ValueError(f"no such family: {family}")


LINKS = (
    Link(LEVELS, WORRIES, equal=True),
    Link(CONVERSATIONS, WORRIES, equal=True),
    Link(FOLLOW_UPS, INCIDENTS, equal=True, counts=lambda kind: kind == INTOXICATED),
)


def day_bucket(days: int) -> str:
    return next(key for key, _label, top in DAY_BUCKETS if top is None or days <= top)


# ---------------------------------------------------------------- the map


def school_node(pk: int) -> str:
    return f"s{pk}"


def municipality_node(pk: int) -> str:
    return f"m{pk}"


def region_node(pk: int) -> str:
    return f"r{pk}"


def lineages(geography: Iterable[tuple[int, int, int | None]]) -> dict[int, tuple[str, ...]]:
    """Each school's nodes from the school up: its municipality, then its SLT region if it has
    one. `geography` is (school id, municipality id, region id or None) for every school."""
    found = {}
    for school, municipality, region in geography:
        nodes = [school_node(school), municipality_node(municipality)]
        if region is not None:
            nodes.append(region_node(region))
        found[school] = tuple(nodes)
    return found


# ---------------------------------------------------------------- the cube


def cube(
    *,
    worries: Mapping[tuple[int, dt.date, str, int], int],
    conversations: Mapping[tuple[int, dt.date, int], int],
    incidents: Mapping[tuple[int, dt.date, str], tuple[int, int]],
    geography: Iterable[tuple[int, int, int | None]],
) -> Cube:
    """The cube of counts from the tallies' recounts (see `varde.insights.selectors`)."""
    counts: Counter[Base] = Counter()
    for (school, month, band, level), n in worries.items():
        counts[(WORRIES, school, month, band)] += n
        counts[(LEVELS, school, month.year, level)] += n
    held: Counter[tuple[int, int]] = Counter()
    for (school, month, days), n in conversations.items():
        counts[(CONVERSATIONS, school, month.year, day_bucket(days))] += n
        held[(school, month.year)] += n
    for (school, month, _band, _level), n in worries.items():
        held[(school, month.year)] -= n
    for (school, year), missing in held.items():
        if missing > 0:
            raise ValueError(f"more conversations than worries at school {school} in {year}")
        counts[(CONVERSATIONS, school, year, NOT_HELD)] += -missing
    for (school, month, kind), (n, done) in incidents.items():
        counts[(INCIDENTS, school, month, kind)] += n
        if kind == INTOXICATED:
            counts[(FOLLOW_UPS, school, month.year, True)] += done
            counts[(FOLLOW_UPS, school, month.year, False)] += n - done
    return Cube(
        counts={base: n for base, n in counts.items() if n},
        lineage=lineages(geography),
        labels=labels,
        links=LINKS,
    )


@dataclass(frozen=True)
class Row:
    """One stored cell of the publication: month 0 is the whole year."""

    family: str
    node: str
    year: int
    month: int
    label: str
    shown: int | None
    state: str


def rows(publication: Publication) -> list[Row]:
    """The publication as rows to store: every non-zero cell, without its value when hidden."""
    found = []
    for (family, node, time, label), entry in publication.cells.items():
        if isinstance(time, int):
            year, month = time, 0
        else:
            year, month = time.year, time.month
        found.append(Row(family, node, year, month, label, entry.shown, entry.state.value))
    return found


def build(**tallies: object) -> Publication:
    """The publication for the recounted tallies (the keywords of `cube`)."""
    return publish(cube(**tallies))  # type: ignore[arg-type]
