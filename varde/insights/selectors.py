"""Anonymous figures for the SLT coordinator and school leadership.

Everything is counted in the database (a fixed number of queries whatever the number of
cases) and grouped by month in Oslo time. Nothing here returns a name or a free-text field.
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
    TruncMonth,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from varde.cases.models import Case, Decision
from varde.incidents.models import Incident
from varde.incidents.selectors import incident_counts
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


def _cases(*, school_ids: list[int], period: Period) -> Any:
    return Case.objects.filter(
        school_id__in=school_ids, opened_at__gte=period.since, opened_at__lt=period.until
    )


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


def worries_by_month_and_band(
    *, school_ids: list[int], period: Period
) -> dict[tuple[dt.date, str], int]:
    grade, band = _grade_band_expression()
    rows = (
        _cases(school_ids=school_ids, period=period)
        .annotate(opened_month=ExtractMonth("opened_at", tzinfo=timezone.get_default_timezone()))
        .annotate(grade_then=grade)
        .annotate(month=TruncMonth("opened_at", tzinfo=timezone.get_default_timezone()), band=band)
        .values("month", "band")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: Counter[tuple[dt.date, str]] = Counter()
    for row in rows:
        counts[(_as_month(row["month"]), row["band"])] += row["n"]
    return dict(counts)


def worries_by_school_and_level(
    *, school_ids: list[int], period: Period
) -> dict[tuple[int, int], int]:
    """The highest level of Lunnermodellen each worry has reached, per school."""
    highest_decision = (
        Decision.objects.filter(case=OuterRef("pk"))
        .values("case")
        .annotate(top=Max("to_level"))
        .values("top")[:1]
    )
    rows = (
        _cases(school_ids=school_ids, period=period)
        .annotate(
            highest=Greatest(
                "level", Coalesce(Subquery(highest_decision, output_field=IntegerField()), 0)
            )
        )
        .values("school_id", "highest")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: Counter[tuple[int, int]] = Counter()
    for row in rows:
        counts[(row["school_id"], min(row["highest"], LEVELS[-1]))] += row["n"]
    return dict(counts)


def days_to_conversation(*, school_ids: list[int], period: Period) -> list[int]:
    """Days (Oslo calendar) from each worry to its held conversation; no case identified."""
    pairs = (
        _cases(school_ids=school_ids, period=period)
        .filter(conversation__held_at__isnull=False)
        .values_list("opened_at", "conversation__held_at")
    )
    return sorted(
        (timezone.localdate(held) - timezone.localdate(opened)).days for opened, held in pairs
    )


def median_or_none(days: list[int]) -> float | None:
    return statistics.median(days) if days else None


def incidents_by_month_and_kind(
    *, schools: list[School], period: Period
) -> dict[tuple[dt.date, str], int]:
    wanted = {s.pk for s in schools}
    counts: Counter[tuple[dt.date, str]] = Counter()
    for municipality_id in sorted({s.municipality_id for s in schools}):
        for row in incident_counts(
            municipality_id=municipality_id, since=period.since, until=period.until
        ):
            if row.school_id in wanted:
                counts[(_as_month(row.month), row.kind)] += row.count
    return dict(counts)


def follow_ups_done(*, school_ids: list[int], period: Period) -> tuple[int, int]:
    """(done, all) next-day follow-ups of intoxication incidents in the period."""
    totals = Incident.objects.filter(
        school_id__in=school_ids,
        kind=Incident.Kind.INTOXICATED,
        started_at__gte=period.since,
        started_at__lt=period.until,
    ).aggregate(
        all=Count("pk"),
        done=Count("pk", filter=Q(follow_up__held_at__isnull=False)),
    )
    return totals["done"], totals["all"]
