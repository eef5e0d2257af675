"""Consent, inviting into a case and referral in Chromium: axe at both widths, keyboard only."""

from __future__ import annotations

import os

import pytest

from tests.browser.support import NARROW, WIDE, check_page, login
from varde.cases.models import CaseParticipant, Consent, Referral

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("VARDE_SCREENSHOTS", "")


def shot(page, name: str) -> None:
    """Screenshots at both widths, when VARDE_SCREENSHOTS names a folder for them."""
    if not SHOTS:
        return
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{size['width']}.png"), full_page=True)
    page.set_viewport_size(WIDE)


def test_the_sharing_pages_pass_axe_at_both_widths(live_server, world, page, console):
    login(page, live_server, world.teacher)
    base = f"{live_server.url}/ansatt/saker/{world.case.pk}"
    problems: list[str] = []
    for path in ("/samtykke/", "/deltakere/", "/henvisning/", "/henvisning/?tjeneste=bup"):
        problems += check_page(
            page, base + path, expect_path=f"/ansatt/saker/{world.case.pk}" + path.split("?")[0]
        )
        shot(page, "consent" + path.replace("/", "_").replace("?", "_").replace("=", "_"))
    problems += console.csp_violations()
    assert not problems, "\n\n".join(problems)


def test_the_owner_records_consent_invites_the_nurse_and_refers_by_keyboard(
    live_server, world, page, console
):
    login(page, live_server, world.teacher)
    page.goto(f"{live_server.url}/ansatt/saker/{world.case.pk}/samtykke/")
    page.get_by_label("Til hvilken tjeneste?").focus()
    page.keyboard.type("Skole")
    page.get_by_label("Foresatt", exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_label("Navn på den foresatte").focus()
    page.keyboard.type("Mor Foresatt")
    page.get_by_label("Hva kan deles?").focus()
    page.keyboard.type("Bekymringen og samtalen.")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Consent.objects.filter(service="skolehelsetjenesten", giver="guardian").exists()
    page.get_by_label("Eleven", exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_label("Til hvilken tjeneste?").select_option("skolehelsetjenesten")
    page.get_by_label("Hva kan deles?").fill("Bekymringen.")
    with page.expect_navigation():
        page.get_by_role("button", name="Registrer samtykket").press("Enter")
    shot(page, "consent_registered")

    page.goto(f"{live_server.url}/ansatt/saker/{world.case.pk}/deltakere/")
    page.get_by_label("Hvem skal inn i saken?").select_option(str(world.nurse.pk))
    with page.expect_navigation():
        page.get_by_role("button", name="Inviter").press("Enter")
    assert CaseParticipant.objects.filter(case=world.case, user=world.nurse).exists()
    shot(page, "consent_participants_after")

    page.goto(f"{live_server.url}/ansatt/saker/{world.case.pk}/henvisning/?tjeneste=barnevern")
    page.get_by_label("Lovgrunnlag, bare når samtykke mangler").select_option("child_welfare_duty")
    page.get_by_label("Hva gjelder henvisningen?").fill("Eleven forteller om vold hjemme.")
    with page.expect_navigation():
        page.get_by_role("button", name="Registrer henvisningen").press("Enter")
    assert Referral.objects.filter(case=world.case, legal_basis="child_welfare_duty").exists()
    assert console.csp_violations() == []


def test_the_principal_sees_sharing_by_law_on_the_case_page(live_server, world, page, console):
    from varde.cases.consent import referral_make

    referral_make(
        actor=world.teacher,
        case=world.case,
        service="barnevern",
        reason="Eleven forteller om vold hjemme.",
        legal_basis="child_welfare_duty",
    )
    login(page, live_server, world.principal)
    url = f"{live_server.url}/ansatt/saker/{world.case.pk}/"
    problems = check_page(page, url)
    page.goto(url)
    shot(page, "consent_case_page_principal")
    alert = page.get_by_text("Delt uten samtykke, etter lov")
    assert alert.is_visible()
    assert page.get_by_text("Barnevernsloven § 13-2").first.is_visible()
    assert not problems, "\n\n".join(problems)
