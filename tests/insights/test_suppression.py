"""No combination of requests a user can make reveals a hidden number.

The reader here is an insider with the trend page's filters: they ask for every selection
they may (all their schools, each whole municipality, each school) and every period (each
year alone, and both years), read every table and key figure of the page and the CSV, and
know how the numbers hang together. The test draws small datasets, collects every number
such a user can obtain, and checks with its own model of what the reader knows:

- every number shown is true, no count from 1 to 4 is shown as a number, and "<5", ":" and
  "x" say what they promise;
- linear differencing: no hidden number (one that is not 0) is a linear combination of the
  shown numbers and the known relations (exact rational Gaussian elimination). A number over
  two years hides what its years hide on their own: a year shown as a number there is known,
  and a year withheld at 0 hides 0;
- beyond linear: for every hidden number, a second dataset exists that shows exactly the
  same to this user, with every count whole and not negative, and a different value there.
  The suppression offers a witness for each hidden cell; this test applies it to its own
  model of the data and checks everything the user sees against it, so a wrong witness fails.

What the reader knows, modelled here apart from the code: each worry has a grade band, a
highest level and a conversation status (held after so many days, or not held); each
incident a kind and, when a pupil was intoxicated, whether the follow-up was held. The page
shows worries by band per month, and by level and by conversation status per year, so the
reader's unknowns are those three counts per school (by month, by year, by year) and
nothing ties them together but their totals per school and year: any three lists with equal
totals are the margins of some set of worries. The same holds for the incidents by kind per
month and the follow-ups per year.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from fractions import Fraction

import pytest
import time_machine
from django.utils import formats, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.proofs.plugin import scale
from varde.incidents.models import Incident
from varde.insights import publication as pub
from varde.insights.access import InsightScope
from varde.insights.report import csv_rows, trend_report
from varde.insights.selectors import GRADE_BANDS, LEVELS, Period, Published
from varde.insights.suppression import THRESHOLD
from varde.people.models import Municipality, School, SltRegion

from .conftest import TODAY

# Plain Python: the database under the test does not matter.
pytestmark = pytest.mark.any_database

YEARS = (2025, 2026)
# The months the data falls in; the page shows every month of the years, the rest as 0.
MONTHS = tuple(dt.date(year, month, 1) for year in YEARS for month in (3, 10))
EVERY_MONTH = tuple(dt.date(year, month, 1) for year in YEARS for month in range(1, 13))
BANDS = ("5-7", "8-10")
BUCKETS = ("0-3", "4-7", "8-14", "15+")
KINDS = ("intoxicated", "drug_sale")

WORRIES = "Undringer per måned og trinn"
LEVEL_TABLE = "Høyeste nivå i Lunnermodellen"
DAYS = "Dager fra undring til undringssamtale"
INCIDENTS = "Akutte hendelser per måned og type"
FOLLOW_UPS = "Oppfølging neste dag når en elev var ruset"
MEDIAN = "Dager fra undring til undringssamtale (median)"
SHARE = "Andel rushendelser der oppfølgingen neste dag er gjort"


def bucket_of(days: int) -> str:
    """Days to the conversation as the page groups them (the plan's deadline is 7)."""
    if days <= 3:
        return "0-3"
    if days <= 7:
        return "4-7"
    return "8-14" if days <= 14 else "15+"


# ---------------------------------------------------------------- the world and its data


class World:
    """One SLT region of one or two municipalities of one or two schools, with tallies."""

    def __init__(self, shape: list[int], worries, conversations, incidents):
        self.region = SltRegion(pk=1, name="Regionen")
        self.municipalities = [
            Municipality(pk=10 + i, name=f"Kommune {'AB'[i]}", slt_region=self.region)
            for i in range(len(shape))
        ]
        self.schools = []
        for i, count in enumerate(shape):
            for j in range(count):
                pk = 100 + 10 * i + j
                self.schools.append(
                    School(pk=pk, name=f"Skole {pk}", municipality=self.municipalities[i])
                )
        self.worries, self.conversations, self.incidents = worries, conversations, incidents

    def geography(self) -> list[tuple[int, int, int | None]]:
        return [(s.pk, s.municipality.pk, 1) for s in self.schools]

    def truth(self) -> Counter:
        """The reader's unknowns, with their true values (see the module's description)."""
        x: Counter = Counter()
        held: Counter = Counter()
        for (school, month, band, level), n in self.worries.items():
            x[("W", school, month, band)] += n
            x[("L", school, month.year, level)] += n
            x[("C", school, month.year, "none")] += n
        for (school, month, days), n in self.conversations.items():
            x[("C", school, month.year, bucket_of(days))] += n
            held[(school, month.year)] += n
        for (school, year), n in held.items():
            x[("C", school, year, "none")] -= n
        for (school, month, kind), (n, done) in self.incidents.items():
            x[("I", school, month, kind)] += n
            if kind == "intoxicated":
                x[("F", school, month.year, "done")] += done
                x[("F", school, month.year, "open")] += n - done
        return x

    def unknowns(self) -> list[tuple]:
        found = []
        for school in self.schools:
            s = school.pk
            found += [("W", s, m, b) for m in EVERY_MONTH for b in BANDS]
            found += [("I", s, m, k) for m in EVERY_MONTH for k in KINDS]
            for year in YEARS:
                found += [("L", s, year, level) for level in LEVELS]
                found += [("C", s, year, b) for b in (*BUCKETS, "none")]
                found += [("F", s, year, f) for f in ("done", "open")]
        return found

    def relations(self) -> list[dict[tuple, int]]:
        """What the reader knows always adds up: per school and year, the worries by band,
        by level and by conversation status have one total; the intoxicated incidents and
        the follow-ups another."""
        found = []
        for school in self.schools:
            s = school.pk
            for year in YEARS:
                months = [m for m in EVERY_MONTH if m.year == year]
                bands = {("W", s, m, b): 1 for m in months for b in BANDS}
                found.append({**bands, **{("L", s, year, lv): -1 for lv in LEVELS}})
                found.append({**bands, **{("C", s, year, b): -1 for b in (*BUCKETS, "none")}})
                found.append(
                    {
                        **{("I", s, m, "intoxicated"): 1 for m in months},
                        **{("F", s, year, f): -1 for f in ("done", "open")},
                    }
                )
        return found

    def valid(self, x: Counter) -> bool:
        if any(n < 0 for n in x.values()):
            return False
        return all(sum(c * x[k] for k, c in r.items()) == 0 for r in self.relations())


counts = st.one_of(st.integers(0, 4), st.integers(1, 4), st.integers(0, 12))


@st.composite
def worlds(draw) -> World:
    shape = draw(st.sampled_from([[1, 1], [2, 1], [2, 2], [3], [2], [1, 2]]))
    pks = []
    for i, n in enumerate(shape):
        pks += [100 + 10 * i + j for j in range(n)]
    worries, conversations, incidents = {}, {}, {}
    for s in pks:
        for month in MONTHS:
            total = 0
            for band in BANDS:
                for level in draw(st.sampled_from([(0,), (0, 2), (1, 3)])):
                    n = draw(counts)
                    if n:
                        worries[(s, month, band, level)] = n
                        total += n
            held_early = draw(st.integers(0, total))
            held_late = draw(st.integers(0, total - held_early))
            if held_early:
                conversations[(s, month, 2)] = held_early
            if held_late:
                conversations[(s, month, 9)] = held_late
            for kind in KINDS:
                n = draw(counts)
                if n:
                    done = draw(st.integers(0, n)) if kind == "intoxicated" else 0
                    incidents[(s, month, kind)] = (n, done)
    return World(shape, worries, conversations, incidents)


# ---------------------------------------------------------------- what a user can obtain


def published_from(rows: list[pub.Row], withheld) -> Published:
    """The publication as the page reads it (varde.insights.selectors.published), whole."""
    return Published(
        cells={(r.family, r.node, r.year, r.month, r.label): (r.shown, r.state) for r in rows},
        withheld=frozenset(withheld),
    )


def requests(world: World, user: str) -> list[tuple[InsightScope, str, Period]]:
    """Every request `user` can make: each selection, each year, and both years."""
    if user == "slt":
        scope = InsightScope(
            world.schools, frozenset({1}), frozenset(m.pk for m in world.municipalities)
        )
    elif user == "admin":
        first = world.municipalities[0]
        schools = [s for s in world.schools if s.municipality == first]
        scope = InsightScope(schools, frozenset(), frozenset({first.pk}))
    else:
        scope = InsightScope(world.schools[:2], frozenset(), frozenset())
    periods = [Period(y, y) for y in YEARS] + [Period(YEARS[0], YEARS[-1])]
    return [(scope, choice, period) for choice, _label in scope.choices() for period in periods]


class Item:
    """One number shown: what it counts (the reader's unknowns it adds up) and its label,
    and whether it is one published cell (one place, one month or one year)."""

    def __init__(self, keys: frozenset, label: str, single: bool, where: str):
        self.keys, self.label, self.single, self.where = keys, label, single, where

    def value(self, x: Counter) -> int:
        return sum(x[k] for k in self.keys)

    def fits(self, x: Counter) -> bool:
        """Would the reader accept `x` as the data behind this label?"""
        v = self.value(x)
        if self.label == "<5":
            return 1 <= v < THRESHOLD
        if self.label == ":":
            return v >= (THRESHOLD if self.single else 1)
        if self.label == "x":
            return v >= 0
        return v == int(self.label)


def read(world: World, scope: InsightScope, choice: str, period: Period, rows) -> list[Item]:
    """Every number in the CSV of one request, with what it counts."""
    selection, schools = scope.selection(choice)
    names = {s.name: [s.pk] for s in scope.schools}
    names |= {
        m.name: [s.pk for s in world.schools if s.municipality == m] for m in world.municipalities
    }
    names[world.region.name] = [s.pk for s in world.schools]
    chosen = [s.pk for s in schools]
    months = {formats.date_format(m, "F Y"): m for m in EVERY_MONTH if m.year in period.years()}
    years = period.years()
    bands = {str(label): key for key, label, _top in GRADE_BANDS}
    buckets = {str(label): key for key, label, _top in pub.DAY_BUCKETS} | {
        "Ikke holdt ennå": "none"
    }
    kinds = {str(k.label): k.value for k in Incident.Kind}
    one_part = len(selection.parts) == 1
    items = []
    tables: dict[str, dict[tuple[str, str], str]] = {}
    for title, row, column, label in rows[1:]:
        if row:
            tables.setdefault(title, {})[(row, column)] = label
    for title, cells in tables.items():
        for (row, column), label in cells.items():
            where = f"{choice or 'alle'} {years} {title} / {row} / {column}"
            if title in (WORRIES, INCIDENTS):
                in_months = [months[row]] if row != "Sum" else [m for m in months.values()]
                place = chosen
                single = one_part and (row != "Sum" or len(years) == 1)
            else:
                place = chosen if row == "Sum" else names[row]
                single = (row != "Sum" or one_part) and len(years) == 1
                in_months = [m for m in EVERY_MONTH if m.year in years]
            if title == WORRIES:
                wanted = [bands[column]] if column != "Sum" else list(BANDS)
                keys = {("W", s, m, b) for s in place for m in in_months for b in wanted}
            elif title == INCIDENTS:
                wanted = [kinds[column]] if column != "Sum" else list(KINDS)
                keys = {("I", s, m, k) for s in place for m in in_months for k in wanted}
            elif column == "Sum" and title in (LEVEL_TABLE, DAYS):
                keys = {("W", s, m, b) for s in place for m in in_months for b in BANDS}
            elif column == "Sum":
                keys = {("I", s, m, "intoxicated") for s in place for m in in_months}
            elif title == LEVEL_TABLE:
                level = int(column.removeprefix("Nivå "))
                keys = {("L", s, y, level) for s in place for y in years}
            elif title == DAYS:
                keys = {("C", s, y, buckets[column]) for s in place for y in years}
            else:
                status = {"Fulgt opp": "done", "Ikke fulgt opp": "open"}[column]
                keys = {("F", s, y, status) for s in place for y in years}
            items.append(Item(frozenset(keys), label, single, where))
    check_figures(rows, tables)
    return items


def check_figures(rows, tables) -> None:
    """A key figure is shown only when the numbers it comes from are shown beside it, and
    then it is what they give: it tells the reader nothing more."""
    figures = {row[0]: row[3] for row in rows if not row[1] and row[0] in (MEDIAN, SHARE)}
    if figures.get(SHARE, "Vises ikke") != "Vises ikke":
        done = int(tables[FOLLOW_UPS][("Sum", "Fulgt opp")])
        everyone = int(tables[FOLLOW_UPS][("Sum", "Sum")])
        assert figures[SHARE] == f"{round(100 * done / everyone)} %"
    if figures.get(MEDIAN, "Vises ikke") != "Vises ikke":
        held = [
            (str(label), int(tables[DAYS][("Sum", str(label))]))
            for _key, label, _top in pub.DAY_BUCKETS
        ]
        n, seen = sum(c for _l, c in held), 0
        for label, c in held:
            seen += c
            if seen >= (n + 1) // 2:
                assert figures[MEDIAN] == label
                break


# ---------------------------------------------------------------- exact linear algebra


class Span:
    """The row space of sparse rational vectors, kept fully reduced: every pivot appears in
    its own row only, so one pass reduces a vector to zero exactly when it is in the span."""

    def __init__(self) -> None:
        self.rows: dict[object, dict[object, Fraction]] = {}

    def reduce(self, vector: dict) -> dict:
        v = {k: Fraction(c) for k, c in vector.items() if c}
        for pivot in [k for k in v if k in self.rows]:
            factor = v.get(pivot)
            if factor:
                for k, c in self.rows[pivot].items():
                    v[k] = v.get(k, 0) - factor * c
                    if not v[k]:
                        del v[k]
        return v

    def add(self, vector: dict) -> None:
        v = self.reduce(vector)
        if not v:
            return
        pivot = min(v, key=repr)
        scale_by = v[pivot]
        v = {k: c / scale_by for k, c in v.items()}
        for row in self.rows.values():
            factor = row.get(pivot)
            if factor:
                for k, c in v.items():
                    row[k] = row.get(k, 0) - factor * c
                    if not row[k]:
                        del row[k]
        self.rows[pivot] = v

    def holds(self, vector: dict) -> bool:
        return not self.reduce(vector)


def test_the_span_finds_a_difference_and_misses_what_is_not_one():
    span = Span()
    span.add({"a": 1, "b": 1, "c": 1})  # a total
    span.add({"a": 1, "b": 1})  # one school, filtered
    assert span.holds({"c": 1})  # the other school: the total minus the filtered view
    assert not span.holds({"a": 1})


# ---------------------------------------------------------------- the check


def obtainable(world: World, user: str):
    publication = pub.build(
        worries=world.worries,
        conversations=world.conversations,
        incidents=world.incidents,
        geography=world.geography(),
    )
    published = published_from(pub.rows(publication), publication.withheld)
    items, reports = [], 0
    for scope, choice, period in requests(world, user):
        report = trend_report(
            selection=scope.selection(choice)[0], period=period, published=published
        )
        items += read(world, scope, choice, period, csv_rows(report))
        reports += 1
    return publication, items, reports


def parts_of(world: World, user: str) -> list[set[int]]:
    """The schools of each place a user's "all schools" adds up (see `requests`)."""
    if user == "leadership":
        return [{s.pk} for s in world.schools[:2]]
    return []


def witness_dataset(world: World, x: Counter, move) -> Counter:
    """A witness of the suppression, as a change to this test's own unknowns."""
    names = {"worries": "W", "levels": "L", "conversations": "C", "incidents": "I"}
    changed = Counter(x)
    for (family, school, time, fine), d in move:
        if family == "follow_ups":
            changed[("F", school, time, "done" if fine else "open")] += d
        else:
            changed[(names[family], school, time, fine)] += d
    return changed


def revealed(world: World, publication, items: list[Item], parts: list[set[int]] = ()) -> list[str]:
    """The hidden numbers this user can work out, with how (empty when none). `parts`: the
    schools of each place the user's "all schools" adds up, when there are several."""
    x = world.truth()
    problems = []
    for item in items:
        if not item.fits(x):
            problems.append(f"untrue: {item.where} shows {item.label}, is {item.value(x)}")
        if item.label.isdigit() and 0 < int(item.label) < THRESHOLD:
            problems.append(f"a small count shown: {item.where}")
    shown = [i for i in items if i.label.isdigit()]
    # What a label hides: the number, or for a number over several years, its years that are
    # not shown as numbers on their own (a year withheld at 0 beside a year shown hides 0).
    shown_keys = {i.keys for i in shown}
    hidden = {
        i.keys: i
        for i in items
        if not i.label.isdigit() and sum(x[k] for k in hidden_part(i.keys, shown_keys)) > 0
    }
    # Linear differencing: shown numbers, the relations, and unknowns pinned to 0 by a shown 0
    # (counts are never negative, so a sum of 0 is 0 everywhere).
    span = Span()
    zero = {k for i in shown if i.label == "0" for k in i.keys}
    for k in zero:
        span.add({k: 1})
    for relation in world.relations():
        span.add(relation)
    for item in shown:
        span.add({k: 1 for k in item.keys})
    for keys, item in hidden.items():
        if span.holds({k: 1 for k in keys}):
            problems.append(f"worked out by differencing: {item.where} ({item.label})")
    # Beyond linear: a second dataset that shows this user the same, for each hidden number.
    singles = [i for i in items if i.single]
    unshaken = dict(hidden)
    for move in set(publication.witnesses.values()):
        # The witness, and its part at each of the places this user selects as a whole: the
        # user sees no number that spans two of them, and every relation is one school's.
        variants = [move] + [
            tuple(change for change in move if change[0][1] in schools) for schools in parts
        ]
        for variant in variants:
            other = witness_dataset(world, x, variant)
            if not world.valid(other) or not all(i.fits(other) for i in singles):
                continue
            for keys in [k for k, i in unshaken.items() if i.value(other) != i.value(x)]:
                del unshaken[keys]
    # Where the suppression offers none (a year withheld whole): one record more or less.
    for keys, item in list(unshaken.items()):
        for other in records_changed(world, x, keys):
            if all(i.fits(other) for i in singles) and item.value(other) != item.value(x):
                del unshaken[keys]
                break
    problems += [f"no second dataset fits: {i.where} ({i.label})" for i in unshaken.values()]
    return problems


def hidden_part(keys: frozenset, shown_keys: set[frozenset]) -> frozenset:
    """The part of a number that its label hides. A number over several years adds the same
    number of each year, which the user can ask for alone: the years shown there as numbers
    are known, and the label hides the rest."""
    by_year: dict[int, set] = {}
    for key in keys:
        time = key[2]
        by_year.setdefault(time if isinstance(time, int) else time.year, set()).add(key)
    if len(by_year) == 1:
        return keys
    return frozenset(
        k for part in by_year.values() if frozenset(part) not in shown_keys for k in part
    )


def records_changed(world: World, x: Counter, keys: frozenset):
    """Datasets with one record more, or one fewer, counted in `keys`: a worry (with a band,
    a level and a conversation status) or an incident (with a follow-up if a pupil was
    intoxicated)."""
    for key in sorted(keys, key=repr):
        kind, school, time, what = key
        year = time if isinstance(time, int) else time.year
        months = [m for m in EVERY_MONTH if m.year == year]
        if kind in ("W", "L", "C"):
            records = [
                {("W", school, m, b): 1, ("L", school, year, lv): 1, ("C", school, year, c): 1}
                for m in (months if kind != "W" else [time])
                for b in (BANDS if kind != "W" else [what])
                for lv in (LEVELS if kind != "L" else [what])
                for c in ((*BUCKETS, "none") if kind != "C" else [what])
            ]
        else:
            kinds = KINDS if kind == "F" else [what]
            records = [
                {
                    ("I", school, m, k): 1,
                    **({("F", school, year, f): 1} if k == "intoxicated" else {}),
                }
                for m in (months if kind == "F" else [time])
                for k in kinds
                for f in (("done", "open") if kind != "F" else [what])
            ]
        for record in records:
            for sign in (1, -1):
                other = Counter(x)
                for k, d in record.items():
                    other[k] += sign * d
                if world.valid(other):
                    yield other


@pytest.mark.proof("Statistics cannot be subtracted")
@settings(
    max_examples=scale(40, 400),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(world=worlds(), user=st.sampled_from(["slt", "admin", "leadership"]))
def test_no_hidden_number_can_be_worked_out_from_every_request_a_user_can_make(
    world, user, proof_figures
):
    with time_machine.travel(TODAY, tick=False), translation.override("nb"):
        publication, items, reports = obtainable(world, user)
        problems = revealed(world, publication, items, parts_of(world, user))
    proof_figures.add(
        inputs=1,
        requests=2 * reports,  # each report is the page and its CSV
        checked=sum(1 for i in items if not i.label.isdigit()),
        lost=len(problems),
    )
    assert problems == []


def the_subtraction_world() -> World:
    """Two schools of one municipality in March 2025: seven worries at one, two at the
    other, all in 8.-10. trinn and at level 0."""
    march = dt.date(2025, 3, 1)
    return World(
        [2],
        {(100, march, "8-10", 0): 7, (101, march, "8-10", 0): 2},
        {},
        {},
    )


def test_filtering_to_one_school_and_subtracting_from_the_total_gives_nothing_away():
    world = the_subtraction_world()
    with time_machine.travel(TODAY, tick=False), translation.override("nb"):
        publication, items, _reports = obtainable(world, "slt")
        # The shape of the attack: the total of all schools minus the one school filtered.
        everyone = {i.where.split(" ", 2)[2]: i for i in items if i.where.startswith("alle [2025]")}
        one = {i.where.split(" ", 2)[2]: i for i in items if i.where.startswith("100 [2025]")}
        differences = [
            int(everyone[k].label) - int(one[k].label)
            for k in everyone.keys() & one.keys()
            if everyone[k].label.isdigit() and one[k].label.isdigit()
        ]
        assert 2 not in differences
        assert revealed(world, publication, items) == []


def test_the_check_catches_a_page_that_shows_what_it_should_hide():
    """The checker itself can fail: with every cell shown as it is, the two is there."""
    world = the_subtraction_world()
    with time_machine.travel(TODAY, tick=False), translation.override("nb"):
        publication, items, _reports = obtainable(world, "slt")
        x = world.truth()
        naive = [Item(i.keys, str(i.value(x)), i.single, i.where) for i in items]
        assert any("a small count shown" in p for p in revealed(world, publication, naive))
        # Hide every small count but nothing else: the differences give them away.
        hidden_small = [
            Item(i.keys, "<5" if 0 < i.value(x) < THRESHOLD else str(i.value(x)), i.single, i.where)
            for i in items
        ]
        assert any("differencing" in p for p in revealed(world, publication, hidden_small))


def test_a_year_withheld_at_zero_hides_nothing_in_the_sum_over_both_years():
    """Kommune B (one school) shows 5 worries at level 0 in 2025; in 2026 its numbers are
    withheld, and at level 0 they are 0, which the region's numbers give away (a 0 is not a
    hidden number). Over both years the cell is "x", and the reader knows it is 5: nothing
    that was hidden. A two-year number shown where a year is withheld would be a leak."""
    oct25, mar26, oct26 = dt.date(2025, 10, 1), dt.date(2026, 3, 1), dt.date(2026, 10, 1)
    world = World(
        [1, 1],
        {
            (100, oct25, "5-7", 0): 2,
            (100, oct25, "8-10", 1): 2,
            (100, oct25, "8-10", 3): 1,
            (100, mar26, "5-7", 0): 3,
            (100, mar26, "5-7", 2): 1,
            (100, oct26, "8-10", 0): 1,
            (110, oct25, "5-7", 0): 2,
            (110, oct25, "8-10", 0): 3,
            (110, oct26, "5-7", 1): 4,
            (110, oct26, "5-7", 3): 2,
        },
        {(110, oct26, 9): 5},
        {},
    )
    with time_machine.travel(TODAY, tick=False), translation.override("nb"):
        publication, items, _reports = obtainable(world, "slt")
    where = "Høyeste nivå i Lunnermodellen / Kommune B"
    labels = {i.where: i.label for i in items if i.where.startswith("alle")}
    assert labels[f"alle [2025] {where} / Nivå 0"] == "5"
    assert labels[f"alle [2026] {where} / Nivå 0"] == "x"
    assert labels[f"alle [2025, 2026] {where} / Nivå 0"] == "x"
    assert revealed(world, publication, items) == []
    # Level 1: 0 in 2025 and withheld (4) in 2026. Shown over both years, the 4 is out.
    both = f"alle [2025, 2026] {where} / Nivå 1"
    assert labels[f"alle [2025] {where} / Nivå 1"] == "0"
    leaking = [Item(i.keys, "4", i.single, i.where) if i.where == both else i for i in items]
    assert any(both in p for p in revealed(world, publication, leaking))
