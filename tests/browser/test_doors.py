"""A parent on a phone finds the parent meetings of their child's school in two taps from the
front page and gets them into a calendar; the doors pass axe at 320 and 1280 px."""

from __future__ import annotations

import os

import pytest
from django.utils import timezone
from icalendar import Calendar

from tests.browser.support import check_page
from varde.yearplan.models import YearEvent
from varde.yearplan.selectors import school_year_of
from varde.yearplan.services import yearplan_roll

pytestmark = pytest.mark.browser

# Set VARDE_SHOTS=/some/folder to keep a 320 px screenshot of each door for a look by eye.
SHOTS = os.environ.get("VARDE_SHOTS", "")

PHONE = {"width": 360, "height": 640}


def test_a_parent_reaches_the_meetings_in_two_taps_and_subscribes(
    live_server, browser, browser_context_args, world
):
    year = school_year_of(timezone.localdate()) + 1
    yearplan_roll(actor=world.slt, school=world.school, school_year=year)
    public = YearEvent.objects.filter(school=world.school, public=True).order_by("starts_at")
    assert public.exists()
    context = browser.new_context(
        **{**browser_context_args, "viewport": PHONE, "has_touch": True, "is_mobile": True}
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/k/lunner/")
        with page.expect_navigation():
            page.get_by_role("link", name="Jeg er forelder").tap()
        with page.expect_navigation():
            page.get_by_role("link", name=world.school.name).tap()
        assert page.url.endswith(f"/k/lunner/forelder/skole/{world.school.pk}/")
        heading = page.get_by_role("heading", level=2).first
        assert public.first().title in heading.inner_text()
        subscribe = page.get_by_role("link", name="Abonner på kalenderen")
        assert subscribe.get_attribute("href").startswith("webcal://")
        feed = page.locator("code.feed-url").inner_text()
        response = page.request.get(feed)
        assert response.status == 200
        events = Calendar.from_ical(response.body()).walk("VEVENT")
        assert len(events) == public.count()
    finally:
        context.close()


def test_the_doors_pass_axe_at_both_widths(page, live_server, world):
    year = school_year_of(timezone.localdate()) + 1
    yearplan_roll(actor=world.slt, school=world.school, school_year=year)
    problems = []
    for path in (
        "/k/lunner/forelder/",
        "/k/lunner/elev/",
        f"/k/lunner/forelder/skole/{world.school.pk}/",
    ):
        problems += check_page(page, f"{live_server.url}{path}", label="door")
        if SHOTS:
            page.set_viewport_size({"width": 320, "height": 640})
            page.goto(f"{live_server.url}{path}")
            name = path.strip("/").replace("/", "-")
            page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
            page.set_viewport_size({"width": 1280, "height": 800})
    assert not problems, "\n".join(problems)
