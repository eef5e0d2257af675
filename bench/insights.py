"""Each aggregation of the trend page, as Varde computes it, beside the same aggregation as one
hand-written SQL query over the raw rows. PostgreSQL only (the SQL is PostgreSQL's).

Prints, per scope (the SLT region, one municipality, one school) and aggregation: the median of
RUNS timings of each, their ratio, and whether both gave the same figures; then the time of
the recount that fills the tallies, and a last line `insights: worst ratio X, differences N`.

    DATABASE_URL=postgres://... VARDE_DATA_DIR=... python bench/insights.py [--refresh]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "varde.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from varde.insights import selectors  # noqa: E402
from varde.insights.forms import default_period  # noqa: E402
from varde.insights.selectors import GRADE_BANDS, LEVELS, SCHOOL_YEAR_STARTS, Period  # noqa: E402
from varde.insights.services import insights_refresh  # noqa: E402
from varde.people.models import School  # noqa: E402

RUNS = int(os.environ.get("RUNS", "7"))
OSLO = "'Europe/Oslo'"
MONTH = f"date_trunc('month', c.opened_at AT TIME ZONE {OSLO})::date"
BANDS = " ".join(f"WHEN g.grade <= {top} THEN '{key}'" for key, _l, top in GRADE_BANDS[:-1])

SQL = {
    "worries by month and grade band": f"""
        SELECT {MONTH} AS month, CASE {BANDS} ELSE '{GRADE_BANDS[-1][0]}' END AS band, count(*)
        FROM cases_case c
        JOIN people_pupil p ON p.id = c.pupil_id
        CROSS JOIN LATERAL (
            SELECT p.grade - (%(school_year)s - (
                extract(year FROM c.opened_at AT TIME ZONE {OSLO})::int
                - CASE WHEN extract(month FROM c.opened_at AT TIME ZONE {OSLO})
                       < {SCHOOL_YEAR_STARTS} THEN 1 ELSE 0 END)) AS grade
        ) g
        WHERE c.school_id = ANY(%(schools)s) AND c.opened_at >= %(since)s
          AND c.opened_at < %(until)s
        GROUP BY 1, 2""",
    "worries by school and highest level": f"""
        SELECT c.school_id, LEAST(GREATEST(c.level, coalesce(d.top, 0)), {LEVELS[-1]}), count(*)
        FROM cases_case c
        LEFT JOIN LATERAL (
            SELECT max(to_level) AS top FROM cases_decision WHERE case_id = c.id
        ) d ON true
        WHERE c.school_id = ANY(%(schools)s) AND c.opened_at >= %(since)s
          AND c.opened_at < %(until)s
        GROUP BY 1, 2""",
    "median days to conversation": f"""
        SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY
            (v.held_at AT TIME ZONE {OSLO})::date - (c.opened_at AT TIME ZONE {OSLO})::date)
        FROM cases_case c
        JOIN cases_conversation v ON v.case_id = c.id
        WHERE v.held_at IS NOT NULL AND c.school_id = ANY(%(schools)s)
          AND c.opened_at >= %(since)s AND c.opened_at < %(until)s""",
    "incidents by month and kind": f"""
        SELECT date_trunc('month', i.started_at AT TIME ZONE {OSLO})::date, i.kind, count(*)
        FROM incidents_incident i
        WHERE i.school_id = ANY(%(schools)s) AND i.started_at >= %(since)s
          AND i.started_at < %(until)s
        GROUP BY 1, 2""",
    "follow-ups done": """
        SELECT count(f.held_at), count(*)
        FROM incidents_incident i
        LEFT JOIN incidents_followup f ON f.incident_id = i.id
        WHERE i.kind = 'intoxicated' AND i.school_id = ANY(%(schools)s)
          AND i.started_at >= %(since)s AND i.started_at < %(until)s""",
}


def ours(name: str, school_ids: list[int], period: Period) -> Any:
    """Varde's figure, shaped like the SQL's rows for comparison."""
    if name == "worries by month and grade band":
        found = selectors.worries_by_month_and_band(school_ids=school_ids, period=period)
        return {key: n for key, n in found.items() if n}
    if name == "worries by school and highest level":
        found = selectors.worries_by_school_and_level(school_ids=school_ids, period=period)
        return {key: n for key, n in found.items() if n}
    if name == "median days to conversation":
        days = selectors.days_to_conversation(school_ids=school_ids, period=period)
        median = days.median()
        return (days.total, None if median is None else float(median))
    if name == "incidents by month and kind":
        found = selectors.incidents_by_month_and_kind(school_ids=school_ids, period=period)
        return {key: n for key, n in found.items() if n}
    return selectors.follow_ups_done(school_ids=school_ids, period=period)


def theirs(name: str, params: dict[str, Any]) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(SQL[name], params)
        rows = cursor.fetchall()
    if name == "median days to conversation":
        n, median = rows[0]
        return (n, None if median is None else float(median))
    if name == "follow-ups done":
        return tuple(rows[0])
    return {tuple(row[:-1]): row[-1] for row in rows}


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def scopes() -> list[tuple[str, list[int]]]:
    schools = list(School.objects.order_by("pk").values_list("pk", "municipality_id"))
    biggest = (
        School.objects.values("municipality_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "municipality_id")
        .first()
    )
    region = [pk for pk, _m in schools]
    municipality = [pk for pk, m in schools if m == biggest["municipality_id"]]
    return [
        (f"SLT region ({len(region):,} schools)", region),
        (f"one municipality ({len(municipality)} schools)", municipality),
        ("one school", region[:1]),
    ]


def main() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("bench/insights.py: its SQL is PostgreSQL's; set DATABASE_URL")
    if "--refresh" in sys.argv or selectors.refreshed_at() is None:
        recount = insights_refresh()
        print(
            f"insights: tallies recounted from the raw rows in {recount.seconds:,.1f} s, "
            f"{recount.written:,} rows written"
        )
    period = default_period()
    params = {
        "since": period.since,
        "until": period.until,
        "school_year": selectors.school_year(timezone.localdate()),
    }
    print(
        f"period {period.first_month:%Y-%m}..{period.last_month:%Y-%m}, median of {RUNS} runs\n"
        f"{'scope':<34}{'aggregation':<38}{'Varde ms':>10}{'SQL ms':>10}{'ratio':>8}  same"
    )
    worst, differences = 0.0, 0
    for label, school_ids in scopes():
        for name in SQL:
            mine_ms, mine = timed(lambda: ours(name, school_ids, period))  # noqa: B023
            sql_ms, sql = timed(lambda: theirs(name, {**params, "schools": school_ids}))  # noqa: B023
            same = _normalised(mine) == _normalised(sql)
            differences += not same
            ratio = mine_ms / sql_ms if sql_ms else float("inf")
            worst = max(worst, ratio)
            print(
                f"{label:<34}{name:<38}{mine_ms:>10.1f}{sql_ms:>10.1f}{ratio:>7.2f}x  "
                f"{'yes' if same else 'NO'}"
            )
    print(f"insights: worst ratio {worst:.2f}, differences {differences}")


def _normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {tuple(k) if isinstance(k, tuple) else k: int(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(float(v) if isinstance(v, Decimal) else v for v in value)
    return value


if __name__ == "__main__":
    main()
