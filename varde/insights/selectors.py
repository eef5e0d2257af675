"""Anonymous figures for the SLT coordinator and school leadership.

The page reads tallies per school and month (varde/insights/models.py), a fixed number of
queries whose cost follows the number of schools and months shown, not the number of cases.
The recount_* functions count the same from the raw rows, grouped by month in Oslo time;
insights_refresh stores what they return. Nothing here returns a name or a free-text field.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
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
    Sum,
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
from varde.insights.models import ConversationTally, IncidentTally, TallyRefresh, WorryTally

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
    first_month: dt.date
    last_month: dt.date

    @property
    def since(self) -> dt.datetime:
        return _month_start(self.first_month)

    @property
    def until(self) -> dt.datetime:
        return _month_start(_next_month(self.last_month))

    def months(self) -> list[dt.date]:
        months, month = [], self.first_month
        while month <= self.last_month:
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


# The trend page's figures, read from the tallies: one GROUP BY each over a small table.


def _summed(
    model: Any,
    *,
    keys: tuple[str, ...],
    sums: tuple[str, ...],
    school_ids: list[int],
    period: Period,
    **filters: Any,
) -> list[tuple[Any, ...]]:
    """The tally's rows for these schools and months (and `filters`), grouped by `keys`:
    one tuple per group, the keys' values then the sums. Without keys, one tuple for all."""
    if not school_ids:
        return []
    rows = model.objects.filter(
        school_id__in=school_ids,
        month__gte=period.first_month,
        month__lte=period.last_month,
        **filters,
    ).order_by()
    totals = {f"sum_{column}": Sum(column) for column in sums}
    if not keys:
        summed = rows.aggregate(**totals)
        return [tuple(summed[name] for name in totals)]
    return list(rows.values(*keys).annotate(**totals).values_list(*keys, *totals))


def worries_by_month_and_band(
    *, school_ids: list[int], period: Period
) -> dict[tuple[dt.date, str], int]:
    rows = _summed(
        WorryTally, keys=("month", "band"), sums=("count",), school_ids=school_ids, period=period
    )
    return {(month, band): int(n) for month, band, n in rows}


def worries_by_school_and_level(
    *, school_ids: list[int], period: Period
) -> dict[tuple[int, int], int]:
    """The highest level of Lunnermodellen each worry has reached, per school."""
    rows = _summed(
        WorryTally,
        keys=("school_id", "level"),
        sums=("count",),
        school_ids=school_ids,
        period=period,
    )
    return {(school, level): int(n) for school, level, n in rows}


@dataclass(frozen=True)
class DayCounts:
    """How many conversations were held after how many days: enough for count and median."""

    counts: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def median(self) -> float | None:
        total = self.total
        if not total:
            return None
        middle = ((total - 1) // 2, total // 2)  # the two middle positions, 0-based
        found: list[int] = []
        seen = 0
        for days in sorted(self.counts):
            seen += self.counts[days]
            while len(found) < 2 and seen > middle[len(found)]:
                found.append(days)
        return statistics.mean(found) if found[0] != found[1] else found[0]


def days_to_conversation(*, school_ids: list[int], period: Period) -> DayCounts:
    """Days (Oslo calendar) from each worry to its held conversation; no case identified."""
    rows = _summed(
        ConversationTally, keys=("days",), sums=("count",), school_ids=school_ids, period=period
    )
    return DayCounts({days: int(n) for days, n in rows})


def incidents_by_month_and_kind(
    *, school_ids: list[int], period: Period
) -> dict[tuple[dt.date, str], int]:
    rows = _summed(
        IncidentTally, keys=("month", "kind"), sums=("count",), school_ids=school_ids, period=period
    )
    return {(month, kind): int(n) for month, kind, n in rows}


def follow_ups_done(*, school_ids: list[int], period: Period) -> tuple[int, int]:
    """(done, all) next-day follow-ups of intoxication incidents in the period."""
    rows = _summed(
        IncidentTally,
        keys=(),
        sums=("followed_up", "count"),
        school_ids=school_ids,
        period=period,
        kind=Incident.Kind.INTOXICATED,
    )
    done, total = rows[0] if rows else (None, None)
    return int(done or 0), int(total or 0)


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
