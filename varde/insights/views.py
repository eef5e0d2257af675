from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from varde.audit.models import AuditAction
from varde.insights.access import insight_schools_for_user, insights_shown
from varde.insights.forms import TrendFilterForm
from varde.insights.report import SMALL_NOTE, Report, csv_rows, trend_report
from varde.web.pages import render_page


def _report(request: HttpRequest, action: str) -> tuple[TrendFilterForm, Report]:
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
    return form, trend_report(schools=schools, period=period)


@login_required
@require_GET
def trends(request: HttpRequest) -> HttpResponse:
    form, report = _report(request, AuditAction.READ)
    query = request.GET.urlencode()
    return render_page(
        request,
        "insights/trends.html",
        {"form": form, "report": report, "note": SMALL_NOTE, "query": query},
        municipality=report.schools[0].municipality,
    )


@login_required
@require_GET
def trends_csv(request: HttpRequest) -> HttpResponse:
    _form, report = _report(request, AuditAction.EXPORT)
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
