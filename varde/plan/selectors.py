"""Reads of the plan."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models import Case, F, JSONField, QuerySet, Value, When
from django.http import Http404

from varde.lib.queries import PreparedQuery
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


def _published_newest(municipality_id: int, known_hash: str) -> QuerySet[PlanVersion]:
    return (
        PlanVersion.objects.filter(
            municipality_id=municipality_id, status=PlanVersion.Status.PUBLISHED
        )
        .defer("content")
        .annotate(
            body=Case(
                When(content_hash=known_hash, then=Value(None)),
                default=F("content"),
                output_field=JSONField(),
            )
        )
        .order_by("-number")[:1]
    )


# Every page reads it, so it is compiled to SQL once per connection.
_published_newest_of = PreparedQuery(_published_newest, int, str)

# The content hash of each municipality's current version when this process last read it: the
# query leaves that content out if the version is still current.
_CURRENT_HASH: dict[int, str] = {}


def _current_version(municipality_id: int | None) -> PlanVersion | None:
    """The published version with the highest number, in one query: its content comes back only
    when it is not the content this process last saw as the municipality's current one."""
    if municipality_id is None:
        return None
    known = _CURRENT_HASH.get(municipality_id, "")
    found = _published_newest_of(municipality_id, known if known in _CONTENT else "")
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
    _CURRENT_HASH[municipality_id] = version.content_hash
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
