from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from varde.cases.access import case_for_user, cases_shown, cases_visible_to
from varde.cases.forms import WorryForm
from varde.cases.selectors import case_next_steps
from varde.cases.services import case_open
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
