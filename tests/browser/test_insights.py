"""The trend page in Chromium: axe at 1280 and 320 px, the filter by keyboard, the CSV link."""

from __future__ import annotations

import pytest

from tests.browser.support import check_page, login
from tests.browser.test_advice import shot
from tests.insights.test_trends import dataset

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("persona", ["slt", "principal", "admin"])
def test_the_trend_page_passes_axe_at_both_widths(live_server, world, page, console, persona):
    dataset(world)
    login(page, live_server, getattr(world, persona))
    problems = check_page(page, f"{live_server.url}/ansatt/innsikt/?fra=2026-01&til=2026-12")
    problems += check_page(page, f"{live_server.url}/ansatt/innsikt/?fra=2026-13", label="error")
    shot(page, f"insights-{persona}")
    assert not console.csp_violations()
    assert not problems, "\n".join(problems)


def test_the_slt_coordinator_filters_by_school_with_the_keyboard(live_server, world, page):
    dataset(world)
    login(page, live_server, world.slt)
    page.goto(f"{live_server.url}/ansatt/innsikt/")
    page.get_by_label("Skole", exact=True).focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.get_by_role("button", name="Vis").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "skole=" in page.url
    assert page.get_by_role("table").first.is_visible()
    link = page.get_by_role("link", name="Last ned tallene (CSV)")
    assert "skole=" in (link.get_attribute("href") or "")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("varde-innsikt-")
