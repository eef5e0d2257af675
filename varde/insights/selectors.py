"""Anonymous figures for the SLT coordinator and school leadership.

The recount_* functions count the raw rows per school and month, grouped by month in Oslo
time; insights_refresh stores what they return as tallies and works out the publication from
them. The page reads only the publication (`published`), two queries whatever the data size.
Nothing here returns a name or a free-text field.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case as Switch
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import (
    Coalesce,
    ExtractMonth,
    ExtractYear,
    Greatest,
    TruncDate,
    TruncMonth,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from varde.cases.models import Case, Decision
from varde.incidents.models import Incident
from varde.insights.models import PublishedCell, TallyRefresh, WithheldCell
from varde.people.models import School

# Norway's school stages: barnetrinnet 1-4 and 5-7, ungdomstrinnet 8-10, and upper secondary
# (Vg1-Vg3 recorded as grades 11-13). They are national, not a municipality's choice.
GRADE_BANDS: tuple[tuple[str, Any, int], ...] = (
    ("1-4", _("1.–4. trinn"), 4),
    ("5-7", _("5.–7. trinn"), 7),
    ("8-10", _("8.–10. trinn"), 10),
    ("vgs", _("Videregående"), 13),
)
LEVELS = (0, 1, 2, 3)
# The school year starts in August; a pupil's grade moves up by one then.
SCHOOL_YEAR_STARTS = 8


@dataclass(frozen=True)
class Period:
    """Whole calendar years: the publication is suppressed a year at a time, so a period of
    whole years selects from it without making sums it does not hold."""

    first_year: int
    last_year: int

    @property
    def first_month(self) -> dt.date:
        return dt.date(self.first_year, 1, 1)

    @property
    def last_month(self) -> dt.date:
        return dt.date(self.last_year, 12, 1)

    @property
    def since(self) -> dt.datetime:
        return _month_start(self.first_month)

    @property
    def until(self) -> dt.datetime:
        return _month_start(_next_month(self.last_month))

    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def months(self) -> list[dt.date]:
        """The months of the period up to this one (later months hold nothing yet)."""
        this_month = timezone.localdate().replace(day=1)
        months, month = [], self.first_month
        while month <= min(self.last_month, this_month):
            months.append(month)
            month = _next_month(month)
        return months


def _next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _month_start(month: dt.date) -> dt.datetime:
    return dt.datetime(month.year, month.month, 1, tzinfo=timezone.get_default_timezone())


def _as_month(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def school_year(day: dt.date) -> int:
    return day.year - (1 if day.month < SCHOOL_YEAR_STARTS else 0)


def _grade_band_expression() -> tuple[Any, Switch]:
    """The pupil's grade then, and its band, from the grade they have today.

    Needs `opened_month` annotated first; the band reads `grade_then`.
    """
    oslo = timezone.get_default_timezone()
    years_ago = Value(school_year(timezone.localdate())) - (
        ExtractYear("opened_at", tzinfo=oslo)
        - Switch(
            When(Q(opened_month__lt=SCHOOL_YEAR_STARTS), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    grade = F("pupil__grade") - years_ago
    whens = [When(Q(grade_then__lte=top), then=Value(key)) for key, _label, top in GRADE_BANDS]
    return grade, Switch(*whens[:-1], default=Value(GRADE_BANDS[-1][0]))


def _scoped(queryset: Any, school_ids: list[int] | None) -> Any:
    return queryset if school_ids is None else queryset.filter(school_id__in=school_ids)


# Recounts from the raw rows: what the tallies hold. One query each, grouped in the database.


def recount_worries(
    *, school_ids: list[int] | None = None
) -> dict[tuple[int, dt.date, str, int], int]:
    """Worries per (school, month opened, grade band then, highest level reached)."""
    oslo = timezone.get_default_timezone()
    grade, band = _grade_band_expression()
    highest_decision = (
        Decision.objects.filter(case=OuterRef("pk"))
        .values("case")
        .annotate(top=Max("to_level"))
        .values("top")[:1]
    )
    rows = (
        _scoped(Case.objects.all(), school_ids)
        .annotate(opened_month=ExtractMonth("opened_at", tzinfo=oslo))
        .annotate(grade_then=grade)
        .annotate(
            month=TruncMonth("opened_at", tzinfo=oslo),
            band=band,
            highest=Greatest(
                "level", Coalesce(Subquery(highest_decision, output_field=IntegerField()), 0)
            ),
        )
        .values("school_id", "month", "band", "highest")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: Counter[tuple[int, dt.date, str, int]] = Counter()
    for row in rows:
        level = min(row["highest"], LEVELS[-1])
        counts[(row["school_id"], _as_month(row["month"]), row["band"], level)] += row["n"]
    return dict(counts)


def recount_conversation_days(
    *, school_ids: list[int] | None = None
) -> dict[tuple[int, dt.date, int], int]:
    """Held conversations per (school, month the worry was opened, days from worry to
    conversation in the Oslo calendar)."""
    oslo = timezone.get_default_timezone()
    rows = (
        _scoped(Case.objects.filter(conversation__held_at__isnull=False), school_ids)
        .annotate(
            month=TruncMonth("opened_at", tzinfo=oslo),
            days=ExpressionWrapper(
                TruncDate("conversation__held_at", tzinfo=oslo)
                - TruncDate("opened_at", tzinfo=oslo),
                output_field=DurationField(),
            ),
        )
        .values("school_id", "month", "days")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: Counter[tuple[int, dt.date, int]] = Counter()
    for row in rows:
        counts[(row["school_id"], _as_month(row["month"]), row["days"].days)] += row["n"]
    return dict(counts)


def recount_incidents(
    *, school_ids: list[int] | None = None
) -> dict[tuple[int, dt.date, str], tuple[int, int]]:
    """Acute incidents per (school, month, kind): (how many, how many had their next-day
    follow-up held)."""
    rows = (
        _scoped(Incident.objects.all(), school_ids)
        .annotate(month=TruncMonth("started_at", tzinfo=timezone.get_default_timezone()))
        .values("school_id", "month", "kind")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(follow_up__held_at__isnull=False)))
        .order_by()
    )
    counts: dict[tuple[int, dt.date, str], tuple[int, int]] = {}
    for row in rows:
        key = (row["school_id"], _as_month(row["month"]), row["kind"])
        n, done = counts.get(key, (0, 0))
        counts[key] = (n + row["n"], done + row["done"])
    return counts


# The trend page's numbers, read from the publication: two queries for any selection.


@dataclass(frozen=True)
class Published:
    """The cells of the publication a page asked for: (family, node, year, month, label) to
    (number or None, state), month 0 for the year; and the (family, node, year) withheld."""

    cells: dict[tuple[str, str, int, int, str], tuple[int | None, str]]
    withheld: frozenset[tuple[str, str, int]]


def published(*, nodes: Iterable[str], rows: Iterable[str], years: Iterable[int]) -> Published:
    """The publication's cells for `nodes` (months and years) and for `rows` (years only)."""
    nodes, rows, years = list(nodes), list(rows), list(years)
    found = (
        PublishedCell.objects.filter(year__in=years)
        .filter(Q(node__in=nodes) | Q(node__in=rows, month=0))
        .values_list("family", "node", "year", "month", "label", "shown", "state")
    )
    withheld = WithheldCell.objects.filter(
        year__in=years, node__in=set(nodes) | set(rows)
    ).values_list("family", "node", "year")
    return Published(
        cells={tuple(row[:5]): (row[5], row[6]) for row in found},
        withheld=frozenset(tuple(row) for row in withheld),
    )


def geography() -> list[tuple[int, int, int | None]]:
    """Every school with its municipality and SLT region (None when it has none)."""
    return list(
        School.objects.order_by("pk").values_list(
            "pk", "municipality_id", "municipality__slt_region_id"
        )
    )


def refreshed_at() -> dt.datetime | None:
    """When the tallies were last rebuilt, or None when they never were."""
    return tally_state()[0]


def tally_state() -> tuple[dt.datetime | None, int]:
    """When the tallies were last rebuilt (None when they never were), and how many rebuilds
    have changed them."""
    return TallyRefresh.objects.filter(pk=1).values_list("refreshed_at", "generation").first() or (
        None,
        0,
    )
