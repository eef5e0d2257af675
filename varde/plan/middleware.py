from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from varde.plan.selectors import plans_per_request


class PlanPerRequestMiddleware:
    """Read each municipality's current plan version once per request, however many parts of
    the page (view, panels, footer) ask for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with plans_per_request():
            return self.get_response(request)
