"""Screenshots for docs/screenshots/, at 1280 px (the viewport) and 320 px (the whole page).

Not a check: it rewrites the PNGs, so it is not collected with the suite. Run it with
    make screenshots
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.support import NARROW, WIDE, login

pytestmark = [pytest.mark.browser]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

PUBLIC = {
    "plan": "/k/lunner/plan/",
    "directory": "/k/lunner/tjenester/",
    "call-now": "/k/lunner/ring/worried/",
}


def shoot(page, url: str, name: str) -> list[Path]:
    written = []
    for size, full_page in ((WIDE, False), (NARROW, True)):
        page.set_viewport_size(size)
        response = page.goto(url)
        assert response and response.status == 200, url
        page.evaluate("document.fonts.ready")
        path = OUT / f"{name}-{size['width']}.png"
        page.screenshot(path=str(path), full_page=full_page)
        written.append(path)
    return written


def test_screenshots(live_server, world, page):
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    for name, path in PUBLIC.items():
        written += shoot(page, live_server.url + path, name)
    login(page, live_server, world.principal)
    written += shoot(page, live_server.url + "/ansatt/", "start")
    for path in written:
        assert path.stat().st_size > 0
    print("\n".join(str(p) for p in written))
