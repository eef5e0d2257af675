"""Reads of people and places that are not personal data about pupils."""

from __future__ import annotations

from typing import Any

from varde.people.models import Municipality


def staff_municipality(user: Any) -> Municipality | None:
    """The municipality whose plan the user's pages show: the one the user works in, or the
    first by name (real ones before fictional) when the user works in several."""
    if not any(a.municipality_id or a.slt_region_id for a in user.assignments):
        # Most staff work at the schools of one municipality, read with their role assignments.
        known = {a.school.municipality_id: a.school.municipality for a in user.assignments}
        if len(known) == 1:
            return next(iter(known.values()))
    ids = sorted(user.municipality_ids())
    return Municipality.objects.filter(id__in=ids).order_by("is_fictional", "name").first()


def demo_present() -> bool:
    """Whether any fictional (demo) municipality exists: every page then says so."""
    return Municipality.objects.filter(is_fictional=True).exists()
