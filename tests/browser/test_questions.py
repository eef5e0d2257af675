"""A pupil's anonymous question in Chromium: the pupil asks on a phone, the school nurse answers
from the inbox, the pupil reads the answer with the pickup code; axe at 320 and 1280 px on
every page on the way, and the SLT coordinator's topics per month."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.browser.support import NARROW, WIDE, check_page, check_shown_page, login_by_session
from varde.questions.forms import MIN_SECONDS, form_token
from varde.questions.models import PupilQuestion

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("VARDE_SCREENSHOTS", "")
QUESTION = "Er det farlig å prøve hasj én gang? Vennene mine gjør det på fester."
ANSWER = "Ja, det kan være det. Kom gjerne innom på helsesøsterkontoret på tirsdag."


def older_token() -> str:
    """The form's time token as the page hands it out, issued MIN_SECONDS + 1 seconds ago."""
    return form_token(issued=time.time() - MIN_SECONDS - 1)


def shot(page, name: str) -> None:
    """The whole page at 320 px, when VARDE_SCREENSHOTS names a folder for it."""
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(NARROW)
    page.screenshot(path=os.path.join(SHOTS, f"{name}-320.png"), full_page=True)
    page.set_viewport_size(WIDE)


def test_a_pupil_asks_the_nurse_answers_and_the_pupil_reads_the_answer(
    live_server, world, page, browser, browser_context_args, console
):
    ask_url = f"{live_server.url}/k/lunner/elev/sporsmal/"
    answer_url = f"{live_server.url}/k/lunner/elev/svar/"
    problems = check_page(page, ask_url, label="pupil, ask")
    shot(page, "ask")
    assert page.get_by_role("link", name="Ring 116 111").count() == 1
    assert page.get_by_role("link", name="Ring 112").count() == 1

    page.set_viewport_size(NARROW)
    page.get_by_label("Skolen din").select_option(label="Lunner ungdomsskole")
    page.get_by_label("Helsesykepleier").check()
    page.get_by_label("Cannabis (hasj og marihuana)").check()
    page.get_by_label("Spørsmålet ditt").fill(QUESTION)
    page.get_by_label("Det haster – jeg trenger hjelp nå").check()
    # Nobody writes a question faster than the form allows: rather than wait out MIN_SECONDS,
    # the pupil sends the token the page would have been given MIN_SECONDS + 1 seconds ago,
    # signed as the app signs it (tests/questions test the token's limits themselves).
    token = page.locator("input[name=token]")
    assert token.count() == 1 and token.get_attribute("value")
    token.evaluate("(input, value) => { input.value = value; }", older_token())
    with page.expect_navigation():
        page.get_by_role("button", name="Send spørsmålet").click()
    assert "Spørsmålet er sendt" in page.locator("h1").inner_text()
    code = page.locator(".pickup-code code").inner_text().strip()
    assert len(code) == 19
    problems += check_shown_page(page, label="pupil, receipt")
    shot(page, "receipt")
    question = PupilQuestion.objects.get()
    assert question.urgent and question.to_role == "school_nurse"

    nurse_context = browser.new_context(**browser_context_args)
    nurse = nurse_context.new_page()
    try:
        login_by_session(nurse, live_server, world.nurse)
        problems += check_page(nurse, f"{live_server.url}/ansatt/rad/", label="nurse, inbox")
        shot(nurse, "inbox")
        assert "1 av dem haster" in nurse.locator("main").inner_text()
        with nurse.expect_navigation():
            nurse.get_by_role(
                "link", name="Cannabis (hasj og marihuana), Lunner ungdomsskole"
            ).click()
        problems += check_page(nurse, nurse.url, label="nurse, question")
        shot(nurse, "question")
        assert QUESTION in nurse.locator("main").inner_text()
        nurse.get_by_label("Svaret ditt").fill(ANSWER)
        with nurse.expect_navigation():
            nurse.get_by_role("button", name="Send svaret").click()
        assert "Svaret er lagret" in nurse.locator("main").inner_text()
        problems += check_shown_page(nurse, label="nurse, answered")

        login_by_session(nurse, live_server, world.slt)
        problems += check_page(
            nurse, f"{live_server.url}/ansatt/innsikt/elevsporsmal/", label="slt, topics"
        )
        shot(nurse, "topics")
        assert QUESTION not in nurse.content()
    finally:
        nurse_context.close()

    problems += check_page(page, answer_url, label="pupil, code")
    shot(page, "answer-form")
    page.get_by_label("Hentekoden din").fill("AAAA-BBBB-CCCC-DDDD")
    with page.expect_navigation():
        page.get_by_role("button", name="Vis svaret").click()
    assert "Vi fant ikke noe spørsmål med denne koden" in page.locator("main").inner_text()
    problems += check_shown_page(page, label="pupil, wrong code")
    shot(page, "answer-wrong-code")
    page.get_by_label("Hentekoden din").fill(code.lower())
    with page.expect_navigation():
        page.get_by_role("button", name="Vis svaret").click()
    main = page.locator("main").inner_text()
    assert ANSWER in main and QUESTION in main and "Hanne" not in main
    problems += check_shown_page(page, label="pupil, answer")
    shot(page, "answer")
    problems += console.csp_violations()
    assert not problems, "\n\n".join(problems)
