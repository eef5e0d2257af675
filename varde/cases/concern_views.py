"""The report of concern to the child welfare service: write it from the case, sign it off,
record how it went and what came back."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from varde.audit.models import AuditAction
from varde.cases.access import case_audit, case_for_user
from varde.cases.concern import (
    ConcernRefused,
    concern_approve,
    concern_due_day,
    concern_legal_bases,
    concern_may_record,
    concern_may_sign,
    concern_pdf,
    concern_prefill,
    concern_record_answer,
    concern_record_receipt,
    concern_record_sent,
    concern_write,
)
from varde.cases.forms import (
    ConcernAnswerForm,
    ConcernForm,
    ConcernReceiptForm,
    ConcernSentForm,
)
from varde.cases.models import ConcernReport
from varde.cases.rules import case_rules
from varde.people.access import guardians_for
from varde.web.pages import render_page


@login_required
@require_http_methods(["GET", "POST"])
def concern_new(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_user(request.user, pk, reason=_lazy("Bekymringsmelding"))
    rules = case_rules(municipality_id=case.municipality_id)
    bases = concern_legal_bases(rules)
    form = ConcernForm(request.POST or None, bases=bases, initial=concern_prefill(case))
    refused = ""
    if request.method == "POST" and form.is_valid():
        try:
            report = concern_write(actor=request.user, case=case, **form.cleaned_data)
        except ConcernRefused as exc:
            refused = str(exc)
        else:
            messages.success(
                request, _("Meldingen er lagret. Skolens ledelse må godkjenne den før den sendes.")
            )
            return redirect("cases:concern", pk=case.pk, report_pk=report.pk)
    return render_page(
        request,
        "cases/concern_new.html",
        {
            "case": case,
            "form": form,
            "refused": [refused] if refused else [],
            "guardians": guardians_for(
                request.user, case.pupil, reason="Bekymringsmelding: foresatte"
            ),
            "service": rules.service_name("barnevern"),
        },
    )


STEPS = {
    "approve": None,
    "sent": ConcernSentForm,
    "receipt": ConcernReceiptForm,
    "answer": ConcernAnswerForm,
}


def _report(request: HttpRequest, pk: int, report_pk: int, reason: str) -> ConcernReport:
    case = case_for_user(request.user, pk, reason=reason)
    report = get_object_or_404(
        ConcernReport.objects.select_related("created_by", "approved_by", "sent_by"),
        pk=report_pk,
        case=case,
    )
    report.case = case
    return report


@login_required
@require_http_methods(["GET", "POST"])
def concern(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    report = _report(request, pk, report_pk, _lazy("Bekymringsmelding"))
    case = report.case
    forms: dict[str, Any] = {
        "sent": ConcernSentForm(
            initial={"sent_at": timezone.localtime().strftime("%d.%m.%Y %H:%M")}
        ),
        "receipt": ConcernReceiptForm(),
        "answer": ConcernAnswerForm(),
    }
    refused = ""
    step = request.POST.get("step", "")
    if request.method == "POST" and step in STEPS:
        form = STEPS[step](request.POST) if STEPS[step] else None
        if form is not None:
            forms[step] = form
        if form is None or form.is_valid():
            data = form.cleaned_data if form is not None else {}
            version = int(request.POST.get("version") or 0)
            try:
                if step == "approve":
                    concern_approve(actor=request.user, report=report, version=version)
                elif step == "sent":
                    concern_record_sent(actor=request.user, report=report, version=version, **data)
                elif step == "receipt":
                    concern_record_receipt(
                        actor=request.user, report=report, version=version, **data
                    )
                else:
                    concern_record_answer(
                        actor=request.user, report=report, version=version, **data
                    )
            except ConcernRefused as exc:
                refused = str(exc)
            else:
                messages.success(request, _("Lagret."))
                return redirect("cases:concern", pk=case.pk, report_pk=report.pk)
    rules = case_rules(municipality_id=case.municipality_id)
    basis = rules.legal_basis(report.legal_basis)
    return render_page(
        request,
        "cases/concern.html",
        {
            "case": case,
            "report": report,
            "forms": forms,
            "refused": [refused] if refused else [],
            "may_sign": concern_may_sign(request.user, case),
            "may_record": concern_may_record(request.user, case),
            "due": concern_due_day(report, rules),
            "today": timezone.localdate(),
            "basis": f"{basis.title} ({basis.law})" if basis else report.legal_basis,
            "service": rules.service_name("barnevern"),
        },
    )


@login_required
@require_GET
def concern_document(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    report = _report(request, pk, report_pk, _lazy("Bekymringsmelding lastet ned"))
    case = report.case
    guardians = guardians_for(request.user, case.pupil, reason="Bekymringsmelding: foresatte")
    data = concern_pdf(report=report, guardians=guardians)
    case_audit(
        case,
        actor=request.user,
        reason="Bekymringsmelding lastet ned",
        action=AuditAction.EXPORT,
        detail={"report": report.pk},
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="bekymringsmelding-sak-{case.pk}-{report.pk}.pdf"'
    )
    response["Cache-Control"] = "no-store, private"
    return response
