"""The archive page of a closed case: make the package, download it, see when the copy goes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from varde.cases.archive import (
    ArchiveRefused,
    archive_filename,
    archive_package,
    case_archivable_for_user,
    case_archive,
    may_see_removals,
    removals_visible_to,
)
from varde.cases.delivery import DeliveryRefused, delivery_confirm, delivery_retry
from varde.cases.forms import ArchiveReferenceForm
from varde.cases.models import ArchiveDelivery
from varde.cases.packages import PackageMissing
from varde.cases.rules import case_rules
from varde.web.pages import render_page


@login_required
@require_http_methods(["GET", "POST"])
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_archivable_for_user(request.user, pk, reason=_lazy("Arkivering"))
    step = request.POST.get("step", "")
    reference_form = ArchiveReferenceForm(request.POST if step == "confirm" else None)
    if request.method == "POST" and step == "confirm":
        if reference_form.is_valid():
            try:
                delivery_confirm(
                    actor=request.user,
                    case=case,
                    reference=reference_form.cleaned_data["reference"],
                )
            except DeliveryRefused as refused:
                if ArchiveDelivery.objects.filter(
                    case=case, state=ArchiveDelivery.State.RECEIVED
                ).exists():
                    # The form is gone from the page: say it above everything.
                    messages.error(request, str(refused))
                    return redirect("cases:archive", pk=case.pk)
                reference_form.add_error("reference", str(refused))
            else:
                messages.success(request, _("Arkivreferansen er lagret."))
                return redirect("cases:archive", pk=case.pk)
    elif request.method == "POST" and step == "retry":
        try:
            delivery_retry(actor=request.user, case=case)
        except DeliveryRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Pakken sendes igjen i løpet av noen minutter."))
            return redirect("cases:archive", pk=case.pk)
    elif request.method == "POST":
        try:
            case_archive(actor=request.user, case=case)
        except ArchiveRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Arkivpakken er laget."))
            return redirect("cases:archive", pk=case.pk)
    rules = case_rules(municipality_id=case.municipality_id)
    delivery = ArchiveDelivery.objects.filter(case=case).first()
    return render_page(
        request,
        "cases/archive.html",
        {
            "case": case,
            "archived_days": rules.archived_days,
            "delivery": delivery,
            "reference_form": reference_form,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def archive_download(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_archivable_for_user(request.user, pk, reason=_lazy("Arkivpakke lastet ned"))
    try:
        data = archive_package(actor=request.user, case=case)
    except PackageMissing:
        messages.error(
            request,
            _("Arkivpakken mangler eller er endret. Kontakt kommunens administrator."),
        )
        return redirect("cases:archive", pk=case.pk)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{archive_filename(case)}"'
    response["Cache-Control"] = "no-store, private"
    return response


REMOVALS_PER_PAGE = 50


@login_required
@require_GET
def removals(request: HttpRequest) -> HttpResponse:
    """The register of deleted working copies, for leadership and the administrator."""
    if not may_see_removals(request.user):
        raise Http404
    page = Paginator(removals_visible_to(request.user), REMOVALS_PER_PAGE).get_page(
        request.GET.get("side")
    )
    return render_page(
        request, "cases/removals.html", {"removals": list(page.object_list), "page": page}
    )
