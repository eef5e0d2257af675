from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from varde.lib.holidays import public_holidays
from varde.people.access import pupils_visible_to
from varde.people.models import Municipality
from varde.plan.callnow import situation_keys, who_to_call
from varde.plan.compare import guarded_changes, plan_changes
from varde.plan.document import PlanDocument
from varde.plan.forms import PlanEditForm, PreviewForm, PublishForm
from varde.plan.hours import describe, parse_hours
from varde.plan.models import PlanVersion
from varde.plan.schema import PlanInvalid
from varde.plan.selectors import (
    municipality_or_404,
    plan_draft,
    plan_version_or_404,
    plan_versions,
)
from varde.plan.services import (
    plan_draft_discard,
    plan_draft_publish,
    plan_draft_save,
    plan_dump_yaml,
    plan_second_approval_set,
)
from varde.plan.translations import Language, content_for_reader, plan_languages
from varde.web.pages import render_page


def _public(slug: str) -> tuple[Municipality, PlanVersion, PlanDocument]:
    """The municipality, its current published version and the plan's text in the reader's
    language."""
    municipality = municipality_or_404(slug)
    version = plan_version_or_404(municipality=municipality, number=None)
    return municipality, version, PlanDocument(content_for_reader(version.content))


@require_GET
def front(request: HttpRequest, slug: str) -> HttpResponse:
    municipality, version, document = _public(slug)
    return render_page(
        request,
        "plan/front.html",
        {"municipality": municipality, "document": document, "situations": document.situations},
        municipality=municipality,
        plan=version,
    )


def _plan_language(request: HttpRequest, content: dict[str, Any]) -> Language | None:
    """A language of the plan's own beyond the interface's, chosen with ?sprak=: the plan's
    text is shown in it, laid out in its direction, with the menus in the interface language."""
    wanted = request.GET.get("sprak", "")
    return next((lang for lang in plan_languages(content) if lang.code == wanted), None)


@require_GET
def plan_page(request: HttpRequest, slug: str, number: int | None = None) -> HttpResponse:
    municipality = municipality_or_404(slug)
    version = plan_version_or_404(municipality=municipality, number=number)
    chosen = _plan_language(request, version.content)
    document = PlanDocument(content_for_reader(version.content, chosen.code if chosen else None))
    latest = plan_versions(municipality=municipality).first()
    return render_page(
        request,
        "plan/plan.html",
        {
            "municipality": municipality,
            "version": version,
            "document": document,
            "is_latest": latest is not None and latest.pk == version.pk,
            "latest": latest,
            "services": _services_view(document),
            "plan_language": chosen,
            "plan_languages": [
                lang
                for lang in plan_languages(version.content)
                if lang.code not in dict(settings.LANGUAGES)
            ],
        },
        municipality=municipality,
        plan=version,
    )


def _version_number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 9 else None


@require_GET
def compare(request: HttpRequest, slug: str) -> HttpResponse:
    """Two published versions side by side: what changed, section by section and field by
    field. By default the latest version against the one before it."""
    municipality = municipality_or_404(slug)
    latest = plan_version_or_404(municipality=municipality, number=None)
    numbers = list(plan_versions(municipality=municipality).values_list("number", flat=True))
    after_number = _version_number(request.GET.get("til")) or latest.number
    before_number = _version_number(request.GET.get("fra")) or max(
        (n for n in numbers if n < after_number), default=after_number
    )
    after = plan_version_or_404(municipality=municipality, number=after_number)
    before = plan_version_or_404(municipality=municipality, number=before_number)
    return render_page(
        request,
        "plan/compare.html",
        {
            "municipality": municipality,
            "numbers": numbers,
            "before": before,
            "after": after,
            "changes": plan_changes(before.content, after.content),
        },
        municipality=municipality,
        plan=latest,
    )


@require_GET
def versions(request: HttpRequest, slug: str) -> HttpResponse:
    municipality, version, document = _public(slug)
    return render_page(
        request,
        "plan/versions.html",
        {"municipality": municipality, "versions": plan_versions(municipality=municipality)},
        municipality=municipality,
        plan=version,
    )


@require_GET
def duties(request: HttpRequest, slug: str) -> HttpResponse:
    municipality, version, document = _public(slug)
    return render_page(
        request,
        "plan/duties.html",
        {"municipality": municipality, "document": document},
        municipality=municipality,
        plan=version,
    )


@require_GET
def resources(request: HttpRequest, slug: str) -> HttpResponse:
    municipality, version, document = _public(slug)
    return render_page(
        request,
        "plan/resources.html",
        {"municipality": municipality, "document": document},
        municipality=municipality,
        plan=version,
    )


def _services_view(document: PlanDocument) -> list[dict[str, Any]]:
    """Services with their opening hours described and open-now worked out for the template."""
    now = timezone.now()
    result = []
    for service in document.services:
        contacts = []
        for contact in service.get("contacts") or []:
            hours = parse_hours(contact.get("hours"))
            contacts.append(
                {
                    **contact,
                    "tel": _tel(contact.get("phone")),
                    "hours_lines": describe(hours) if hours else [_("Døgnåpen")],
                    "open_now": hours.is_open(now) if hours else True,
                }
            )
        result.append({**service, "contacts": contacts})
    return result


def _tel(phone: str | None) -> str | None:
    from varde.lib.text import tel_uri

    return tel_uri(phone) if phone else None


@require_GET
def directory(request: HttpRequest, slug: str) -> HttpResponse:
    municipality, version, document = _public(slug)
    return render_page(
        request,
        "plan/directory.html",
        {"municipality": municipality, "services": _services_view(document)},
        municipality=municipality,
        plan=version,
    )


@require_GET
def service(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    municipality, version, document = _public(slug)
    found = next((s for s in _services_view(document) if s.get("key") == key), None)
    if found is None:
        raise Http404
    return render_page(
        request,
        "plan/service.html",
        {"municipality": municipality, "service": found},
        municipality=municipality,
        plan=version,
    )


@require_GET
def call_now(request: HttpRequest, slug: str, situation: str | None = None) -> HttpResponse:
    municipality, version, document = _public(slug)
    now = timezone.now()
    chosen = document.situation(situation) if situation else None
    if situation and chosen is None:
        raise Http404
    steps = who_to_call(document.content, situation, now) if chosen else []
    # Staff who can register a worry about a pupil of this municipality start there.
    open_worry = (
        chosen is not None
        and chosen.get("staff_action") == "open_worry"
        and pupils_visible_to(request.user).filter(municipality=municipality).exists()
    )
    return render_page(
        request,
        "plan/call_now.html",
        {
            "municipality": municipality,
            "situations": document.situations,
            "situation_choices": situation_keys(document.content),
            "situation": chosen,
            "steps": steps,
            "now": timezone.localtime(now),
            "holiday": public_holidays(timezone.localdate(now).year).get(
                timezone.localdate(now), ""
            ),
            "open_worry": open_worry,
        },
        municipality=municipality,
        plan=version,
    )


def _admin_municipality(request: HttpRequest, *, setting: bool = False) -> Municipality:
    """The municipality whose plan the user edits and publishes, or 404. With `setting`, one
    the user administers: only the municipal administrator changes the plan's settings."""
    user = request.user
    ids = user.admin_municipality_ids() if setting else user.plan_municipality_ids()  # type: ignore[union-attr]
    municipality = Municipality.objects.filter(id__in=ids).order_by("name").first()
    if municipality is None:
        raise Http404
    return municipality


@login_required
@require_GET
def plan_admin(request: HttpRequest) -> HttpResponse:
    municipality = _admin_municipality(request)
    all_versions = plan_versions(municipality=municipality)
    draft = plan_draft(municipality=municipality)
    current = all_versions.first()
    return render_page(
        request,
        "plan/admin.html",
        {
            "municipality": municipality,
            "versions": all_versions,
            "draft": draft,
            "guarded": guarded_changes(current.content if current else {}, draft.content)
            if draft
            else [],
            "publish_form": PublishForm(
                initial={"change_note": draft.change_note if draft else ""}
            ),
            "is_admin": municipality.pk in request.user.admin_municipality_ids(),  # type: ignore[union-attr]
        },
        municipality=municipality,
        plan=all_versions.first(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest) -> HttpResponse:
    municipality = _admin_municipality(request)
    draft = plan_draft(municipality=municipality)
    current = plan_versions(municipality=municipality).first()
    source = draft or current
    errors: list[str] = []
    if request.method == "POST":
        form = PlanEditForm(request.POST)
        if form.is_valid():
            try:
                plan_draft_save(
                    municipality=municipality,
                    text=form.cleaned_data["text"],
                    actor=request.user,
                    change_note=form.cleaned_data["change_note"],
                )
            except PlanInvalid as exc:
                errors = exc.errors
            else:
                messages.success(request, _("Utkastet er lagret. Publiser det når det er klart."))
                return redirect("plan:admin")
    else:
        form = PlanEditForm(
            initial={
                "text": plan_dump_yaml(source.content) if source else "",
                "change_note": draft.change_note if draft else "",
            }
        )
    return render_page(
        request,
        "plan/edit.html",
        {"municipality": municipality, "form": form, "plan_errors": errors, "draft": draft},
        municipality=municipality,
        plan=current,
    )


@login_required
@require_GET
def plan_export(request: HttpRequest) -> HttpResponse:
    """The plan as a YAML file: the draft if there is one, else the published version. Loaded
    again through the YAML page, it gives the same plan (the same version hash)."""
    municipality = _admin_municipality(request)
    source = (
        plan_draft(municipality=municipality) or plan_versions(municipality=municipality).first()
    )
    if source is None:
        raise Http404
    name = f"{municipality.slug}-{'utkast' if source.number is None else source.number}.yaml"
    response = HttpResponse(
        plan_dump_yaml(source.content), content_type="application/yaml; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
@require_GET
def plan_preview(request: HttpRequest) -> HttpResponse:
    """The draft's "who to call now" at a moment the editor picks (a Saturday evening, 17 May),
    beside the published version's answer at the same moment."""
    municipality = _admin_municipality(request)
    draft = plan_draft(municipality=municipality)
    current = plan_versions(municipality=municipality).first()
    source = draft or current
    situations = situation_keys(source.content) if source else []
    now = timezone.localtime()
    form = PreviewForm(
        request.GET or None,
        situations=situations,
        initial={"day": now.date(), "time": now.time().replace(second=0, microsecond=0)},
    )
    answers: list[tuple[str, PlanVersion | None, list[Any]]] = []
    at = None
    if draft is not None and form.is_bound and form.is_valid():
        data = form.cleaned_data
        at = dt.datetime.combine(data["day"], data["time"], tzinfo=timezone.get_current_timezone())
        key = data["situation"]
        for label, version in ((_("Utkastet"), draft), (_("Publisert nå"), current)):
            content = content_for_reader(version.content) if version is not None else {}
            known = PlanDocument(content).situation(key)
            steps = who_to_call(content, key, at) if known else []
            answers.append((label, version, steps))
    return render_page(
        request,
        "plan/preview.html",
        {
            "municipality": municipality,
            "draft": draft,
            "form": form,
            "answers": answers,
            "at": at,
            "differ": len(answers) == 2
            and [(s.label, s.phone) for s in answers[0][2]]
            != [(s.label, s.phone) for s in answers[1][2]],
        },
        municipality=municipality,
        plan=current,
    )


@login_required
@require_GET
def plan_preview_text(request: HttpRequest) -> HttpResponse:
    """The draft as the public will see it, before it is published."""
    municipality = _admin_municipality(request)
    draft = plan_draft(municipality=municipality)
    if draft is None:
        raise Http404
    return render_page(
        request,
        "plan/plan.html",
        {
            "municipality": municipality,
            "version": draft,
            "document": PlanDocument(content_for_reader(draft.content)),
            "is_latest": False,
            "latest": plan_versions(municipality=municipality).first(),
            "services": _services_view(PlanDocument(content_for_reader(draft.content))),
            "preview": True,
        },
        municipality=municipality,
        plan=plan_versions(municipality=municipality).first(),
    )


@login_required
@require_POST
def plan_publish(request: HttpRequest) -> HttpResponse:
    municipality = _admin_municipality(request)
    form = PublishForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("plan:admin")
    try:
        outcome = plan_draft_publish(
            municipality=municipality,
            actor=request.user,
            change_note=form.cleaned_data["change_note"],
        )
    except PlanInvalid as exc:
        for error in exc.errors:
            messages.error(request, error)
    else:
        if outcome.published:
            messages.success(
                request, _("Versjon %(number)s er publisert.") % {"number": outcome.version.number}
            )
        else:
            messages.info(
                request,
                _(
                    "Utkastet endrer telefonnumre, åpningstider eller samtykkeregler. En annen "
                    "med planrolle må godkjenne det før det publiseres."
                ),
            )
    return redirect("plan:admin")


@login_required
@require_POST
def plan_approval_setting(request: HttpRequest) -> HttpResponse:
    """The municipal administrator turns the second person's approval on or off."""
    municipality = _admin_municipality(request, setting=True)
    plan_second_approval_set(
        municipality=municipality,
        required=request.POST.get("required") == "on",
        actor=request.user,
    )
    if municipality.plan_second_approval:
        messages.success(
            request,
            _("Nå må to personer godkjenne endrede numre, åpningstider og samtykkeregler."),
        )
    else:
        messages.info(request, _("En person kan nå publisere alle endringer alene."))
    return redirect("plan:admin")


@login_required
@require_POST
def plan_discard(request: HttpRequest) -> HttpResponse:
    municipality = _admin_municipality(request)
    plan_draft_discard(municipality=municipality, actor=request.user)
    messages.info(request, _("Utkastet er forkastet."))
    return redirect("plan:admin")
