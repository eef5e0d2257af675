from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from varde.audit.models import AuditAction
from varde.audit.services import audit_record
from varde.people.access import (
    guardians_for,
    pupil_for_user,
    pupils_shown,
    pupils_visible_to,
    role_assignment_for_admin,
    roles_administered_by,
    staff_for_admin,
    staff_visible_to_admin,
)
from varde.people.access_log import pupil_visits
from varde.people.forms import IMPORT_COLUMN_CHOICES, ImportForm, PupilFilterForm, RoleGrantForm
from varde.people.models import ImportMapping, Municipality, RoleAssignment
from varde.people.services import import_mapping_save
from varde.web.pages import render_page


@login_required
@require_GET
def pupil_list(request: HttpRequest) -> HttpResponse:
    visible = pupils_visible_to(request.user)
    form = PupilFilterForm(request.GET or None)
    pupils = visible.select_related("school").order_by("last_name", "first_name", "pk")
    if form.is_valid():
        query = form.cleaned_data.get("q")
        if query:
            pupils = pupils.filter(last_name__icontains=query) | pupils.filter(
                first_name__icontains=query
            )
        if form.cleaned_data.get("grade"):
            pupils = pupils.filter(grade=form.cleaned_data["grade"])
    page = Paginator(pupils, 50).get_page(request.GET.get("side"))
    pupils_shown(request.user, list(page.object_list), reason=_lazy("Elevliste"))
    for_worry = form.is_valid() and bool(form.cleaned_data.get("undring"))
    return render_page(
        request, "people/pupil_list.html", {"page": page, "form": form, "for_worry": for_worry}
    )


@login_required
@require_GET
def pupil_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = pupil_for_user(request.user, pk, reason=_lazy("Elevens side"))
    is_leader = pupil.school_id in request.user.leadership_school_ids()  # type: ignore[union-attr]
    guardians = guardians_for(request.user, pupil, reason=_lazy("Elevens side: foresatte"))
    return render_page(
        request,
        "people/pupil_detail.html",
        {
            "pupil": pupil,
            "is_leader": is_leader,
            "guardians": guardians,
            # Why a guardian is restricted: for leadership, and the administrator who imports it.
            "shows_reason": is_leader
            or pupil.municipality_id in request.user.admin_municipality_ids(),  # type: ignore[union-attr]
        },
    )


@login_required
@require_GET
def pupil_access_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Who has seen this pupil's records: for leadership and for the right of access."""
    user = request.user
    pupil = pupil_for_user(user, pk, reason=_lazy("Innsyn: hvem har sett eleven"))
    allowed = pupil.school_id in user.leadership_school_ids()  # type: ignore[union-attr]
    allowed = allowed or pupil.municipality_id in user.admin_municipality_ids()  # type: ignore[union-attr]
    if not allowed:
        raise Http404
    page = Paginator(pupil_visits(pupil_id=pupil.pk, school_id=pupil.school_id), 100).get_page(
        request.GET.get("side")
    )
    return render_page(request, "people/pupil_access.html", {"pupil": pupil, "page": page})


def _import_municipality(request: HttpRequest) -> Municipality:
    ids = request.user.admin_municipality_ids()  # type: ignore[union-attr]
    municipality = Municipality.objects.filter(id__in=ids).order_by("name").first()
    if municipality is None:
        raise Http404
    return municipality


@login_required
@require_http_methods(["GET", "POST"])
def import_people(request: HttpRequest) -> HttpResponse:
    from varde.people.importer import import_apply, import_parse, import_preview

    municipality = _import_municipality(request)
    saved = ImportMapping.objects.filter(municipality=municipality).first()
    mapping = saved.columns if saved else {}
    report = preview = None
    mapping_errors: list[str] = []
    if request.method == "POST" and request.POST.get("step") == "mapping":
        form = ImportForm()
        chosen, mapping_errors = _mapping_from(request.POST)
        if not mapping_errors:
            import_mapping_save(municipality=municipality, columns=chosen, actor=request.user)
            messages.success(request, _("Kolonnevalget er lagret. Velg filen igjen og prøv den."))
            return redirect("people:import")
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            text = form.cleaned_data["text"]
            preview = import_preview(text=text, mapping=mapping)
            if form.cleaned_data["apply"]:
                report = import_apply(
                    municipality=municipality,
                    text=text,
                    actor=request.user,
                    confirmed_duplicates=form.cleaned_data["confirm_duplicates"],
                    mapping=mapping,
                    new_school_year=form.cleaned_data["new_school_year"],
                )
                if report.applied:
                    messages.success(request, _("Importen er fullført."))
                    return redirect("people:import")
            else:
                report = import_parse(
                    municipality=municipality,
                    text=text,
                    mapping=mapping,
                    new_school_year=form.cleaned_data["new_school_year"],
                )
                audit_record(
                    actor=request.user,
                    action=AuditAction.READ,
                    object_type="import",
                    object_id="dry-run",
                    municipality_id=municipality.pk,
                    reason=_lazy("Prøveimport"),
                )
    else:
        form = ImportForm()
    return render_page(
        request,
        "people/import.html",
        {
            "form": form,
            "report": report,
            "municipality": municipality,
            "preview": preview,
            "column_choices": IMPORT_COLUMN_CHOICES,
            "mapping_errors": mapping_errors,
            "saved_mapping": saved,
        },
        municipality=municipality,
    )


def _mapping_from(data: Any) -> tuple[dict[str, str], list[str]]:
    """The header cells and the column chosen for each, from the mapping form."""
    from varde.people.importer import COLUMNS, mapping_key

    headers = data.getlist("header")
    chosen = data.getlist("column")
    if not headers or len(headers) != len(chosen):
        return {}, [_("Velg filen igjen: kolonnevalget kom ikke fram.")]
    columns: dict[str, str] = {}
    errors = []
    for header, column in zip(headers, chosen, strict=True):
        if column and column not in COLUMNS:
            errors.append(_("Ukjent kolonne «%(column)s».") % {"column": column[:40]})
        columns[mapping_key(header)[:100]] = column
    used = [c for c in columns.values() if c]
    for column in sorted({c for c in used if used.count(c) > 1}):
        message = _("Kolonnen «%(column)s» er valgt for flere av filens kolonner.")
        errors.append(message % {"column": column})
    return columns, errors


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    municipality = _import_municipality(request)
    administered = roles_administered_by(request.user)
    staff = (
        staff_visible_to_admin(request.user)
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=administered.select_related("school", "municipality", "slt_region"),
                to_attr="roles_here",
            )
        )
        .order_by("full_name", "pk")
    )
    page = Paginator(staff, 100).get_page(request.GET.get("side"))
    page.object_list = list(page.object_list)
    # People who also hold a role this administrator does not administer keep their account:
    # only the administrators of every municipality they work in may close it.
    elsewhere = set(
        RoleAssignment.objects.filter(user__in=[u.pk for u in page.object_list])
        .exclude(pk__in=administered)
        .values_list("user_id", flat=True)
    )
    for person in page.object_list:
        person.may_deactivate = person.pk not in elsewhere and not person.is_superuser
        person.roles_elsewhere = person.pk in elsewhere
    return render_page(
        request, "people/staff_list.html", {"page": page, "municipality": municipality}
    )


@login_required
@require_POST
def staff_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    from varde.people.services import user_set_active

    municipality = _import_municipality(request)
    staff = staff_for_admin(request.user, pk)
    active = request.POST.get("active") == "1"
    user_set_active(user=staff, active=active, actor=request.user, municipality_id=municipality.pk)
    if active:
        messages.success(request, _("%(name)s er aktivert igjen.") % {"name": staff})
    else:
        messages.success(request, _("%(name)s er deaktivert og logget ut.") % {"name": staff})
    return redirect("people:staff")


@login_required
@require_http_methods(["GET", "POST"])
def role_grant_page(request: HttpRequest) -> HttpResponse:
    from varde.people.services import RoleGrantError, role_grant

    municipality = _import_municipality(request)
    form = RoleGrantForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = role_grant(
                actor=request.user,
                municipality=municipality,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                school=form.cleaned_data["school"],
            )
        except RoleGrantError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(user)s har nå rollen %(role)s.")
                % {"user": assignment.user, "role": assignment},
            )
            return redirect("people:staff")
    return render_page(
        request, "people/role_grant.html", {"form": form, "municipality": municipality}
    )


@login_required
@require_POST
def role_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    from varde.people.services import role_revoke

    municipality = _import_municipality(request)
    assignment = role_assignment_for_admin(request.user, pk)
    role_revoke(actor=request.user, assignment=assignment, municipality_id=municipality.pk)
    messages.success(request, _("Rollen er fjernet: %(role)s.") % {"role": assignment})
    return redirect("people:staff")
