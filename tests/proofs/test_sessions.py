"""The session id changes at login, so a session planted before it (session fixation) is worth
nothing after it.

Each test first gives the browser a session of its own, with something in it, and checks that
the server holds it; only then does it log in through the real forms. Afterwards the browser
holds another session id, the planted one is gone from the server, and a second browser that
kept the planted cookie is not logged in.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from tests.proofs.forms import totp_code
from tests.world import PASSWORD

pytestmark = pytest.mark.proof("Session rotation and timeouts")
COOKIE = settings.SESSION_COOKIE_NAME


def planted_session(client: Client) -> str:
    """A session the browser holds before logging in, as an attacker could have set it."""
    session = client.session
    session["planted"] = "før innlogging"
    session.save()
    key = client.cookies[COOKIE].value
    assert key == session.session_key
    assert Session.objects.filter(session_key=key).exists()
    return key


def logged_in(key: str) -> bool:
    """Whether a browser holding only this session cookie reaches the staff start page."""
    other = Client()
    other.cookies[COOKIE] = key
    return other.get("/ansatt/").status_code == 200


def test_a_session_planted_before_a_password_login_is_worthless_after_it(client, world):
    planted = planted_session(client)
    response = client.post("/konto/login/", {"login": world.slt.email, "password": PASSWORD})
    assert response.status_code == 302
    now = client.cookies[COOKIE].value
    assert logged_in(now), "the login did not succeed, so it proved nothing"
    assert now != planted
    assert not Session.objects.filter(session_key=planted).exists()
    assert not logged_in(planted)


def test_a_session_planted_before_a_two_step_login_is_worthless_after_each_step(client, world):
    planted = planted_session(client)
    response = client.post("/konto/login/", {"login": world.teacher.email, "password": PASSWORD})
    assert response["Location"].startswith("/konto/2fa/authenticate")
    halfway = client.cookies[COOKIE].value
    assert not logged_in(planted) and not logged_in(halfway)
    response = client.post("/konto/2fa/authenticate/", {"code": totp_code(world.teacher)})
    assert response.status_code == 302
    now = client.cookies[COOKIE].value
    assert logged_in(now), "the login did not succeed, so it proved nothing"
    assert now not in (planted, halfway)
    assert not Session.objects.filter(session_key__in=[planted, halfway]).exists()
    assert not logged_in(planted) and not logged_in(halfway)
