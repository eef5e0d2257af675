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
from varde.insights.access import insight_schools_for_user, insights_shown
from varde.insights.forms import TrendFilterForm
from varde.insights.report import SMALL_NOTE, csv_rows, trend_report
from varde.insights.selectors import Period, tally_state
from varde.people.models import School
from varde.web.pages import render_page


def _selection(request: HttpRequest, action: str) -> tuple[TrendFilterForm, list[School], Period]:
    """The filter form, and the schools and months it selects; the view of them audited."""
    schools = insight_schools_for_user(request.user)
    form = TrendFilterForm(request.GET or None, schools=schools)
    period = form.period()
    chosen = form.cleaned_data.get("skole") if form.is_bound and form.is_valid() else None
    if request.GET.get("skole") and form.is_bound and "skole" in form.errors:
        # A school outside the user's reach answers like one that does not exist.
        raise Http404
    if chosen is not None:
        schools = [s for s in schools if s.pk == chosen]
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
    return form, schools, period


# The figures and tables as shown, kept in Django's cache for each selection, language and
# generation of the tallies. They are wrong only if a tally changed without the generation
# changing: insights_refresh changes both in one transaction, and nothing else writes tallies.
# A school renamed, or a new release of Varde, shows in them after REPORT_SECONDS at the latest.
REPORT_SECONDS = 600


def _report_html(*, schools: list[School], period: Period) -> tuple[str, dt.datetime | None]:
    refreshed, generation = tally_state()
    key = ":".join(
        [
            "varde.insights.report",
            get_language() or "",
            str(generation),
            period.first_month.isoformat(),
            period.last_month.isoformat(),
            ",".join(str(s.pk) for s in schools),
        ]
    )
    html = cache.get(key)
    if html is None:
        report = trend_report(schools=schools, period=period)
        html = render_to_string("insights/_report.html", {"report": report})
        cache.set(key, html, REPORT_SECONDS)
    return html, refreshed


@login_required
@require_GET
def trends(request: HttpRequest) -> HttpResponse:
    form, schools, period = _selection(request, AuditAction.READ)
    report_html, refreshed = _report_html(schools=schools, period=period)
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
    _form, schools, period = _selection(request, AuditAction.EXPORT)
    report = trend_report(schools=schools, period=period)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"varde-innsikt-{report.period.first_month:%Y-%m}-{report.period.last_month:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerows(csv_rows(report))
    writer.writerow([str(SMALL_NOTE)])
    writer.writerow(
        [_("Periode"), f"{report.period.first_month:%Y-%m}", f"{report.period.last_month:%Y-%m}"]
    )
    return response
