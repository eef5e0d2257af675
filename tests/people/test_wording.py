"""The login pages speak Varde's plain bokmål, with one term for two-factor login."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator

from tests.people.test_login import login_with_password
from tests.world import PASSWORD

# The words on the pages do not depend on the database: CI's SQLite job only.
pytestmark = pytest.mark.any_database

# The library's own words that Varde's pages do not use.
STIFF = ("Vennligst", "tofaktorautentisering", "Tofaktorautentisering", "Glemt ditt passord")


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_totp_step_asks_for_the_code_in_plain_words(client, world):
    login_with_password(client, world.teacher.email)
    page = text(client.get("/konto/2fa/authenticate/"))
    assert "Kontoen din har tofaktorinnlogging. Skriv koden fra autentiseringsappen:" in page
    assert not [word for word in STIFF if word in page]


def test_setting_up_two_factor_login_uses_the_same_term(client, world):
    Authenticator.objects.filter(user=world.teacher).delete()
    login_with_password(client, world.teacher.email)
    # Setting it up asks for the password again first, in plain words too.
    again = client.get("/konto/2fa/totp/activate/", follow=True)
    assert "Logg inn på nytt for å bekrefte at det er deg." in text(again)
    client.post(again.redirect_chain[-1][0], {"password": PASSWORD})
    page = text(client.get("/konto/2fa/totp/activate/"))
    assert "for å slå på tofaktorinnlogging" in page
    for found in (again, page):
        words = text(found) if not isinstance(found, str) else found
        assert not [word for word in STIFF if word in words]


def test_the_login_and_password_reset_pages_have_no_stiff_words(client, world):
    for url in ("/konto/login/", "/konto/password/reset/"):
        page = text(client.get(url))
        assert not [word for word in STIFF if word in page], url


def test_every_two_factor_page_of_the_account_uses_the_one_term(client, world):
    client.force_login(world.teacher)
    # The pages that change two-factor login ask for the password first; a fresh login
    # with the password counts as that.
    login_with_password(client, world.teacher.email)
    pages = {
        url: text(client.get(url, follow=True))
        for url in (
            "/konto/2fa/",
            "/konto/2fa/recovery-codes/",
            "/konto/2fa/recovery-codes/generate/",
            "/konto/2fa/totp/deactivate/",
        )
    }
    assert "Tofaktorinnlogging" in pages["/konto/2fa/"]
    for url, page in pages.items():
        assert not [word for word in STIFF if word in page], (url, page[:400])
