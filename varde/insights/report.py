"""The trend page's content, selected from the publication: the page and the CSV show this.

Every number here is a cell of the publication (varde/insights/suppression.py), or a sum of
cells over whole years or over nodes the same user can select one at a time, or a key figure
worked out from numbers shown in a table beside it. A sum is a number only when every cell in
it is shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from varde.incidents.models import Incident
from varde.insights.publication import (
    CONVERSATIONS,
    DAY_BUCKETS,
    FOLLOW_UPS,
    FOLLOWED_UP,
    INCIDENTS,
    INTOXICATED,
    LEVELS,
    NOT_FOLLOWED_UP,
    NOT_HELD,
    WORRIES,
    band_label,
    days_label,
    kind_label,
    level_label,
)
from varde.insights.selectors import GRADE_BANDS, Period, Published
from varde.insights.selectors import LEVELS as LEVEL_NUMBERS
from varde.insights.suppression import (
    HIDDEN_LABEL,
    SMALL_LABEL,
    THRESHOLD,
    TOTAL,
    WITHHELD_LABEL,
    State,
)

# Chart geometry, in SVG user units (the chart scales with the page).
CHART_WIDTH = 320
LABEL_WIDTH = 120
BAR_SPACE = 150
ROW_HEIGHT = 24


@dataclass(frozen=True)
class Shown:
    """One number as the page may show it: the number, or only its state."""

    value: int | None
    state: State

    @property
    def label(self) -> str:
        if self.state is State.SMALL:
            return SMALL_LABEL
        if self.state is State.HIDDEN:
            return HIDDEN_LABEL
        if self.state is State.WITHHELD:
            return WITHHELD_LABEL
        return str(self.value)

    @property
    def shown(self) -> int | None:
        return self.value if self.state is State.SHOWN else None


ZERO = Shown(0, State.SHOWN)


def total(parts: Sequence[Shown]) -> Shown:
    """The sum of cells, as shown: a number only when every cell is shown. Otherwise the
    label the cells' own labels allow: "x" when one is withheld, "<5" when they add up to at
    most 4 whatever their values, ":" else; one cell not 0 alone is that cell."""
    if any(p.state is State.WITHHELD for p in parts):
        return Shown(None, State.WITHHELD)
    counting = [p for p in parts if p != ZERO]
    if not counting:
        return ZERO
    if all(p.state is State.SHOWN for p in counting):
        return Shown(sum(p.value or 0 for p in counting), State.SHOWN)
    if len(counting) == 1:
        return counting[0]
    if any(p.state is State.HIDDEN for p in counting):
        return Shown(None, State.HIDDEN)
    most = sum(THRESHOLD - 1 if p.state is State.SMALL else p.value or 0 for p in counting)
    return Shown(None, State.SMALL if most < THRESHOLD else State.HIDDEN)


@dataclass(frozen=True)
class Node:
    """A node of the map: a school "s<id>", a municipality "m<id>" or an SLT region "r<id>"."""

    key: str
    name: str


@dataclass(frozen=True)
class Selection:
    """What a page is about: the sum of `parts` (one node, unless a user's schools span
    several), with `rows` the nodes the per-place tables show one row each."""

    parts: tuple[Node, ...]
    rows: tuple[Node, ...]
    row_heading: str


class Reader:
    """Looks up cells of the publication for one selection and period."""

    def __init__(self, published: Published, selection: Selection, period: Period):
        self.published = published
        self.selection = selection
        self.years = period.years()

    def cell(self, family: str, node: str, year: int, month: int, label: str) -> Shown:
        if (family, node, year) in self.published.withheld:
            return Shown(None, State.WITHHELD)
        found = self.published.cells.get((family, node, year, month, label))
        if found is None:
            return ZERO
        return Shown(found[0], State(found[1]))

    def month(self, family: str, month: dt.date, label: str) -> Shown:
        return total(
            [
                self.cell(family, part.key, month.year, month.month, label)
                for part in self.selection.parts
            ]
        )

    def period(self, family: str, nodes: Sequence[Node], label: str) -> Shown:
        return total(
            [self.cell(family, node.key, year, 0, label) for node in nodes for year in self.years]
        )


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    y: int
    width: int
    text_x: int

    @property
    def x(self) -> int:
        """Where the bar starts: right of the labels."""
        return LABEL_WIDTH

    @property
    def text_y(self) -> int:
        return self.y + 16


@dataclass(frozen=True)
class ShownTable:
    key: str
    title: str
    row_heading: str
    columns: list[str]  # the table's columns, then "Sum"
    rows: list[tuple[str, tuple[Shown, ...]]]  # the table's rows, then "Sum"
    withheld: bool

    @property
    def grand_total(self) -> Shown:
        return self.rows[-1][1][-1]

    def bars(self) -> list[Bar]:
        """One bar per row for the row's total, as shown; a hidden total has no bar."""
        inner = self.rows[:-1]
        top = max((entry[-1].shown or 0 for _label, entry in inner), default=0) or 1
        bars = []
        for i, (label, entries) in enumerate(inner):
            last = entries[-1]
            width = round(BAR_SPACE * (last.shown or 0) / top)
            bars.append(Bar(label, last.label, i * ROW_HEIGHT + 4, width, LABEL_WIDTH + width + 6))
        return bars

    @property
    def chart_height(self) -> int:
        return (len(self.rows) - 1) * ROW_HEIGHT + 8

    @property
    def chart_width(self) -> int:
        return CHART_WIDTH


# A column: (family, label, heading).
Column = tuple[str, str, Any]


def _table(
    key: str,
    title: str,
    row_heading: str,
    rows: list[tuple[str, list[Shown]]],
    sum_row: list[Shown],
    columns: list[Column],
) -> ShownTable:
    shown_rows = [(label, tuple(cells)) for label, cells in rows]
    shown_rows.append((_("Sum"), tuple(sum_row)))
    withheld = all(c.state is State.WITHHELD for _label, cells in shown_rows for c in cells)
    return ShownTable(
        key=key,
        title=title,
        row_heading=row_heading,
        columns=[str(heading) for _f, _l, heading in columns],
        rows=shown_rows,
        withheld=withheld,
    )


def _by_month(
    reader: Reader, months: list[dt.date], key: str, title: str, columns: list[Column]
) -> ShownTable:
    """Rows are months, the sum row the period."""
    rows = [
        (_month_label(month), [reader.month(family, month, label) for family, label, _h in columns])
        for month in months
    ]
    parts = reader.selection.parts
    sum_row = [reader.period(family, parts, label) for family, label, _h in columns]
    return _table(key, title, _("Måned"), rows, sum_row, columns)


def _by_place(reader: Reader, key: str, title: str, columns: list[Column]) -> ShownTable:
    """Rows are the selection's places, each over the period; the sum row the selection."""
    selection = reader.selection
    rows = [
        (node.name, [reader.period(family, [node], label) for family, label, _h in columns])
        for node in selection.rows
    ]
    sum_row = [reader.period(family, selection.parts, label) for family, label, _h in columns]
    return _table(key, title, selection.row_heading, rows, sum_row, columns)


def _month_label(month: dt.date) -> str:
    return formats.date_format(month, "F Y")


@dataclass(frozen=True)
class Figure:
    """One number for the whole selection, or why it is not shown."""

    key: str
    title: str
    value: str | None
    basis: str


@dataclass(frozen=True)
class Report:
    period: Period
    selection: Selection
    tables: list[ShownTable]
    figures: list[Figure]


def trend_report(*, selection: Selection, period: Period, published: Published) -> Report:
    reader = Reader(published, selection, period)
    months = period.months()
    every_worry = (WORRIES, TOTAL, gettext_lazy("Sum"))
    worries = _by_month(
        reader,
        months,
        "undringer",
        _("Undringer per måned og trinn"),
        [(WORRIES, band_label(key), label) for key, label, _top in GRADE_BANDS] + [every_worry],
    )
    levels = _by_place(
        reader,
        "nivaa",
        _("Høyeste nivå i Lunnermodellen"),
        [
            (LEVELS, level_label(level), _("Nivå %(level)s") % {"level": level})
            for level in LEVEL_NUMBERS
        ]
        + [every_worry],
    )
    days = _by_place(
        reader,
        "dager",
        _("Dager fra undring til undringssamtale"),
        [(CONVERSATIONS, days_label(key), label) for key, label, _top in DAY_BUCKETS]
        + [(CONVERSATIONS, days_label(NOT_HELD), _("Ikke holdt ennå")), every_worry],
    )
    incidents = _by_month(
        reader,
        months,
        "hendelser",
        _("Akutte hendelser per måned og type"),
        [(INCIDENTS, kind_label(kind.value), kind.label) for kind in Incident.Kind]
        + [(INCIDENTS, TOTAL, gettext_lazy("Sum"))],
    )
    follow_ups = _by_place(
        reader,
        "oppfolging",
        _("Oppfølging neste dag når en elev var ruset"),
        [
            (FOLLOW_UPS, FOLLOWED_UP, _("Fulgt opp")),
            (FOLLOW_UPS, NOT_FOLLOWED_UP, _("Ikke fulgt opp")),
            (INCIDENTS, kind_label(INTOXICATED), gettext_lazy("Sum")),
        ],
    )
    return Report(
        period=period,
        selection=selection,
        tables=[worries, levels, days, incidents, follow_ups],
        figures=[_median_figure(days), _follow_up_figure(follow_ups)],
    )


def _median_figure(days: ShownTable) -> Figure:
    """The days bucket the middle held conversation falls in (the lower middle when there
    are two), worked out from the sum row of the days table beside it: only when every
    bucket there is shown."""
    title = _("Dager fra undring til undringssamtale (median)")
    held = list(days.rows[-1][1][: len(DAY_BUCKETS)])
    if days.withheld or any(cell.shown is None for cell in held):
        return Figure(
            "dager", title, None, _("Vises ikke: for få samtaler i utvalget til å vise medianen.")
        )
    counts = [cell.shown or 0 for cell in held]
    n = sum(counts)
    if not n:
        return Figure("dager", title, None, _("Ingen gjennomførte samtaler i perioden."))
    middle = (n + 1) // 2
    seen = [sum(counts[: i + 1]) for i in range(len(counts))]
    label = next(b[1] for b, upto in zip(DAY_BUCKETS, seen, strict=True) if upto >= middle)
    basis = _("Basert på %(n)s gjennomførte samtaler.") % {"n": n}
    return Figure("dager", title, str(label), basis)


def _follow_up_figure(follow_ups: ShownTable) -> Figure:
    """Done out of all, from the sum row of the follow-up table beside it."""
    title = _("Andel rushendelser der oppfølgingen neste dag er gjort")
    done, _open, everyone = follow_ups.rows[-1][1]
    if follow_ups.withheld or done.shown is None or everyone.shown is None:
        return Figure(
            "oppfolging", title, None, _("Vises ikke: for få hendelser til å vise en andel.")
        )
    if not everyone.shown:
        return Figure("oppfolging", title, None, _("Ingen rushendelser i perioden."))
    value = f"{round(100 * done.shown / everyone.shown)} %"
    basis = _("Av %(n)s hendelser der en elev var ruset.") % {"n": everyone.shown}
    return Figure("oppfolging", title, value, basis)


SMALL_NOTE = gettext_lazy(
    "<5 betyr 1–4. : er skjult slik at små tall ikke kan regnes ut. x betyr at tallene for "
    "skolen ikke vises det året."
)


def csv_rows(report: Report) -> list[list[str]]:
    """The report as CSV rows: exactly the labels shown on the page."""
    rows = [[_("Tabell"), _("Rad"), _("Kolonne"), _("Antall")]]
    for table in report.tables:
        if table.withheld:
            rows.append([table.title, "", "", _("Vises ikke")])
            continue
        for label, entries in table.rows:
            for column, entry in zip(table.columns, entries, strict=True):
                rows.append([table.title, label, column, entry.label])
    for figure in report.figures:
        rows.append([figure.title, "", "", figure.value or _("Vises ikke")])
    return rows
