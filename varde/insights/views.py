from __future__ import annotations

import csv
import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from varde.audit.models import AuditAction
from varde.insights.access import insight_scope, insights_shown
from varde.insights.forms import TrendFilterForm
from varde.insights.report import SMALL_NOTE, Report, Selection, csv_rows, trend_report
from varde.insights.selectors import Period, published, tally_state
from varde.lib.text import csv_cell
from varde.people.models import School
from varde.web.pages import render_page


def _selection(
    request: HttpRequest, action: str
) -> tuple[TrendFilterForm, Selection, list[School], Period]:
    """The filter form, and the selection and years it chooses; the view of them audited."""
    scope = insight_scope(request.user)
    form = TrendFilterForm(request.GET or None, choices=scope.choices())
    period = form.period()
    choice = form.cleaned_data.get("skole") if form.is_bound and form.is_valid() else ""
    if request.GET.get("skole") and form.is_bound and "skole" in form.errors:
        # A school outside the user's reach answers like one that does not exist.
        raise Http404
    selection, schools = scope.selection(choice or "")
    insights_shown(
        request.user,
        action=action,
        schools=schools,
        detail={
            "from": period.first_month.isoformat(),
            "to": period.last_month.isoformat(),
            "schools": [s.pk for s in schools],
        },
    )
    return form, selection, schools, period


def _report(selection: Selection, period: Period) -> Report:
    return trend_report(
        selection=selection,
        period=period,
        published=published(
            nodes=[node.key for node in selection.parts],
            rows=[node.key for node in selection.rows],
            years=period.years(),
        ),
    )


# The figures and tables as shown, kept in Django's cache for each selection, period, language
# and generation of the publication. They are wrong only if the publication changed without
# the generation changing: insights_refresh changes both in one transaction, and nothing else
# writes the publication. The last month shown is in the key, so a new month shows its row at
# once. A school renamed, or a new release of Varde, shows in them after REPORT_SECONDS at the
# latest.
REPORT_SECONDS = 600


def _report_html(*, selection: Selection, period: Period) -> tuple[str, dt.datetime | None]:
    refreshed, generation = tally_state()
    months = period.months()
    key = ":".join(
        [
            "varde.insights.report",
            get_language() or "",
            str(generation),
            str(period.first_year),
            str(period.last_year),
            months[-1].isoformat() if months else "",
            ",".join(node.key for node in selection.parts),
            ",".join(node.key for node in selection.rows),
        ]
    )
    html = cache.get(key)
    if html is None:
        html = render_to_string("insights/_report.html", {"report": _report(selection, period)})
        cache.set(key, html, REPORT_SECONDS)
    return html, refreshed


@login_required
@require_GET
def trends(request: HttpRequest) -> HttpResponse:
    form, selection, schools, period = _selection(request, AuditAction.READ)
    report_html, refreshed = _report_html(selection=selection, period=period)
    return render_page(
        request,
        "insights/trends.html",
        {
            "form": form,
            "period": period,
            "refreshed_at": refreshed,
            "report_html": report_html,
            "note": SMALL_NOTE,
            "query": request.GET.urlencode(),
        },
        municipality=schools[0].municipality,
    )


@login_required
@require_GET
def trends_csv(request: HttpRequest) -> HttpResponse:
    _form, selection, _schools, period = _selection(request, AuditAction.EXPORT)
    report = _report(selection, period)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"varde-innsikt-{period.first_year}-{period.last_year}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    rows = [
        *csv_rows(report),
        [str(SMALL_NOTE)],
        [_("Periode"), str(period.first_year), str(period.last_year)],
    ]
    # Every cell goes through csv_cell: "<5" is safe, but a school's or a municipality's name
    # could start like a formula.
    writer.writerows([[csv_cell(cell) for cell in row] for row in rows])
    return response
