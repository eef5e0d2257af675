"""Documents for the archive: a template rendered as tagged PDF/A-3b, in bokmål and Oslo time."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone, translation

OSLO = ZoneInfo("Europe/Oslo")
PDF_VARIANT = "pdf/a-3b"


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # The document is self-contained: nothing is fetched while it is rendered.
    raise ValueError(f"refused to fetch {url}")


def pdf_archival(template: str, context: dict[str, Any]) -> bytes:
    """`template` with `context` as a tagged PDF/A-3b document."""
    from weasyprint import HTML

    with translation.override("nb"), timezone.override(OSLO):
        html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=_no_fetching).write_pdf(
        pdf_variant=PDF_VARIANT, pdf_tags=True
    )
