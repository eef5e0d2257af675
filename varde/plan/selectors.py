"""Reads of the plan."""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from varde.people.models import Municipality
from varde.plan.models import PlanVersion


def plan_current(
    *,
    municipality: Municipality | None = None,
    municipality_id: int | None = None,
    content: bool = True,
) -> PlanVersion | None:
    """The municipality's published version with the highest number. Without `content` the
    plan itself (some 50 kB of JSON) is left unread, for a page that shows only which version
    it is."""
    if municipality is not None:
        municipality_id = municipality.pk
    if municipality_id is None:
        return None
    versions = PlanVersion.objects.filter(
        municipality_id=municipality_id, status=PlanVersion.Status.PUBLISHED
    )
    if not content:
        versions = versions.defer("content")
    return versions.order_by("-number").first()


def default_municipality() -> Municipality | None:
    """The municipality whose plan the front page shows: VARDE_DEFAULT_MUNICIPALITY if it has
    a published plan, else the first with one by name (real ones before fictional)."""
    with_plan = Municipality.objects.filter(
        plan_versions__status=PlanVersion.Status.PUBLISHED
    ).distinct()
    slug = getattr(settings, "VARDE_DEFAULT_MUNICIPALITY", "")
    if slug:
        chosen = with_plan.filter(slug=slug).first()
        if chosen:
            return chosen
    return with_plan.order_by("is_fictional", "name").first()


def plan_versions(*, municipality: Municipality) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(
        municipality=municipality, status=PlanVersion.Status.PUBLISHED
    ).order_by("-number")


def plan_version_or_404(*, municipality: Municipality, number: int | None) -> PlanVersion:
    """A published version (the current one when number is None), or 404."""
    versions = plan_versions(municipality=municipality)
    version = versions.filter(number=number).first() if number else versions.first()
    if version is None:
        raise Http404
    return version


def plan_draft(*, municipality: Municipality) -> PlanVersion | None:
    return PlanVersion.objects.filter(
        municipality=municipality, status=PlanVersion.Status.DRAFT
    ).first()


def municipality_or_404(slug: str) -> Municipality:
    municipality = Municipality.objects.filter(slug=slug).first()
    if municipality is None:
        raise Http404
    return municipality


def plan_working_content(*, municipality: Municipality) -> dict[str, Any]:
    """What the plan editor starts from: a copy of the draft's content, else of the published
    plan's. Changing the copy changes nothing saved."""
    source = plan_draft(municipality=municipality) or plan_current(municipality=municipality)
    return copy.deepcopy(source.content) if source else {}
