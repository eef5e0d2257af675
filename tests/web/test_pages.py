from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.utils import OperationalError

OSLO = ZoneInfo("Europe/Oslo")


def test_healthz_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_answers_503_when_the_database_does_not(client, db):
    with mock.patch("varde.web.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


# A page and its words, whatever the database: CI's SQLite job only (the health check above
# asks the database itself, so it runs on both).
@pytest.mark.any_database
def test_home_leads_to_lunners_front_page(client, world):
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert "Hva har skjedd?" in response.content.decode()


@pytest.mark.any_database
def test_public_pages_need_no_login_and_show_the_plan_version(client, world):
    for url in [
        "/k/lunner/",
        "/k/lunner/plan/",
        "/k/lunner/hvem-gjor-hva/",
        "/k/lunner/ressurser/",
        "/k/lunner/tjenester/",
        "/k/lunner/tjenester/barnevern/",
        "/k/lunner/ring/",
        "/k/lunner/ring/worried/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Planversjon 1" in response.content.decode(), url


@pytest.mark.any_database
@time_machine.travel(dt.datetime(2026, 12, 5, 19, 30, tzinfo=OSLO), tick=False)
def test_worried_on_saturday_evening_gives_the_on_call_service_first(client, world):
    page = client.get("/k/lunner/ring/worried/").content.decode()
    assert 'href="tel:64993270"' in page
    assert 'href="tel:116111"' in page
    assert "tel:90642577" not in page
    assert page.index("tel:64993270") < page.index("tel:116111")


@pytest.mark.any_database
@time_machine.travel(dt.datetime(2026, 12, 8, 10, 0, tzinfo=OSLO), tick=False)
def test_worried_on_a_tuesday_morning_gives_the_child_welfare_office(client, world):
    page = client.get("/k/lunner/ring/worried/").content.decode()
    assert page.index("tel:90642577") < page.index("tel:116111")
    assert "tel:64993270" not in page


@pytest.mark.any_database
def test_drug_sale_shows_02800_first(client, world):
    page = client.get("/k/lunner/ring/drug_sale/").content.decode()
    first_tel = page.index('href="tel:')
    assert page[first_tel:].startswith('href="tel:02800"')


@pytest.mark.any_database
def test_an_unknown_situation_is_404(client, world):
    assert client.get("/k/lunner/ring/nothing/").status_code == 404


@pytest.mark.any_database
def test_staff_pages_need_login(client, world):
    response = client.get("/ansatt/")
    assert response.status_code == 302
    assert "/konto/login/" in response["Location"]


@pytest.mark.any_database
@pytest.mark.proof("Security headers")
def test_pages_carry_the_security_headers(client, world):
    response = client.get("/k/lunner/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.any_database
@pytest.mark.proof("Security headers")
def test_staff_pages_are_never_stored(client, world):
    client.force_login(world.teacher)
    response = client.get("/ansatt/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.any_database
def test_pages_are_in_bokmal_even_when_the_browser_asks_for_english(client, world):
    page = client.get("/k/lunner/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="nb"' in page and "Hva har skjedd?" in page


@pytest.mark.any_database
def test_the_language_switch_gives_english(client, world):
    client.post("/i18n/setlang/", {"language": "en", "next": "/k/lunner/"})
    page = client.get("/k/lunner/").content.decode()
    assert 'lang="en"' in page
