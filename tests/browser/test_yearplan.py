"""The SLT coordinator plans next school year's parent meetings for two schools in Chromium,
by keyboard, and subscribes to the feed; axe at 1280 and 320 px on every year plan page."""

from __future__ import annotations

import os

import pytest
from django.utils import timezone
from icalendar import Calendar

from tests.browser.support import NARROW, WIDE, check_page, login
from varde.yearplan.models import YearEvent
from varde.yearplan.selectors import school_year_label, school_year_of

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("VARDE_SCREENSHOTS", "")


def shot(page, name: str) -> None:
    if not SHOTS:
        return
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{size['width']}.png"), full_page=True)
    page.set_viewport_size(WIDE)


def press_link(page, name: str) -> None:
    page.get_by_role("link", name=name).first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def plan_meeting(page, title: str, *, day: str, place: str, responsible: str) -> None:
    page.get_by_role("link", name=title).first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_label("Dato").fill(day)
    page.get_by_label("Sted", exact=True).fill(place)
    page.get_by_label("Ansvarlig").select_option(label=responsible)
    with page.expect_navigation():
        page.get_by_role("button", name="Lagre møtet").press("Enter")
    assert page.get_by_text("Møtet er lagret.").is_visible()


def test_the_slt_coordinator_plans_next_year_for_two_schools_and_subscribes(
    live_server, world, page, console
):
    year = school_year_of(timezone.localdate()) + 1
    label = school_year_label(year)
    login(page, live_server, world.slt)
    press_link(page, "Årshjul: foreldremøter og elevforedrag")
    press_link(page, f"Skoleåret {label}")
    shot(page, "yearplan_index")
    problems = check_page(
        page, page.url.split("?")[0] + f"?ar={year}", label="slt", expect_path="/ansatt/arshjul/"
    )
    # Both Lunner schools are offered, ticked; Gran has no plan in Varde and is not.
    assert page.get_by_label("Lunner ungdomsskole").is_checked()
    assert page.get_by_label("Harestua skole").is_checked()
    assert page.get_by_label("Gran ungdomsskole").count() == 0
    with page.expect_navigation():
        page.get_by_role("button", name=f"Lag årshjul for {label}").press("Enter")
    assert YearEvent.objects.filter(school=world.school, school_year=year).exists()
    assert YearEvent.objects.filter(school=world.other_school, school_year=year).exists()

    press_link(page, "Lunner ungdomsskole")
    shot(page, "yearplan_school")
    problems += check_page(
        page, page.url, label="slt", expect_path=f"/ansatt/arshjul/skole/{world.school.pk}/"
    )
    plan_meeting(
        page,
        "Foreldremøte med Utsett!",
        day=f"16.09.{year}",
        place="Aulaen",
        responsible="Sigrid SLT",
    )
    # The place is sealed, so it is compared in Python, not in SQL.
    (meeting,) = [e for e in YearEvent.objects.filter(school=world.school) if e.place == "Aulaen"]
    problems += check_page(
        page, f"{live_server.url}/ansatt/arshjul/mote/{meeting.pk}/", label="slt"
    )
    shot(page, "yearplan_event")

    page.goto(f"{live_server.url}/ansatt/arshjul/?ar={year}")
    press_link(page, "Harestua skole")
    plan_meeting(
        page,
        "Foreldremøte før ungdomsskolen",
        day=f"20.04.{year + 1}",
        place="Gymsalen",
        responsible="Sigrid SLT",
    )

    press_link(page, "Abonner i kalenderen")
    page.get_by_label("Møter der jeg er ansvarlig").focus()
    with page.expect_navigation():
        page.get_by_role("button", name="Lag adresse").press("Enter")
    shot(page, "yearplan_calendar")
    problems += check_page(page, page.url, label="slt")
    address = page.get_by_role("textbox", name="Adresse").input_value()
    assert address.startswith(live_server.url + "/kalender/") and address.endswith(".ics")
    feed = page.request.get(address)
    assert feed.status == 200
    calendar = Calendar.from_ical(feed.body())
    summaries = sorted(str(e["summary"]) for e in calendar.walk("VEVENT"))
    assert len(summaries) == 2
    assert "Lunner ungdomsskole" in summaries[0] + summaries[1]
    assert "Harestua skole" in summaries[0] + summaries[1]

    for path in ("/ansatt/slt/", "/ansatt/kompetanse/"):
        problems += check_page(page, live_server.url + path, label="slt")
    assert console.csp_violations() == []
    assert not problems, "\n\n".join(problems)


def test_the_principal_and_a_teacher_see_competence_and_the_routines_ask(
    live_server, world, page, console
):
    login(page, live_server, world.principal)
    problems = check_page(page, f"{live_server.url}/ansatt/", label="principal")
    with page.expect_navigation():
        page.get_by_role("button", name="Jeg har lest rutinene").press("Enter")
    assert page.get_by_role("button", name="Jeg har lest rutinene").count() == 0
    press_link(page, "Hvem har kompetanse ved skolen min?")
    shot(page, "competence")
    problems += check_page(page, page.url, label="principal")
    press_link(page, "Endre for Kari Kjentmann")
    problems += check_page(page, page.url, label="principal")
    page.get_by_label("Kjentmann-kurs fullført").fill("12.03.2025")
    with page.expect_navigation():
        page.get_by_role("button", name="Lagre").press("Enter")
    assert page.get_by_text("Kjentmann-kurs 12. mars 2025").is_visible()
    shot(page, "competence_saved")
    assert console.csp_violations() == []
    assert not problems, "\n\n".join(problems)
