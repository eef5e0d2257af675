"""Each routine page is light on a phone: the bytes it transfers (HTML, CSS and JS as served;
CSS and JS gzip-compressed as whitenoise serves them) are printed and kept under a budget."""

from __future__ import annotations

import gzip
import re

from django.contrib.staticfiles import finders
from django.test import Client

# HTML + CSS + JS, compressed where whitenoise compresses. Fonts are counted apart: the
# browser keeps them from the first page on.
BUDGET = 70_000


def static_bytes(url: str) -> bytes:
    path = finders.find(url.removeprefix("/static/").split("?")[0])
    assert path, url
    with open(path, "rb") as handle:
        return handle.read()


def weight(client: Client, path: str) -> tuple[int, int, int]:
    """(HTML bytes, CSS+JS bytes gzip-compressed, CSS+JS bytes as they are on disk)."""
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.content
    assets = re.findall(rb'<(?:link rel="stylesheet" href|script src)="(/static/[^"]+)"', html)
    raw = [static_bytes(url.decode()) for url in assets]
    return len(html), sum(len(gzip.compress(b, compresslevel=9)) for b in raw), sum(map(len, raw))


def test_each_routine_page_transfers_less_than_the_budget(world):
    client = Client()
    client.force_login(world.principal)
    pages = {
        "start (ruset)": "/ansatt/hendelser/ny/ruset/",
        "start (salg)": "/ansatt/hendelser/ny/salg/",
        "hendelse": f"/ansatt/hendelser/{world.incident.pk}/",
        "oppfølging": f"/ansatt/oppfolging/{world.follow_up.pk}/",
    }
    over = []
    for name, path in pages.items():
        html, assets_gz, assets_raw = weight(client, path)
        total = html + assets_gz
        print(
            f"page weight {name}: {total / 1000:.1f} kB transferred "
            f"(HTML {html / 1000:.1f} kB, CSS+JS {assets_gz / 1000:.1f} kB gzip, "
            f"{assets_raw / 1000:.1f} kB uncompressed)"
        )
        if total > BUDGET:
            over.append(f"{name}: {total} bytes")
    assert not over, over
