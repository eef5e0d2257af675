"""The acute routines in Chromium on a phone (375×667 and 320 px): taps counted, 02800 first,
touch targets of at least 44 px, what was typed kept when the connection drops, axe on every
page at 1280 and 320 px, and the next-day follow-up with its reminder the next morning."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from tests.browser.support import NARROW, check_page, login
from varde.audit.models import AuditEntry
from varde.incidents.models import Incident, StepTick
from varde.reminders.services import reminders_collect, reminders_send

pytestmark = pytest.mark.browser

OSLO = ZoneInfo("Europe/Oslo")
PHONE = {"width": 375, "height": 667}
TUESDAY_1040 = dt.datetime(2026, 12, 1, 10, 40, tzinfo=OSLO)
WEDNESDAY_0705 = dt.datetime(2026, 12, 2, 7, 5, tzinfo=OSLO)
SHOTS = os.environ.get("VARDE_SCREENSHOTS", "")


class Taps:
    """Counts what a person does on the phone: each tap, choice or typed field is one."""

    def __init__(self, page) -> None:
        self.page = page
        self.count = 0

    def tap(self, locator, *, navigates: bool = True) -> None:
        self.count += 1
        if navigates:
            with self.page.expect_navigation():
                locator.tap()
        else:
            locator.tap()

    def fill(self, locator, text: str) -> None:
        self.count += 1
        locator.fill(text)

    def select(self, locator, label: str) -> None:
        self.count += 1
        locator.select_option(label=label)


def phone_page(browser, browser_context_args, size=PHONE):
    context = browser.new_context(
        **{**browser_context_args, "viewport": size, "has_touch": True, "is_mobile": True}
    )
    return context, context.new_page()


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def small_targets(page) -> list[str]:
    """Buttons, fields and links in the routine smaller than 44 px high (radios by their line)."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
                '.incident a, .incident button, .incident input:not([type=hidden]), '
                + '.incident select, .incident textarea')]
            .map((el) => el.type === 'radio' ? el.closest('.radio-line') : el)
            .filter((el) => el && el.offsetParent !== null)
            .filter((el) => el.getBoundingClientRect().height < 44)
            .map((el) => `${el.tagName.toLowerCase()} "${(el.textContent || el.name).trim()
                .slice(0, 40)}" ${Math.round(el.getBoundingClientRect().height)}px`)"""
    )


def test_a_principal_completes_the_intoxication_routine_on_a_phone_in_a_few_taps(
    live_server, world, browser, browser_context_args
):
    context, page = phone_page(browser, browser_context_args)
    visited: list[str] = []
    try:
        with time_machine.travel(TUESDAY_1040, tick=True):
            login(page, live_server, world.principal)
            page.goto(f"{live_server.url}/ansatt/")
            taps = Taps(page)
            taps.tap(page.get_by_role("link", name="En elev er ruset / bruker rus i skoletiden"))
            visited.append(page.url)
            taps.fill(page.get_by_label("Elevens navn"), "Petter")
            taps.tap(page.get_by_role("button", name="Finn"))
            visited.append(page.url)
            shot(page, "incident-new-375")
            taps.tap(page.get_by_role("button", name="Start for Petter Elev, 9. trinn"))
            visited.append(page.url)
            shot(page, "incident-start-375")
            for step in ("talk", "shield", "parents"):
                taps.tap(page.locator(f"#step-{step} button"))
            taps.tap(page.get_by_label("Nei – det er ingenting å avverge"), navigates=False)
            taps.tap(page.get_by_role("button", name="Lagre vurderingen"))
            taps.select(page.get_by_label("Hvilken voksen vil eleven snakke med?"), "Tor Lærer")
            taps.tap(page.get_by_role("button", name="Avtal oppfølgingen"))
            shot(page, "incident-done-375")
            assert "Alle stegene er gjort" in page.locator("main").inner_text()
        print(f"intoxication routine on a 375 px phone: {taps.count} taps from the start page")
        incident = Incident.objects.get(reported_by=world.principal)
        done = set(StepTick.objects.filter(incident=incident).values_list("key", flat=True))
        assert done == {"talk", "shield", "leadership", "parents", "follow_up"}
        assert incident.avert_option == "none" and incident.follow_up.adult == world.teacher2
        assert incident.follow_up.due_on == dt.date(2026, 12, 2)
        assert taps.count <= 12

        # The next morning the follow-up waits for Tor, and its e-mail arrives once.
        with time_machine.travel(WEDNESDAY_0705, tick=True):
            for _ in range(2):
                reminders_collect()
                reminders_send()
            to_tor = [m for m in mail.outbox if m.to == [world.teacher2.email]]
            # Tor also has Tina's handover waiting; the follow-up's e-mail is one of its own.
            assert len([m for m in to_tor if "/ansatt/oppfolging/" in m.body]) == 1
            tor_context, tor = phone_page(browser, browser_context_args)
            try:
                login(tor, live_server, world.teacher2)
                tor.goto(f"{live_server.url}/ansatt/")
                with tor.expect_navigation():
                    tor.get_by_role("link", name="Oppfølgingssamtale i dag").tap()
                visited.append(tor.url)
                tor.get_by_label("Hva sa eleven?").fill("Jeg ville bare prøve.")
                tor.get_by_label("Hva ble eleven og skolen enige om").fill("Prat igjen fredag.")
                with tor.expect_navigation():
                    tor.get_by_role("button", name="Lagre samtalen").tap()
                shot(tor, "follow-up-375")
                assert "Samtalen ble holdt" in tor.locator("main").inner_text()
            finally:
                tor_context.close()
        incident.follow_up.refresh_from_db()
        assert incident.follow_up.pupil_words == "Jeg ville bare prøve."
    finally:
        context.close()


@pytest.mark.parametrize("size", [PHONE, NARROW], ids=["375", "320"])
def test_the_sale_routine_shows_02800_first(
    live_server, world, browser, browser_context_args, size
):
    context, page = phone_page(browser, browser_context_args, size)
    try:
        login(page, live_server, world.principal)
        page.goto(f"{live_server.url}/ansatt/")
        taps = Taps(page)
        taps.tap(page.get_by_role("link", name="Mistanke om salg av rusmidler på/ved skolen"))
        first = page.locator(
            "main :is(a[href], button, input:not([type=hidden]), select, textarea)"
        ).first
        assert first.get_attribute("href") == "tel:02800"
        assert page.locator("main h1").first.locator("a[href='tel:02800']").count() == 1
        box = first.bounding_box()
        assert box and box["y"] + box["height"] <= size["height"], box
        assert box["height"] >= 44
        shot(page, f"sale-new-{size['width']}")
        taps.tap(page.get_by_role("button", name="Jeg har ringt – lagre tidspunktet"))
        width = size["width"]
        print(f"sale routine at {width} px: 02800 on top, call recorded in {taps.count} taps")
        incident = Incident.objects.get(kind="drug_sale")
        assert incident.police_called_at is not None and incident.pupil_id is None
        assert small_targets(page) == []
    finally:
        context.close()


def test_what_was_typed_survives_a_dropped_connection_and_is_saved_once(
    live_server, world, browser, browser_context_args
):
    context, page = phone_page(browser, browser_context_args)
    try:
        login(page, live_server, world.teacher)
        url = f"{live_server.url}/ansatt/hendelser/{world.incident.pk}/"
        page.goto(url)
        note = page.locator("#step-parents").get_by_label("Kort notat")
        note.fill("Mor ringt kl. 11, kommer og henter")
        context.set_offline(True)
        page.locator("#step-parents button").tap()
        alert = page.get_by_role("alert").filter(has_text="ingen forbindelse")
        alert.wait_for()
        shot(page, "incident-offline-375")
        assert not StepTick.objects.filter(incident=world.incident, key="parents").exists()
        context.set_offline(False)
        page.reload()
        assert "satt inn igjen" in page.locator("main").inner_text()
        assert note.input_value() == "Mor ringt kl. 11, kommer og henter"
        with page.expect_navigation():
            page.locator("#step-parents button").tap()
        tick = StepTick.objects.get(incident=world.incident, key="parents")
        assert tick.note == "Mor ringt kl. 11, kommer og henter"

        # The answer is lost on the way back: the server saved, the phone never heard. The
        # second tap sends the same form token, and nothing is saved twice.
        lost = {"first": True}

        def lose_first_answer(route):
            if lost.pop("first", False):
                route.fetch()
                route.abort()
            else:
                route.continue_()

        page.route("**/avverging/", lose_first_answer)
        page.get_by_label("Nei – det er ingenting å avverge").tap()
        page.get_by_role("button", name="Lagre vurderingen").tap()
        page.get_by_role("alert").filter(has_text="ingen forbindelse").wait_for()
        with page.expect_navigation():
            page.get_by_role("button", name="Lagre vurderingen").tap()
        decided = AuditEntry.objects.filter(
            object_id=str(world.incident.pk), reason="Avvergingsplikt vurdert"
        )
        assert decided.count() == 1
    finally:
        context.close()


def test_every_incident_page_passes_axe_at_both_widths(live_server, world, page, console):
    sale = Incident.objects.create(
        municipality=world.lunner,
        school=world.school,
        kind="drug_sale",
        reported_by=world.principal,
        started_at=world.incident.started_at,
    )
    problems: list[str] = []
    login(page, live_server, world.principal)
    for path in (
        "/ansatt/hendelser/",
        "/ansatt/hendelser/ny/ruset/",
        "/ansatt/hendelser/ny/ruset/?q=Petter",
        "/ansatt/hendelser/ny/salg/",
        f"/ansatt/hendelser/{world.incident.pk}/",
        f"/ansatt/hendelser/{sale.pk}/",
        f"/ansatt/hendelser/{sale.pk}/?q=Pet",
        f"/ansatt/oppfolging/{world.follow_up.pk}/",
    ):
        problems += check_page(page, live_server.url + path, label="principal")
        page.set_viewport_size(NARROW)
        page.goto(live_server.url + path)
        small = small_targets(page)
        if small:
            problems.append(f"{path} @ 320px: touch targets under 44 px: {small}")
    problems += [f"CSP: {m}" for m in console.csp_violations()]
    assert not problems, "\n\n".join(problems)
