from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from varde.people.models import Municipality


def varde(request: HttpRequest) -> dict[str, Any]:
    """What every page needs: the municipality and plan version shown, and the demo banner."""
    municipality = getattr(request, "varde_municipality", None)
    return {
        "varde_municipality": municipality,
        "varde_plan": getattr(request, "varde_plan", None),
        "varde_has_demo": _has_fictional(),
    }


def _has_fictional() -> bool:
    return Municipality.objects.filter(is_fictional=True).exists()
