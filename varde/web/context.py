from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from varde.web.pages import page_frame


def frame(request: HttpRequest) -> dict[str, Any]:
    """The default frame, for pages Varde's views do not render themselves (login, two-factor,
    error pages). Worked out only if the page shows it: a page rendered with render_page
    brings its own, and this one is never read."""
    return {"frame": SimpleLazyObject(lambda: page_frame(request))}
