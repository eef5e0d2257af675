"""The accessibility statement the rules for public web solutions ask for: the standard, what
is tested, what is known not to meet it, and a feedback channel with its answer time."""

from __future__ import annotations

import pytest

# A page of text and settings: CI runs it in the SQLite job only.
pytestmark = pytest.mark.any_database


@pytest.mark.django_db
def test_the_statement_names_the_standard_the_known_gaps_and_where_feedback_goes(client, settings):
    settings.VARDE_ACCESSIBILITY_EMAIL = "uu@lunner.kommune.test"
    settings.VARDE_ACCESSIBILITY_ANSWER_DAYS = 10
    page = client.get("/tilgjengelighet/").content.decode()
    assert "WCAG 2.1 på nivå A og AA" in page
    assert "axe" in page and "320 piksler" in page
    assert "WCAG 3.1.2" in page  # a known gap is named with its criterion
    assert 'href="mailto:uu@lunner.kommune.test?subject=Tilgjengelighet%20i%20Varde"' in page
    assert "svarer vi innen 10 dager" in page
    assert "Uutilsynet" in page


@pytest.mark.django_db
def test_without_an_address_of_its_own_feedback_goes_to_the_sender_address(client, settings):
    settings.VARDE_ACCESSIBILITY_EMAIL = ""
    settings.DEFAULT_FROM_EMAIL = "Varde <varde@lunner.kommune.test>"
    page = client.get("/tilgjengelighet/").content.decode()
    assert "mailto:varde@lunner.kommune.test?" in page


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/tilgjengelighet/", "/k/lunner/", "/konto/login/"])
def test_every_page_links_the_statement_from_its_footer(client, world, path):
    page = client.get(path).content.decode()
    footer = page[page.index('<footer class="site-footer">') :]
    assert 'href="/tilgjengelighet/"' in footer


@pytest.mark.django_db
def test_the_statement_reads_in_english_too(client, world):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/tilgjengelighet/").content.decode()
    assert "Accessibility statement for Varde" in page
