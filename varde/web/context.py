from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from varde.people.models import Municipality


def varde(request: HttpRequest) -> dict[str, Any]:
    """What every page needs: the municipality and plan version shown, and the demo banner."""
    from varde.plan.selectors import plan_current
    from varde.web.start import staff_municipality

    municipality = getattr(request, "varde_municipality", None)
    user = getattr(request, "user", None)
    if municipality is None and user is not None and user.is_authenticated:
        municipality = staff_municipality(user)
    if municipality is None:
        from varde.web.views import default_municipality

        municipality = default_municipality()
    plan = getattr(request, "varde_plan", None)
    if plan is None and municipality is not None:
        plan = plan_current(municipality=municipality)
    return {
        "varde_municipality": municipality,
        "varde_plan": plan,
        "varde_has_demo": _has_demo(user),
    }


def _has_demo(user: Any) -> bool:
    # Read with the signed-in user at the start of this request (varde.people.backends).
    known = getattr(user, "varde_has_demo", None)
    if known is not None:
        return known
    return Municipality.objects.filter(is_fictional=True).exists()
