"""Reads of the plan."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from varde.people.models import Municipality
from varde.plan.models import PlanVersion

# The decoded content of published versions, by content hash. A published version's content
# never changes, and two versions with the same hash have the same content, so the content is
# decoded once per process. Which version is current is still read on every call, in one query
# whether or not the content is known here (the query only leaves the known content out), so a
# page makes the same queries whatever this process has seen before.
_CONTENT: dict[str, Any] = {}
_CONTENT_KEPT = 64

# Within one request the current version is read once per municipality (see plans_per_request).
_REQUEST: ContextVar[dict[int | None, PlanVersion | None] | None] = ContextVar(
    "varde_request_plans", default=None
)


@contextmanager
def plans_per_request() -> Iterator[None]:
    """Remember the current versions read until the block ends (a request, in the middleware)."""
    token = _REQUEST.set({})
    try:
        yield
    finally:
        _REQUEST.reset(token)


def plans_forget() -> None:
    """Forget the versions remembered for this request, after publishing a new one."""
    remembered = _REQUEST.get()
    if remembered is not None:
        remembered.clear()


def plan_current(
    *, municipality: Municipality | None = None, municipality_id: int | None = None
) -> PlanVersion | None:
    if municipality is not None:
        municipality_id = municipality.pk
    remembered = _REQUEST.get()
    if remembered is not None and municipality_id in remembered:
        return remembered[municipality_id]
    version = _current_version(municipality_id)
    if remembered is not None:
        remembered[municipality_id] = version
    return version


def _current_version(municipality_id: int | None) -> PlanVersion | None:
    """The published version with the highest number, in one query of its own SQL: the content
    column comes back only when its hash is not in _CONTENT."""
    meta = PlanVersion._meta
    content = meta.get_field("content").column
    known = list(_CONTENT)
    body = (
        f"CASE WHEN content_hash IN ({', '.join(['%s'] * len(known))}) THEN NULL ELSE {content} END"
        if known
        else content
    )
    columns = ", ".join(f.column for f in meta.concrete_fields if f.column != content)
    found = list(
        PlanVersion.objects.raw(
            f"SELECT {columns}, {body} AS body FROM {meta.db_table}"
            " WHERE municipality_id = %s AND status = %s ORDER BY number DESC LIMIT 1",
            [*known, municipality_id, PlanVersion.Status.PUBLISHED],
        )
    )
    if not found:
        return None
    version = found[0]
    body_value = version.__dict__.pop("body")
    if body_value is None:
        decoded = _CONTENT[version.content_hash]
    else:
        decoded = json.loads(body_value) if isinstance(body_value, (str, bytes)) else body_value
        if len(_CONTENT) < _CONTENT_KEPT:
            _CONTENT[version.content_hash] = decoded
    version.content = decoded
    return version


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
