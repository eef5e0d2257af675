"""The plan editor's pages: the seven parts, their items, one form per item.

Every page edits the municipality's working copy (the draft, else the published plan) and saves
through plan_draft_store, which checks the whole plan and writes the audit entry. Nothing here
publishes: that stays on the plan's administration page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from varde.people.models import Municipality
from varde.plan.editor import PARTS, SETTINGS_KEY, ItemForms, Part
from varde.plan.models import content_hash
from varde.plan.schema import PlanInvalid
from varde.plan.selectors import plan_current, plan_draft, plan_working_content
from varde.plan.services import plan_draft_store
from varde.plan.views import _admin_municipality
from varde.web.pages import render_page


def _part_or_404(slug: str) -> Part:
    part = PARTS.get(slug)
    if part is None:
        raise Http404
    return part


def _reason(part: Part, title: str, change: str = "") -> str:
    where = f"{part.title} › {title}"
    return (_("Utkast endret: %(where)s") % {"where": where}) + (f" ({change})" if change else "")


def _store(
    request: HttpRequest, municipality: Municipality, content: dict[str, Any], reason: str
) -> list[str]:
    """Save `content` as the draft; the plan's errors, or none when it is saved."""
    try:
        plan_draft_store(
            municipality=municipality, content=content, actor=request.user, reason=reason
        )
    except PlanInvalid as exc:
        return exc.errors
    return []


def _render(
    request: HttpRequest, template: str, municipality: Municipality, context: dict[str, Any]
) -> HttpResponse:
    return render_page(
        request,
        f"plan/editor/{template}",
        {"municipality": municipality, **context},
        municipality=municipality,
        plan=plan_current(municipality=municipality, content=False),
    )


@login_required
@require_GET
def editor(request: HttpRequest) -> HttpResponse:
    municipality = _admin_municipality(request)
    return _render(
        request,
        "index.html",
        municipality,
        {
            "parts": list(PARTS.values()),
            "draft": plan_draft(municipality=municipality),
        },
    )


@login_required
@require_GET
def editor_part(request: HttpRequest, part: str) -> HttpResponse:
    municipality = _admin_municipality(request)
    found = _part_or_404(part)
    content = plan_working_content(municipality=municipality)
    return _render(
        request,
        "part.html",
        municipality,
        {"part": found, "groups": found.groups(content), "settings_key": SETTINGS_KEY},
    )


@login_required
@require_http_methods(["GET", "POST"])
def editor_item(request: HttpRequest, part: str, key: str) -> HttpResponse:
    """One item of a part: its form and the lists inside it, saved together to the draft."""
    municipality = _admin_municipality(request)
    found = _part_or_404(part)
    content = plan_working_content(municipality=municipality)
    item = found.find(content, key)
    if item is None:
        raise Http404
    title = found.item_title(item, key)
    bundle = ItemForms(
        found.spec(key),
        item=item,
        content=content,
        data=request.POST if request.method == "POST" else None,
    )
    errors: list[str] = []
    if request.method == "POST" and bundle.is_valid():
        if request.POST.get("version") != bundle.version:
            errors = [
                _(
                    "Noen har lagret en endring her etter at du åpnet siden. Det du skrev er "
                    "beholdt: se over og lagre igjen for å bruke det."
                )
            ]
        elif not bundle.has_changed():
            messages.info(request, _("Ingenting er endret."))
            return redirect("plan:editor_part", part=found.slug)
        else:
            bundle.apply(item)
            found.attach(content, key, item)
            errors = _store(request, municipality, content, _reason(found, title))
            if not errors:
                messages.success(request, _("«%(title)s» er lagret i utkastet.") % {"title": title})
                return redirect("plan:editor_part", part=found.slug)
    return _render(
        request,
        "item.html",
        municipality,
        {
            "part": found,
            "key": key,
            "title": title,
            "heading": title,
            "bundle": bundle,
            "plan_errors": errors + bundle.row_errors(),
            "can_remove": found.can_remove(key),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def editor_new(request: HttpRequest, part: str) -> HttpResponse:
    """A new item. In the consent part `?hva=handling` adds an action, else a consent rule; in
    the plan's text `?under=<key>` proposes the section to put the new one under."""
    municipality = _admin_municipality(request)
    found = _part_or_404(part)
    kind = request.GET.get("hva", "")
    spec = found.new_spec(kind)
    if spec is None:
        raise Http404
    content = plan_working_content(municipality=municipality)
    item: dict[str, Any] = {}
    bundle = ItemForms(
        spec,
        item=item,
        content=content,
        data=request.POST if request.method == "POST" else None,
        new=True,
        taken=found.taken(content, kind),
    )
    if request.method == "GET" and "parent" in bundle.form.fields:
        bundle.form.initial["parent"] = request.GET.get("under", "")
    errors: list[str] = []
    if request.method == "POST" and bundle.is_valid():
        bundle.apply(item)
        title = found.item_title(item, found.insert(content, item, bundle.form))
        errors = _store(request, municipality, content, _reason(found, title, _("ny")))
        if not errors:
            messages.success(request, _("«%(title)s» er lagt til i utkastet.") % {"title": title})
            return redirect("plan:editor_part", part=found.slug)
    return _render(
        request,
        "item.html",
        municipality,
        {
            "part": found,
            "heading": found.new_title(kind),
            "bundle": bundle,
            "plan_errors": errors + bundle.row_errors(),
            "kind": kind,
            "can_remove": False,
        },
    )


@login_required
@require_POST
def editor_delete(request: HttpRequest, part: str, key: str) -> HttpResponse:
    """Removing an item asks once more; `confirm=yes` removes it from the draft."""
    municipality = _admin_municipality(request)
    found = _part_or_404(part)
    content = plan_working_content(municipality=municipality)
    item = found.find(content, key)
    if item is None or not found.can_remove(key):
        raise Http404
    title = found.item_title(item, key)
    errors: list[str] = []
    if request.POST.get("confirm") == "yes":
        before = content_hash(content)
        found.remove(content, key)
        if content_hash(content) != before:
            errors = _store(request, municipality, content, _reason(found, title, _("fjernet")))
            if not errors:
                messages.success(
                    request, _("«%(title)s» er fjernet fra utkastet.") % {"title": title}
                )
                return redirect("plan:editor_part", part=found.slug)
    return _render(
        request,
        "delete.html",
        municipality,
        {
            "part": found,
            "key": key,
            "title": title,
            "children": len(item.get("sections") or []),
            "plan_errors": errors,
        },
    )
