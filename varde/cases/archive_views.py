"""The archive page of a closed case: make the package, download it, see when the copy goes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from varde.cases.archive import (
    ArchiveRefused,
    PackageMissing,
    archive_filename,
    archive_package,
    case_archivable_for_user,
    case_archive,
    may_see_removals,
    removals_visible_to,
)
from varde.cases.rules import case_rules
from varde.web.pages import render_page


@login_required
@require_http_methods(["GET", "POST"])
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_archivable_for_user(request.user, pk, reason=_lazy("Arkivering"))
    if request.method == "POST":
        try:
            case_archive(actor=request.user, case=case)
        except ArchiveRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Arkivpakken er laget. Last den ned og arkiver den."))
            return redirect("cases:archive", pk=case.pk)
    rules = case_rules(municipality_id=case.municipality_id)
    return render_page(
        request, "cases/archive.html", {"case": case, "archived_days": rules.archived_days}
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
