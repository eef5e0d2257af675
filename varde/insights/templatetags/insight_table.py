"""The trend tables' rows and bars, written in Python: one table is up to a few hundred cells,
and Django's template loop (or format_html per cell) costs about as much per cell as the rest of
the page. Every value is escaped here with the same function Django's escape uses."""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from varde.insights.report import LABEL_WIDTH, ShownTable

register = template.Library()

# Long school names are cut in the chart; the table under it has them in full.
CHART_LABEL_CHARS = 18


def _chart_label(label: str) -> str:
    # Truncator looks up its ellipsis in the translations on every call; most labels (months)
    # are short enough not to need it.
    return label if len(label) <= CHART_LABEL_CHARS else Truncator(label).chars(CHART_LABEL_CHARS)


@register.simple_tag
def insight_bars(table: ShownTable) -> SafeString:
    made = []
    for bar in table.bars():
        label = escape(_chart_label(bar.label))
        rect = (
            f'<rect class="insight-chart__bar" x="{LABEL_WIDTH}" y="{bar.y}"'
            f' width="{bar.width}" height="16"></rect>'
            if bar.width
            else ""
        )
        made.append(
            f'<g><text class="insight-chart__label" x="0" y="{bar.text_y}">{label}</text>{rect}'
            f'<text class="insight-chart__value" x="{bar.text_x}" y="{bar.text_y}">'
            f"{escape(bar.text)}</text></g>"
        )
    return mark_safe("\n  ".join(made))  # noqa: S308 - every value above is escaped


@register.simple_tag
def insight_rows(table: ShownTable) -> SafeString:
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<tr><th scope="row">{escape(str(label))}</th>'
            + "".join(f"<td>{escape(str(entry.label))}</td>" for entry in entries)
            + "</tr>"
            for label, entries in table.rows
        )
    )
