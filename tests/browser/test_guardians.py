"""Guardians and the import that brings them: the principal with an intoxicated pupil in the
office, on a phone, sees whom to call; the administrator maps an export's columns."""

from __future__ import annotations

import io
import re

import pytest

from tests.browser.support import check_page, check_shown_page, login
from varde.people.demo import DEMO_PASSWORD, demo_load
from varde.people.models import Guardian, Pupil, User

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 640}


def test_the_parents_step_shows_whom_to_call_with_the_restriction_first_on_a_phone(
    live_server, browser, browser_context_args
):
    demo_load(stdout=io.StringIO())
    principal = User.objects.get(email="rektor@fjellvik.demo")
    # A demo pupil at the principal's school whose father must not be contacted; the guardians
    # with parental responsibility, read from the rows.
    barred = Guardian.objects.filter(
        restriction=Guardian.Restriction.NO_CONTACT, pupil__school__external_id="FJ-US"
    ).first()
    pupil = barred.pupil
    callable_ = [
        g for g in pupil.guardians.all() if g.parental_responsibility and not g.restriction
    ]
    assert callable_, "the demo should give this pupil a guardian to call"

    context = browser.new_context(
        **{**browser_context_args, "viewport": PHONE, "has_touch": True, "is_mobile": True}
    )
    page = context.new_page()
    try:
        login(page, live_server, principal, password=DEMO_PASSWORD)
        page.goto(f"{live_server.url}/ansatt/")
        with page.expect_navigation():
            page.get_by_role("link", name="En elev er ruset / bruker rus i skoletiden").tap()
        page.get_by_label("Elevens navn").fill(pupil.first_name)
        with page.expect_navigation():
            page.get_by_role("button", name="Finn").tap()
        with page.expect_navigation():
            page.get_by_role(
                "button", name=f"Start for {pupil.full_name}, {pupil.grade}. trinn"
            ).tap()

        step = page.locator("#step-parents")
        step.scroll_into_view_if_needed()
        page.evaluate("document.getElementById('step-parents').scrollIntoView()")
        top = step.bounding_box()["y"]
        # Every guardian with responsibility and no restriction: a tel: link on the first
        # screen of the step.
        for guardian in callable_:
            link = step.locator(f'a[href="tel:{re.sub(r"[^0-9+]", "", guardian.phone)}"]')
            assert link.count() == 1, guardian.name
            box = link.bounding_box()
            assert box["y"] + box["height"] - top <= PHONE["height"], (guardian.name, box, top)
        # The father: the warning above his name and number, which is no link.
        warning = step.get_by_text("Skal ikke kontaktes om eleven")
        name = step.get_by_text(barred.name)
        assert warning.bounding_box()["y"] < name.bounding_box()["y"]
        assert warning.bounding_box()["y"] - top <= PHONE["height"]
        digits = re.sub(r"[^0-9]", "", barred.phone)
        assert step.locator(f'a[href="tel:{digits}"]').count() == 0
        assert barred.phone in step.inner_text()
        problems = check_page(page, page.url, label="principal, parents step")
        assert not problems, "\n".join(problems)
    finally:
        context.close()


def test_the_administrator_maps_an_exports_columns_by_keyboard(live_server, world, page, tmp_path):
    """The columns of an export named its own way, read from the file on the page, chosen with
    the keyboard, and the file then imports."""
    export = tmp_path / "eksport.csv"
    export.write_text(
        "Elevnummer,Fornavn,Etternavn,Fødselsdato,Skolenummer,Klassetrinn,Rad\n"
        "V100,Ola,Nordmann,01.02.2011,LU,9,elev\n",
        encoding="utf-8",
    )
    login(page, live_server, world.admin)
    page.goto(f"{live_server.url}/ansatt/import/")
    page.get_by_label("CSV-fil fra skoleadministrativt system").set_input_files(str(export))
    with page.expect_navigation():
        page.get_by_role("button", name="Prøv filen (ingen endringer)").press("Enter")
    problems = check_shown_page(page, label="import with columns")
    assert not problems, "\n".join(problems)
    for header, column in (
        ("Elevnummer", "id"),
        ("Fødselsdato", "fodselsdato"),
        ("Skolenummer", "skole"),
        ("Klassetrinn", "trinn"),
        ("Rad", "type"),
    ):
        page.get_by_label(f"Leses som, for {header}").select_option(column)
    with page.expect_navigation():
        page.get_by_role("button", name="Lagre kolonnevalget").press("Enter")
    assert "Kolonnevalget er lagret" in page.locator("main").inner_text()
    page.get_by_label("CSV-fil fra skoleadministrativt system").set_input_files(str(export))
    with page.expect_navigation():
        page.get_by_role("button", name="Importer").press("Enter")
    assert "Importen er fullført" in page.locator("main").inner_text()
    assert Pupil.objects.filter(external_id="V100", grade=9).exists()
