"""The trend page's content, already made safe: the page and the CSV both show exactly this."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from varde.incidents.models import Incident
from varde.insights import selectors
from varde.insights.selectors import GRADE_BANDS, LEVELS, Period
from varde.insights.suppression import THRESHOLD, Entry, protect
from varde.people.models import School

# Chart geometry, in SVG user units (the chart scales with the page).
CHART_WIDTH = 320
LABEL_WIDTH = 120
BAR_SPACE = 150
ROW_HEIGHT = 24


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
    rows: list[tuple[str, tuple[Entry, ...]]]  # the table's rows, then "Sum"
    withheld: bool

    @property
    def grand_total(self) -> Entry:
        return self.rows[-1][1][-1]

    def bars(self) -> list[Bar]:
        """One bar per row for the row's total, as shown; a hidden total has no bar."""
        inner = self.rows[:-1]
        top = max((entry[-1].shown or 0 for _label, entry in inner), default=0) or 1
        bars = []
        for i, (label, entries) in enumerate(inner):
            total = entries[-1]
            width = round(BAR_SPACE * (total.shown or 0) / top)
            bars.append(Bar(label, total.label, i * ROW_HEIGHT + 4, width, LABEL_WIDTH + width + 6))
        return bars

    @property
    def chart_height(self) -> int:
        return (len(self.rows) - 1) * ROW_HEIGHT + 8

    @property
    def chart_width(self) -> int:
        return CHART_WIDTH


def _table(
    key: str,
    title: str,
    row_heading: str,
    rows: list[tuple[str, Any]],
    columns: list[tuple[str, Any]],
    counts: dict[tuple[Any, Any], int],
) -> ShownTable:
    values = [[counts.get((r, c), 0) for c, _label in columns] for r, _label in rows]
    protected = protect(values)
    labels = [str(label) for _key, label in rows] + [_("Sum")]
    return ShownTable(
        key=key,
        title=title,
        row_heading=row_heading,
        columns=[str(label) for _key, label in columns] + [_("Sum")],
        rows=list(zip(labels, protected.entries, strict=True)),
        withheld=protected.withheld,
    )


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
    schools: list[School]
    tables: list[ShownTable]
    figures: list[Figure]


def trend_report(*, schools: list[School], period: Period) -> Report:
    school_ids = [s.pk for s in schools]
    months = [(m, _month_label(m)) for m in period.months()]
    bands = [(key, label) for key, label, _top in GRADE_BANDS]
    worries = _table(
        "undringer",
        _("Undringer per måned og trinn"),
        _("Måned"),
        months,
        bands,
        selectors.worries_by_month_and_band(school_ids=school_ids, period=period),
    )
    levels = _table(
        "nivaa",
        _("Høyeste nivå i Lunnermodellen per skole"),
        _("Skole"),
        [(s.pk, s.name) for s in schools],
        [(level, _("Nivå %(level)s") % {"level": level}) for level in LEVELS],
        selectors.worries_by_school_and_level(school_ids=school_ids, period=period),
    )
    incidents = _table(
        "hendelser",
        _("Akutte hendelser per måned og type"),
        _("Måned"),
        months,
        [(kind.value, kind.label) for kind in Incident.Kind],
        selectors.incidents_by_month_and_kind(school_ids=school_ids, period=period),
    )
    figures = [
        _median_figure(selectors.days_to_conversation(school_ids=school_ids, period=period)),
        _follow_up_figure(
            *selectors.follow_ups_done(school_ids=school_ids, period=period), incidents
        ),
    ]
    return Report(
        period=period,
        schools=schools,
        tables=[worries, levels, incidents],
        figures=figures,
    )


def _median_figure(days: selectors.DayCounts) -> Figure:
    title = _("Dager fra undring til undringssamtale (median)")
    median = days.median()
    if days.total < THRESHOLD or median is None:
        return Figure("dager", title, None, _("Vises ikke: færre enn 5 samtaler i utvalget."))
    value = formats.number_format(median, decimal_pos=0 if median == int(median) else 1)
    basis = _("Basert på %(n)s gjennomførte samtaler.") % {"n": days.total}
    return Figure("dager", title, value, basis)


def _follow_up_figure(done: int, total: int, incidents: ShownTable) -> Figure:
    title = _("Andel rushendelser der oppfølgingen neste dag er gjort")
    column = incidents.columns.index(str(Incident.Kind.INTOXICATED.label))
    shown_total = incidents.rows[-1][1][column].shown
    small = [n for n in (done, total - done) if 0 < n < THRESHOLD]
    if incidents.withheld or shown_total is None or shown_total != total or small:
        return Figure(
            "oppfolging", title, None, _("Vises ikke: for få hendelser til å vise en andel.")
        )
    if total == 0:
        return Figure("oppfolging", title, None, _("Ingen rushendelser i perioden."))
    value = f"{round(100 * done / total)} %"
    basis = _("Av %(n)s hendelser der en elev var ruset.") % {"n": total}
    return Figure("oppfolging", title, value, basis)


SMALL_NOTE = gettext_lazy("<5 betyr 1–4. : er skjult slik at små tall ikke kan regnes ut.")


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
