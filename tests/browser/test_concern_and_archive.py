"""The report of concern to the child welfare service, written by the teacher who owns the case
with the keyboard and followed by the principal until it is confirmed received; and the
archive's reference confirmed on a closed case's archive page. axe at 1280 and 320 px on every
state of the pages on the way."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from django.utils import timezone

from tests.browser.support import NARROW, WIDE, check_page, check_shown_page, login_by_session
from varde.cases.models import ArchiveDelivery, Case, ConcernReport
from varde.people.demo import demo_load
from varde.people.models import User

pytestmark = pytest.mark.browser

# Set VARDE_SHOTS=/some/folder to keep a 320 px screenshot of each page for a look by eye.
SHOTS = os.environ.get("VARDE_SHOTS", "")

DATE_FORMAT = "%d.%m.%Y %H:%M"


@pytest.fixture(autouse=True)
def _packages_in_a_temporary_folder(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


def shoot(page, name: str) -> None:
    """A full-page screenshot of the page as it stands, at 320 px wide."""
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(NARROW)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
    page.set_viewport_size(WIDE)


def tab_to(page, locator, limit: int = 80) -> None:
    """Press Tab from wherever focus is until `locator` has it, as a keyboard user would."""
    for _ in range(limit):
        if locator.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"never reached by Tab: {locator}")


def focused_name(page) -> str:
    return page.evaluate("document.activeElement.name || ''")


def test_the_owner_writes_a_report_of_concern_and_the_principal_follows_it_to_the_receipt(
    live_server, world, page, browser, browser_context_args
):
    case = world.case
    base = f"{live_server.url}/ansatt/saker/{case.pk}"
    problems: list[str] = []

    # The teacher who owns the case, by keyboard only.
    login_by_session(page, live_server, world.teacher)
    page.goto(f"{base}/")
    page.locator("body").focus()
    tab_to(page, page.get_by_role("link", name="Skriv bekymringsmelding til barnevernet"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{base}/bekymringsmelding/"
    problems += check_shown_page(page, label="teacher, new report of concern")
    shoot(page, "concern-new")

    seen = page.get_by_label("Hva er skolen bekymret for?")
    done = page.get_by_label("Hva har skolen gjort?")
    # What was observed, and the measure the school has set in, with the day it was set.
    assert seen.input_value() == "Virket ruset etter lunsj 20.11."
    measure_day = timezone.localdate(world.measure.created_at).strftime("%d.%m.%Y")
    assert done.input_value() == f"– Ukentlig samtale med kontaktlærer. ({measure_day})"

    page.locator("body").focus()
    tab_to(page, page.get_by_label("Det haster: barnet kan trenge hjelp straks"))
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert focused_name(page) == "seen"
    page.keyboard.press("Control+End")
    page.keyboard.type(" Sa at han ikke får sove hjemme.")
    page.keyboard.press("Tab")
    assert focused_name(page) == "done"
    page.keyboard.press("Tab")
    assert focused_name(page) == "guardians_informed"
    page.keyboard.type("Nei: far kan reagere med vold mot eleven.")
    page.keyboard.press("Tab")
    # No basis is chosen: Tab lands on the first one, Space chooses it.
    assert focused_name(page) == "legal_basis"
    page.keyboard.press("Space")
    basis = "Opplysningsplikten til barnevernet (Barnevernsloven § 13-2)"
    assert page.get_by_label(basis).is_checked()
    tab_to(page, page.get_by_role("button", name="Lagre meldingen"), limit=3)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    report = ConcernReport.objects.get(case=case)
    assert page.url == f"{base}/bekymringsmelding/{report.pk}/"
    assert (report.legal_basis, report.urgent, report.created_by) == (
        "child_welfare_duty",
        True,
        world.teacher,
    )
    assert report.seen == "Virket ruset etter lunsj 20.11. Sa at han ikke får sove hjemme."
    assert report.guardians_informed == "Nei: far kan reagere med vold mot eleven."
    main = page.locator("main")
    assert "Meldingen er lagret. Skolens ledelse må godkjenne den før den sendes." in (
        main.inner_text()
    )
    next_step = page.get_by_role("region", name="Neste steg")
    assert "Skolens ledelse leser og godkjenner meldingen." in next_step.inner_text()
    assert page.get_by_role("button", name="Godkjenn meldingen").count() == 0
    problems += check_shown_page(page, label="teacher, report waiting for approval")
    shoot(page, "concern-waiting")

    # The principal, in a window of her own.
    context = browser.new_context(**browser_context_args)
    try:
        rita = context.new_page()
        login_by_session(rita, live_server, world.principal)
        report_url = f"{base}/bekymringsmelding/{report.pk}/"
        rita.goto(report_url)
        with rita.expect_navigation():
            rita.get_by_role("button", name="Godkjenn meldingen").click()
        assert "Lagret." in rita.locator("main").inner_text()
        report.refresh_from_db()
        assert report.approved_by == world.principal

        # A sending in the future is refused, and nothing is recorded.
        sent_at = rita.get_by_label("Når ble den sendt?")
        rita.get_by_label("Den nasjonale digitale bekymringsmeldingen").check()
        tomorrow = timezone.localtime() + dt.timedelta(days=1)
        sent_at.fill(tomorrow.strftime(DATE_FORMAT))
        version = report.version
        with rita.expect_navigation():
            rita.get_by_role("button", name="Registrer at meldingen er sendt").click()
        summary = rita.locator(".ds-error-summary")
        assert "Tidspunktet for sendingen kan ikke være fram i tid." in summary.inner_text()
        report.refresh_from_db()
        assert (report.sent_at, report.channel, report.version) == (None, "", version)
        problems += check_shown_page(rita, label="principal, sending in the future refused")

        # The page as it comes: the time is now, to the minute.
        problems += check_page(rita, report_url, label="principal, approved report")
        rita.goto(report_url)
        shown = dt.datetime.strptime(sent_at.input_value(), DATE_FORMAT)
        now = timezone.localtime().replace(tzinfo=None)
        assert dt.timedelta(0) <= now - shown < dt.timedelta(minutes=2), (shown, now)
        rita.get_by_label("Den nasjonale digitale bekymringsmeldingen").check()
        with rita.expect_navigation():
            rita.get_by_role("button", name="Registrer at meldingen er sendt").click()
        report.refresh_from_db()
        assert (report.channel, report.sent_by) == ("portal", world.principal)
        assert "Venter på kvittering fra barneverntjenesten." in rita.locator("main").inner_text()

        rita.get_by_label("Kvitteringsnummer eller referanse fra barneverntjenesten").fill(
            "BV-2026-0042"
        )
        with rita.expect_navigation():
            rita.get_by_role("button", name="Registrer kvitteringen").click()
        report.refresh_from_db()
        assert report.receipt_number == "BV-2026-0042"
        assert "Barneverntjenesten har bekreftet meldingen." in rita.locator("main").inner_text()
        problems += check_shown_page(rita, label="principal, report confirmed received")
        shoot(rita, "concern-received")

        rita.goto(f"{base}/")
        panel = rita.get_by_role("region", name="Melding til barnevernet")
        assert "bekreftet mottatt" in panel.inner_text()
    finally:
        context.close()
    assert not problems, "\n\n".join(problems)


def test_the_principal_confirms_the_archives_reference(live_server, page):
    demo_load(stdout=io.StringIO())
    principal = User.objects.get(email="rektor@fjellvik.demo")
    case = Case.objects.get(
        school__external_id="FJ-US", status=Case.Status.CLOSED, archived_at__isnull=True
    )
    url = f"{live_server.url}/ansatt/saker/{case.pk}/arkiv/"
    login_by_session(page, live_server, principal)
    problems = check_page(page, url, label="principal, closed case")
    page.goto(url)
    with page.expect_navigation():
        page.get_by_role("button", name="Lag arkivpakke").click()
    assert "Arkivpakken er laget." in page.locator("main").inner_text()
    delivery = ArchiveDelivery.objects.get(case=case)
    assert (delivery.transport, delivery.state) == ("download", "waiting")
    problems += check_page(page, url, label="principal, package made")
    shoot(page, "archive-waiting")

    reference = page.get_by_label("Arkivets referanse")
    reference.fill("<script>")
    with page.expect_navigation():
        page.get_by_role("button", name="Bekreft at arkivet har saken").click()
    error = page.locator(".ds-field .ds-validation-message")
    assert error.inner_text() == (
        "Skriv arkivets referanse, for eksempel saksnummer 2026/1234 (høyst 200 tegn)."
    )
    delivery.refresh_from_db()
    assert (delivery.state, delivery.reference) == ("waiting", "")
    problems += check_shown_page(page, label="principal, reference refused")

    reference.fill("2026/4711")
    with page.expect_navigation():
        page.get_by_role("button", name="Bekreft at arkivet har saken").click()
    assert page.url == url
    next_step = page.get_by_role("region", name="Neste steg")
    assert "Arkivet har saken: 2026/4711." in next_step.inner_text()
    assert page.get_by_role("button", name="Bekreft at arkivet har saken").count() == 0
    delivery.refresh_from_db()
    assert (delivery.state, delivery.reference) == ("received", "2026/4711")
    problems += check_page(page, url, label="principal, archive has the case")
    page.goto(url)
    shoot(page, "archive-received")
    assert not problems, "\n\n".join(problems)
