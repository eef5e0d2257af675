from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from varde.cases.access import case_for_user, cases_shown, cases_visible_to
from varde.cases.forms import ConversationPlanForm, ConversationRecordForm, WorryForm
from varde.cases.selectors import case_next_steps
from varde.cases.services import (
    ConversationNotPlanned,
    case_open,
    conversation_plan,
    conversation_record,
)
from varde.people.access import pupil_for_user


@login_required
@require_http_methods(["GET", "POST"])
def worry_open(request: HttpRequest, pupil_pk: int) -> HttpResponse:
    pupil = pupil_for_user(request.user, pupil_pk, reason=_("Ny undring"))
    form = WorryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = case_open(actor=request.user, pupil=pupil, **form.cleaned_data)
        messages.success(request, _("Undringen er registrert. Du eier saken."))
        return redirect("cases:case", pk=case.pk)
    return render(request, "cases/worry_open.html", {"pupil": pupil, "form": form})


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    cases = list(
        cases_visible_to(request.user)
        .filter(status="open")
        .select_related("pupil", "school", "owner")
        .order_by("-opened_at")[:200]
    )
    cases_shown(request.user, cases, reason=_("Saksliste"))
    return render(request, "cases/case_list.html", {"cases": cases})


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_user(request.user, pk, reason=_("Sakens side"))
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "steps": case_next_steps(case=case),
            "events": case.events.select_related("actor"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan the wondering conversation, then record it on the same page."""
    case = case_for_user(request.user, pk, reason=_("Undringssamtale"))
    existing = getattr(case, "conversation", None)
    plan_form = ConversationPlanForm(
        request.POST if request.POST.get("step") == "plan" else None,
        initial={
            "planned_for": timezone.localtime(existing.planned_for).strftime("%d.%m.%Y %H:%M")
            if existing
            else "",
            "attendees": existing.attendees if existing else "",
            "trusted_adult": existing.trusted_adult if existing else "",
        },
    )
    record_form = ConversationRecordForm(
        request.POST if request.POST.get("step") == "record" else None,
        initial={
            "what_was_said": existing.what_was_said if existing else "",
            "pupil_view": existing.pupil_view if existing else "",
            "weighing": existing.weighing if existing else "",
        },
    )
    if request.method == "POST":
        if request.POST.get("step") == "plan" and plan_form.is_valid():
            conversation_plan(actor=request.user, case=case, **plan_form.cleaned_data)
            messages.success(request, _("Samtalen er planlagt."))
            return redirect("cases:case", pk=case.pk)
        if request.POST.get("step") == "record" and record_form.is_valid():
            try:
                conversation_record(actor=request.user, case=case, **record_form.cleaned_data)
            except ConversationNotPlanned:
                messages.error(request, _("Planlegg samtalen først: når og hvem deltar."))
            else:
                messages.success(request, _("Samtalen er registrert."))
                return redirect("cases:case", pk=case.pk)
    return render(
        request,
        "cases/conversation.html",
        {
            "case": case,
            "conversation": existing,
            "plan_form": plan_form,
            "record_form": record_form,
        },
    )
