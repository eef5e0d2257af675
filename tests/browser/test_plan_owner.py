"""The municipality owns its plan: the administrator changes the child welfare on-call number and
the office's Saturday hours through the forms, sees the draft's "who to call now" for Saturday
19:30 differ from the published plan's, publishes with a change note, and the comparison shows
exactly those two fields. The plan exported as YAML and loaded again has the same hash. Then the
English pages show the plan in English."""

from __future__ import annotations

import hashlib
import json

import pytest
import yaml

from tests.browser.support import check_shown_page, login_by_session
from varde.plan.models import PlanVersion

pytestmark = pytest.mark.browser

OLD_ON_CALL, NEW_ON_CALL = "64 99 32 70", "64 99 32 71"
NOTE = "Nytt vaktnummer, åpent lørdag 10–14"


def canonical_hash(content) -> str:
    """SHA-256 of the content's canonical JSON, worked out here rather than by the app."""
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def test_the_administrator_changes_two_fields_previews_publishes_and_compares(
    page, live_server, world
):
    login_by_session(page, live_server, world.admin)
    page.goto(f"{live_server.url}/ansatt/plan/")
    page.get_by_role("link", name="Endre planen").click()
    page.get_by_role("link", name="Tjenester og telefonnumre").click()
    page.get_by_role("link", name="Barnevernet", exact=True).click()

    on_call = page.get_by_role("group", name="Kontakt 2")
    assert on_call.get_by_label("Navn på kontakten").input_value() == "Interkommunal barnevernsvakt"
    on_call.get_by_label("Telefonnummer").fill(NEW_ON_CALL)
    office = page.get_by_role("group", name="Kontakt 1")
    saturday = office.get_by_label("Lørdag")
    saturday.fill("10:00-14:00")
    # Saved with the keyboard: Enter in a field sends the form.
    saturday.press("Enter")
    page.wait_for_load_state()
    assert "«Barnevernet» er lagret i utkastet." in page.locator("main").inner_text()

    # The draft's answer for Saturday 19:30 beside the published plan's.
    page.goto(f"{live_server.url}/ansatt/plan/")
    page.get_by_role("link", name="Forhåndsvis").click()
    page.get_by_label("Dato").fill("12.12.2026")  # a Saturday, not a public holiday
    page.get_by_label("Klokkeslett").fill("19:30")
    page.get_by_label("Situasjon").select_option("worried")
    page.get_by_role("button", name="Vis svaret").click()
    status = page.get_by_role("status")
    assert "Utkastet gir et annet svar" in status.inner_text()
    draft_answer = page.locator("section", has=page.get_by_role("heading", name="Utkastet"))
    published_answer = page.locator(
        "section", has=page.get_by_role("heading", name="Publisert nå (versjon 1)")
    )
    assert NEW_ON_CALL in draft_answer.inner_text()
    assert OLD_ON_CALL in published_answer.inner_text()
    assert NEW_ON_CALL not in published_answer.inner_text()
    problems = check_shown_page(page, label="preview at Saturday 19:30")

    # Publishing asks for a change note.
    page.goto(f"{live_server.url}/ansatt/plan/")
    page.get_by_role("button", name="Publiser som ny versjon").click()
    assert PlanVersion.objects.filter(municipality=world.lunner, status="published").count() == 1
    page.get_by_label("Hva er endret?").fill(NOTE)
    page.get_by_role("button", name="Publiser som ny versjon").click()
    assert "Versjon 2 er publisert" in page.locator("main").inner_text()

    # The version list shows the note and leads to the comparison.
    page.goto(f"{live_server.url}/k/lunner/plan/versjoner/")
    assert NOTE in page.locator("main").inner_text()
    page.get_by_role("link", name="Endringer i versjon 2").click()
    changes = page.locator("li.change")
    assert changes.count() == 2
    headings = changes.locator("h2").all_inner_texts()
    assert headings == [
        "Tjenester og telefonnumre › Barnevernet › Lunner barneverntjeneste: åpningstider › "
        "åpningstider per ukedag › lørdag",
        "Tjenester og telefonnumre › Barnevernet › Interkommunal barnevernsvakt: telefonnummer",
    ]
    text = " ".join(changes.all_inner_texts())
    assert OLD_ON_CALL in text and NEW_ON_CALL in text and "10:00-14:00" in text
    problems += check_shown_page(page, label="comparison of versions 1 and 2")

    # The YAML file exported and loaded again through the YAML page gives the same hash.
    exported = page.request.get(f"{live_server.url}/ansatt/plan/eksport/")
    assert exported.status == 200
    text = exported.text()
    page.goto(f"{live_server.url}/ansatt/plan/rediger/")
    page.get_by_label("Planen (YAML)").fill(text)
    page.get_by_role("button", name="Lagre utkast").click()
    published = PlanVersion.objects.get(municipality=world.lunner, number=2)
    draft = PlanVersion.objects.get(municipality=world.lunner, status="draft")
    assert draft.content_hash == published.content_hash == canonical_hash(yaml.safe_load(text))
    assert not problems, "\n".join(problems)


def test_the_english_pages_show_the_plan_in_english(page, live_server, world):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/k/lunner/ring/acute_danger/")
    main = page.locator("main").inner_text()
    assert "Acute danger to life or health" in main
    assert "Akutt fare" not in main and "(bokmål)" not in main
    page.goto(f"{live_server.url}/k/lunner/tjenester/barnevern/")
    main = page.locator("main").inner_text()
    assert "Inter-municipal child welfare on-call service" in main
    assert "Monday–Friday 08:00–15:30" in main
    assert not check_shown_page(page, label="English service page")
