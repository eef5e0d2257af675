"""Advice and the chronology in Chromium: axe at both widths, keyboard only, and the print."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.utils import timezone

from tests.browser.support import NARROW, WIDE, check_page, login
from varde.cases.advice import advice_answer, advice_ask
from varde.cases.models import AdviceRequest

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("VARDE_SCREENSHOTS", "")
QUESTION = "Eleven virker sliten og sier hen har prøvd hasj. Hva bør jeg spørre om?"


def shot(page, name: str) -> None:
    """Screenshots at both widths, when VARDE_SCREENSHOTS names a folder for them."""
    if not SHOTS:
        return
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{size['width']}.png"), full_page=True)
    page.set_viewport_size(WIDE)


def test_the_owner_asks_anonymously_by_keyboard(live_server, world, page, console):
    login(page, live_server, world.teacher)
    page.goto(f"{live_server.url}/ansatt/saker/{world.case.pk}/")
    page.get_by_role("link", name="Spør Kjentmann eller helsesykepleier om råd").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    shot(page, "advice_ask")
    page.get_by_label("Kari Kjentmann (Kjentmann)").focus()
    page.keyboard.press("Space")
    # The group of radio buttons is one stop for Tab; the next is the question.
    page.keyboard.press("Tab")
    page.keyboard.type(QUESTION)
    with page.expect_navigation():
        page.get_by_role("button", name="Send spørsmålet").press("Enter")
    question = AdviceRequest.objects.get()
    assert question.anonymous and question.adviser == world.kjentmann
    assert question.question == QUESTION
    shot(page, "advice_case_panel")
    assert console.csp_violations() == []


def test_the_kjentmann_answers_by_keyboard_and_never_sees_who(live_server, world, page, console):
    question = advice_ask(
        actor=world.teacher, case=world.case, adviser=world.kjentmann, question=QUESTION
    )
    login(page, live_server, world.kjentmann)
    problems = check_page(page, f"{live_server.url}/ansatt/rad/", label="kjentmann")
    shot(page, "advice_inbox")
    page.get_by_role("link", name="Anonymt, elev 13–15 år").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    problems += check_page(page, page.url, label="kjentmann")
    shot(page, "advice_question")
    assert world.pupil.full_name not in page.content()
    page.get_by_label("Svaret ditt").focus()
    page.keyboard.type("Spør åpent om hvordan hen har det, og lytt.")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    question.refresh_from_db()
    assert question.answer == "Spør åpent om hvordan hen har det, og lytt."
    problems += check_page(page, f"{live_server.url}/ansatt/rad/{question.pk}/", label="answered")
    problems += console.csp_violations()
    assert not problems, "\n\n".join(problems)


def test_the_paged_inbox_passes_axe_and_pages_by_keyboard(live_server, world, page, console):
    now = timezone.now()
    AdviceRequest.objects.bulk_create(
        AdviceRequest(
            case=world.case,
            asked_by=world.teacher,
            adviser=world.kjentmann,
            age_band="13–15 år",
            asked_at=now - dt.timedelta(minutes=i),
            question=f"{QUESTION} ({i})",
        )
        for i in range(60)
    )
    login(page, live_server, world.kjentmann)
    problems = check_page(page, f"{live_server.url}/ansatt/rad/?side=2", label="inbox page 2")
    problems += check_page(page, f"{live_server.url}/ansatt/rad/", label="inbox page 1")
    pages = page.get_by_role("navigation", name="Sider")
    assert pages.get_by_text("Side 1 av 2").is_visible()
    pages.get_by_role("link", name="Neste").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/ansatt/rad/?side=2")
    assert page.get_by_role("navigation", name="Sider").get_by_text("Side 2 av 2").is_visible()
    assert page.get_by_role("link", name="Anonymt, elev 13–15 år").count() == 10
    problems += console.csp_violations()
    assert not problems, "\n\n".join(problems)


def test_the_chronology_passes_axe_and_prints_without_navigation(live_server, world, page, console):
    question = advice_ask(
        actor=world.teacher, case=world.case, adviser=world.nurse, question=QUESTION
    )
    advice_answer(actor=world.nurse, question=question, answer="Ta kontakt med meg på tirsdag.")
    login(page, live_server, world.teacher)
    url = f"{live_server.url}/ansatt/saker/{world.case.pk}/kronologi/"
    problems = check_page(page, url, label="teacher")
    problems += check_page(page, f"{live_server.url}/ansatt/saker/{world.case.pk}/", label="panel")
    page.goto(url)
    shot(page, "chronology")
    button = page.get_by_role("button", name="Skriv ut")
    assert button.is_visible()
    # window.print() is replaced in the page so the test can see the button call it.
    page.evaluate("window.print = () => { window.printed = true; }")
    button.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("window.printed === true")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not button.is_visible()
    assert page.get_by_text("Ta kontakt med meg på tirsdag.").is_visible()
    if SHOTS:
        page.pdf(path=os.path.join(SHOTS, "chronology.pdf"))
    page.emulate_media(media="screen")
    problems += console.csp_violations()
    assert not problems, "\n\n".join(problems)
