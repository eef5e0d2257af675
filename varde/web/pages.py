"""The frame around every page (municipality, plan version, demo banner), and the one helper
Varde's views render a page with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from varde.people.models import Municipality
from varde.people.selectors import demo_present, staff_municipality
from varde.plan.models import PlanVersion
from varde.plan.selectors import default_municipality, plan_current


@dataclass(frozen=True)
class Frame:
    """What the header and footer show: whose plan, which version of it, and whether the
    installation holds fictional demo data."""

    municipality: Municipality | None
    plan: PlanVersion | None
    has_demo: bool


def page_frame(
    request: HttpRequest,
    *,
    municipality: Municipality | None = None,
    plan: PlanVersion | None = None,
) -> Frame:
    """The frame for a page about `municipality` (by default the signed-in user's, else the
    installation's default) showing `plan` (by default that municipality's current version)."""
    if municipality is None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            municipality = staff_municipality(user)
        if municipality is None:
            municipality = default_municipality()
    if plan is None and municipality is not None:
        plan = plan_current(municipality=municipality, content=False)
    return Frame(municipality=municipality, plan=plan, has_demo=demo_present())


def render_page(
    request: HttpRequest,
    template_name: str,
    context: dict[str, Any] | None = None,
    *,
    municipality: Municipality | None = None,
    plan: PlanVersion | None = None,
    status: int | None = None,
) -> HttpResponse:
    """`render`, with the page's frame: the view names the municipality and plan version the
    page is about when it knows them, and the frame works out the rest."""
    frame = page_frame(request, municipality=municipality, plan=plan)
    return render(request, template_name, {**(context or {}), "frame": frame}, status=status)
