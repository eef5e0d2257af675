"""Saturday evening, a worried teacher on a phone: the on-call number in at most three taps.

Lunner's child welfare office is closed on Saturdays, so the number to call is the
intermunicipal on-call service (barnevernsvakt), 64 99 32 70.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.browser.support import NARROW

pytestmark = pytest.mark.browser

SATURDAY_EVENING = dt.datetime(2026, 12, 5, 19, 30, tzinfo=ZoneInfo("Europe/Oslo"))
ON_CALL = "tel:64993270"


def first_tel(page) -> str | None:
    link = page.locator("a[href^='tel:']").first
    return link.get_attribute("href") if link.count() else None


def test_the_on_call_number_is_three_taps_away_on_a_saturday_evening(
    live_server, world, browser, browser_context_args
):
    # A first-time visitor: a fresh phone-sized browser without cookies.
    phone = {**browser_context_args, "viewport": NARROW, "has_touch": True, "is_mobile": True}
    context = browser.new_context(**phone)
    try:
        _three_taps(live_server, context.new_page())
    finally:
        context.close()


def _three_taps(live_server, page) -> None:
    # time-machine patches the clock for the whole process, the live server's thread included.
    with time_machine.travel(SATURDAY_EVENING, tick=True):
        page.goto(live_server.url + "/")
        clicks = 0
        # What a worried person taps: the situation that says they are worried.
        while first_tel(page) != ON_CALL and clicks < 2:
            target = page.get_by_role("link", name=re.compile("bekymret", re.IGNORECASE))
            if not target.count():
                break
            with page.expect_navigation():
                target.first.tap()
            clicks += 1
        assert first_tel(page) == ON_CALL, (
            f"after {clicks} taps, the first tel: link on {page.url} is {first_tel(page)}"
        )
        call = page.locator("a[href^='tel:']").first
        box = call.bounding_box()
        assert box and box["y"] + box["height"] <= NARROW["height"], (
            f"the number to call is below the fold at 320×640: {box}"
        )
        assert "lørdag" in page.locator("main").inner_text()
    taps = clicks + 1  # and the tap on the number itself
    print(f"three taps: {taps} taps from / to calling {ON_CALL} ({page.url})")
    assert clicks <= 2
    assert taps <= 3
