"""Archiving a closed case in Chromium: by keyboard, with axe on every state of the pages."""

from __future__ import annotations

import hashlib
import os

import pytest

from tests.browser.support import NARROW, WIDE, check_page, login
from tests.cases.test_archive import fill

pytestmark = pytest.mark.browser

# Set VARDE_SHOTS=/some/prefix to keep screenshots of each state for a look by eye.
SHOTS = os.environ.get("VARDE_SHOTS", "")


@pytest.fixture(autouse=True)
def _packages_in_a_temporary_folder(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


def shoot(page, name: str) -> None:
    if not SHOTS:
        return
    for label, size in (("wide", WIDE), ("narrow", NARROW)):
        page.set_viewport_size(size)
        page.reload()
        page.screenshot(path=f"{SHOTS}-{name}-{label}.png", full_page=True)
    page.set_viewport_size(WIDE)


def focus_and_press(page, locator) -> None:
    """Tab until the element has focus, then press Enter, as a keyboard user would."""
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            page.keyboard.press("Enter")
            return
    raise AssertionError("never reached by Tab")


def test_the_owner_archives_a_closed_case_by_keyboard(live_server, world, page, console):
    case = fill(world)
    login(page, live_server, world.teacher)
    base = f"{live_server.url}/ansatt/saker/{case.pk}"
    problems = check_page(page, f"{base}/", label="closed case")
    problems += check_page(page, f"{base}/arkiv/", label="archive, closed")
    shoot(page, "closed")

    with page.expect_navigation():
        focus_and_press(page, page.get_by_role("button", name="Lag arkivpakke"))
    assert page.url == f"{base}/arkiv/"
    assert page.get_by_text("Arkivpakken er laget.").is_visible()
    problems += check_page(page, f"{base}/arkiv/", label="archive, archived")
    shoot(page, "archived")
    problems += check_page(page, f"{base}/", label="archived case")

    page.goto(f"{base}/arkiv/")
    with page.expect_download() as download_info:
        focus_and_press(page, page.get_by_role("link", name="Last ned arkivpakken (zip)"))
    download = download_info.value
    if SHOTS:
        download.save_as(f"{SHOTS}.zip")
    assert download.suggested_filename == f"arkivpakke-sak-{case.pk}.zip"
    case.refresh_from_db()
    assert hashlib.sha256(open(download.path(), "rb").read()).hexdigest() == case.archive_sha256
    assert not console.csp_violations()
    assert not problems, "\n\n".join(problems)


def test_the_principal_sees_the_archive_page_of_an_open_case(live_server, world, page, console):
    login(page, live_server, world.principal)
    url = f"{live_server.url}/ansatt/saker/{world.case.pk}/arkiv/"
    problems = check_page(page, url, label="principal, open case")
    page.goto(url)
    assert page.get_by_text("Saken er ikke avsluttet.").is_visible()
    shoot(page, "open")
    assert not console.csp_violations()
    assert not problems, "\n\n".join(problems)
