"""The trend page at scale: working out its publication, and reading it beside the same
figures as one hand-written SQL query over the raw rows.

With the database (PostgreSQL; the SQL is PostgreSQL's), prints the recount and publication
time, the publication's cells by state, then per scope (the largest SLT region or
municipality, the largest municipality, one school) and table: the median of RUNS timings of
the page's read (the publication's cells and the report made of them) and of the SQL, their
ratio, and how many numbers the page shows differ from the SQL's count (must be 0). Last line:
`insights: worst ratio X, differences N`.

    DATABASE_URL=postgres://... VARDE_DATA_DIR=... python bench/insights.py [--refresh]

With --synthetic, no database: the suppression alone, on counts drawn as the data generator
draws them (varde/web/generate.py), for each scale named:

    python bench/insights.py --synthetic school municipality county [national]
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "varde.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from varde.insights import publication, selectors  # noqa: E402
from varde.insights.forms import default_period  # noqa: E402
from varde.insights.models import PublishedCell  # noqa: E402
from varde.insights.report import Node, Selection, trend_report  # noqa: E402
from varde.insights.selectors import GRADE_BANDS, LEVELS, SCHOOL_YEAR_STARTS, Period  # noqa: E402
from varde.insights.services import insights_refresh  # noqa: E402
from varde.insights.suppression import publish  # noqa: E402

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


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def theirs(name: str, params: dict[str, Any]) -> dict[tuple, int]:
    with connection.cursor() as cursor:
        cursor.execute(SQL[name], params)
        rows = cursor.fetchall()
    if name == "follow-ups done":
        done, everyone = rows[0]
        return {("done",): done, ("all",): everyone}
    return {tuple(row[:-1]): row[-1] for row in rows}


def scopes() -> list[tuple[str, Selection, list[int]]]:
    """The largest top of the map, the largest municipality and one school, as the page
    selects them."""
    geography = selectors.geography()
    lineage = publication.lineages(geography)
    by_top: dict[str, list[int]] = {}
    by_municipality: dict[str, list[int]] = {}
    for school, nodes in lineage.items():
        by_top.setdefault(nodes[-1], []).append(school)
        by_municipality.setdefault(nodes[1], []).append(school)
    top = max(by_top, key=lambda n: (len(by_top[n]), n))
    municipality = max(by_municipality, key=lambda n: (len(by_municipality[n]), n))
    one = min(lineage)

    def children(node: str, schools: list[int]) -> tuple[Node, ...]:
        level = 1 if node.startswith("r") else 0
        keys = sorted({lineage[s][level] for s in schools})
        return tuple(Node(k, k) for k in keys)

    return [
        (
            f"top ({len(by_top[top]):,} schools)",
            Selection((Node(top, top),), children(top, by_top[top]), "-"),
            by_top[top],
        ),
        (
            f"one municipality ({len(by_municipality[municipality])} schools)",
            Selection(
                (Node(municipality, municipality),),
                children(municipality, by_municipality[municipality]),
                "-",
            ),
            by_municipality[municipality],
        ),
        (
            "one school",
            Selection((Node(f"s{one}", f"s{one}"),) * 1, (Node(f"s{one}", f"s{one}"),), "-"),
            [one],
        ),
    ]


def page_read(selection: Selection, period: Period):
    return trend_report(
        selection=selection,
        period=period,
        published=selectors.published(
            nodes=[n.key for n in selection.parts],
            rows=[n.key for n in selection.rows],
            years=period.years(),
        ),
    )


def differences(report, sql: dict[str, dict[tuple, int]], period: Period) -> int:
    """Numbers the page shows that are not the SQL's count."""
    worries, levels, _days, incidents, follow_ups = report.tables
    wrong = 0
    months = period.months()
    bands = [key for key, _l, _t in GRADE_BANDS]
    for (_label, cells), month in zip(worries.rows[:-1], months, strict=True):
        for cell, band in zip(cells[:-1], bands, strict=True):
            if cell.shown is not None:
                wrong += cell.shown != sql["worries by month and grade band"].get((month, band), 0)
    kinds = ["intoxicated", "drug_sale"]
    for (_label, cells), month in zip(incidents.rows[:-1], months, strict=True):
        for cell, kind in zip(cells[:-1], kinds, strict=True):
            if cell.shown is not None:
                wrong += cell.shown != sql["incidents by month and kind"].get((month, kind), 0)
    by_level = Counter()
    for (_school, level), n in sql["worries by school and highest level"].items():
        by_level[level] += n
    for cell, level in zip(levels.rows[-1][1][:-1], LEVELS, strict=True):
        if cell.shown is not None:
            wrong += cell.shown != by_level[level]
    done, _open, everyone = follow_ups.rows[-1][1]
    if done.shown is not None:
        wrong += done.shown != sql["follow-ups done"][("done",)]
    if everyone.shown is not None:
        wrong += everyone.shown != sql["follow-ups done"][("all",)]
    return wrong


def main() -> None:
    if "--synthetic" in sys.argv:
        synthetic([a for a in sys.argv[1:] if not a.startswith("--")])
        return
    if connection.vendor != "postgresql":
        raise SystemExit("bench/insights.py: its SQL is PostgreSQL's; set DATABASE_URL")
    if "--refresh" in sys.argv or selectors.refreshed_at() is None:
        recount = insights_refresh()
        print(
            f"insights: tallies recounted and published in {recount.seconds:,.1f} s, "
            f"{recount.written:,} tally rows and {recount.published:,} publication rows written"
        )
    states = Counter(PublishedCell.objects.values_list("state", flat=True).iterator())
    print("publication: " + ", ".join(f"{n:,} {state}" for state, n in sorted(states.items())))
    period = default_period()
    params = {
        "since": period.since,
        "until": period.until,
        "school_year": selectors.school_year(timezone.localdate()),
    }
    print(
        f"period {period.first_year}-{period.last_year}, median of {RUNS} runs\n"
        f"{'scope':<34}{'page ms':>10}{'SQL ms':>10}{'ratio':>8}  differences"
    )
    worst, wrong = 0.0, 0
    for label, selection, school_ids in scopes():
        mine_ms, report = timed(lambda: page_read(selection, period))  # noqa: B023
        sql_ms, sql = timed(
            lambda: {name: theirs(name, {**params, "schools": school_ids}) for name in SQL}  # noqa: B023
        )
        differs = differences(report, sql, period)
        wrong += differs
        ratio = mine_ms / sql_ms if sql_ms else float("inf")
        worst = max(worst, ratio)
        print(f"{label:<34}{mine_ms:>10.1f}{sql_ms:>10.1f}{ratio:>7.2f}x  {differs}")
    print(f"insights: worst ratio {worst:.2f}, differences {wrong}")


# ---------------------------------------------------------------- the suppression alone

# The data generator's scales and its draws (varde/web/generate.py): municipalities,
# schools, pupils, worries over 700 days; school kinds and their grades; levels reached;
# conversations 1-10 days after; one incident a year per 200 pupils.
SCALES = {
    "school": (1, 2, 200, 40),
    "municipality": (1, 20, 10_000, 1_600),
    "county": (25, 220, 50_000, 80_000),
    "national": (356, 2_700, 620_000, 1_000_000),
}
KINDS = ((range(1, 8), 5), (range(8, 11), 2), (range(1, 11), 2), (range(11, 14), 1))


def drawn(scale: str, seed: int = 1, today: dt.date = dt.date(2026, 12, 10)) -> dict[str, Any]:
    municipalities, schools, pupils, cases = SCALES[scale]
    rng = random.Random(seed)
    worries: Counter = Counter()
    conversations: Counter = Counter()
    incidents: dict = {}
    geography = []
    for school in range(schools):
        m = school % municipalities
        # The first municipality, as Lunner in the generator, is in no SLT region.
        geography.append((school, 1000 + m, 1 if m else None))
        grades = rng.choices([k[0] for k in KINDS], weights=[k[1] for k in KINDS])[0]
        for _ in range(cases // schools):
            day = today - dt.timedelta(days=rng.randint(0, 700))
            grade = rng.choice(grades)
            band = next(key for key, _l, top in GRADE_BANDS if grade <= top)
            level = rng.choices(range(4), weights=(40, 30, 20, 10))[0]
            worries[(school, day.replace(day=1), band, level)] += 1
            days = rng.randint(1, 10)
            if day + dt.timedelta(days=days) < today:
                conversations[(school, day.replace(day=1), days)] += 1
        for _ in range(max(1, (pupils // schools) // 200)):
            day = today - dt.timedelta(days=rng.randint(0, 365))
            kind = rng.choice(("intoxicated", "drug_sale"))
            key = (school, day.replace(day=1), kind)
            n, done = incidents.get(key, (0, 0))
            incidents[key] = (n + 1, done + (kind == "intoxicated" and rng.random() < 0.8))
    return {
        "worries": dict(worries),
        "conversations": dict(conversations),
        "incidents": incidents,
        "geography": geography,
    }


def synthetic(scales: list[str]) -> None:
    print(f"{'scale':<14}{'counts':>10}{'seconds':>9}  cells by state")
    for scale in scales:
        cube = publication.cube(**drawn(scale))
        started = time.process_time()
        found = publish(cube)
        seconds = time.process_time() - started
        states = Counter(entry.state.value for entry in found.cells.values())
        tops = {nodes[-1] for nodes in cube.lineage.values()}
        withheld_blocks = len({(f, node, y) for f, node, y in found.withheld if node in tops})
        print(
            f"{scale:<14}{len(cube.counts):>10,}{seconds:>9.1f}  "
            + ", ".join(f"{n:,} {state}" for state, n in sorted(states.items()))
            + f"; {withheld_blocks} families withheld whole in a region's or municipality's year"
        )


if __name__ == "__main__":
    main()
