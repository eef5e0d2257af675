from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control


class NoStoreMiddleware:
    """Pages seen while logged in may hold personal data: never cache them anywhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated or request.path.startswith(("/ansatt/", "/konto/")):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


class BokmalFirstMiddleware:
    """Speak bokmål unless the user has chosen English in Varde.

    Many Norwegian staff have browsers set to English; the browser's
    Accept-Language header is therefore ignored and only the explicit choice
    (the language cookie set by the switch in the header) counts.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
