from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client

from tests.totp import totp_counter
from tests.world import PASSWORD
from varde.audit.models import AuditEntry
from varde.people.middleware import SEEN_RESOLUTION_SECONDS, SESSION_SEEN, SESSION_STARTED


def current_code(user) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = authenticator.wrap().instance.data["secret"]
    from allauth.mfa.totp.internal.auth import decrypt

    return format_hotp_value(hotp_value(decrypt(secret), totp_counter()))


def login_with_password(client, email: str, password: str = PASSWORD):
    return client.post("/konto/login/", {"login": email, "password": password})


@pytest.mark.proof("MFA required")
def test_a_teacher_must_give_a_totp_code_after_the_password(client, world):
    response = login_with_password(client, world.teacher.email)
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/2fa/authenticate")
    assert client.get("/ansatt/").status_code == 302
    response = client.post("/konto/2fa/authenticate/", {"code": current_code(world.teacher)})
    assert response.status_code == 302
    assert client.get("/ansatt/").status_code == 200


@pytest.mark.proof("MFA required")
def test_a_wrong_totp_code_does_not_log_in(client, world):
    login_with_password(client, world.teacher.email)
    response = client.post("/konto/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200
    assert client.get("/ansatt/").status_code == 302


@pytest.mark.proof("MFA required")
def test_staff_without_totp_are_sent_to_set_it_up_before_anything_else(client, world):
    Authenticator.objects.filter(user=world.teacher).delete()
    response = login_with_password(client, world.teacher.email)
    assert response.status_code == 302
    for url in ["/ansatt/", "/ansatt/elever/", f"/ansatt/elever/{world.pupil.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/konto/2fa/totp/activate"), url


def test_an_authenticator_removed_during_a_session_is_noticed_on_the_next_request(client, world):
    client.force_login(world.teacher)
    assert client.get("/ansatt/").status_code == 200
    Authenticator.objects.filter(user=world.teacher).delete()
    response = client.get("/ansatt/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/2fa/totp/activate")


def test_the_demo_banner_follows_the_database_on_every_request(client, world):
    from varde.people.models import Municipality

    banner = "fiktive personer og skoler"
    client.force_login(world.teacher)
    assert banner not in client.get("/ansatt/").content.decode()
    assert banner not in Client().get("/k/lunner/").content.decode()
    Municipality.objects.create(slug="fjellvik", name="Fjellvik kommune", is_fictional=True)
    assert banner in client.get("/ansatt/").content.decode()
    assert banner in Client().get("/k/lunner/").content.decode()


def test_the_slt_coordinator_who_sees_no_pupils_needs_no_totp(client, world):
    response = login_with_password(client, world.slt.email)
    assert response.status_code == 302
    assert client.get("/ansatt/").status_code == 200


@pytest.mark.proof("Session rotation and timeouts")
def test_the_session_id_changes_at_login(client, world):
    client.get("/konto/login/")
    before = client.cookies.get("sessionid")
    login_with_password(client, world.slt.email)
    after = client.cookies["sessionid"].value
    assert before is None or before.value != after


@pytest.mark.proof("Lockout without locking others out")
def test_repeated_failures_lock_the_account_for_a_while(client, world):
    for _ in range(5):
        login_with_password(client, world.slt.email, "feil-passord-123")
    response = login_with_password(client, world.slt.email)
    # The right password is refused while the account is locked.
    assert response.status_code == 200
    assert client.get("/ansatt/").status_code == 302


@pytest.mark.proof("Lockout without locking others out")
def test_failures_on_one_account_do_not_lock_a_colleague_out(client, world):
    for _ in range(5):
        login_with_password(client, world.slt.email, "feil-passord-123")
    response = login_with_password(client, world.teacher.email)
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/2fa/authenticate")


@pytest.mark.proof("Lockout without locking others out")
def test_the_lock_lifts_when_the_window_has_passed(client, world):
    import time_machine

    with time_machine.travel(time.time(), tick=False) as traveller:
        for _ in range(5):
            login_with_password(client, world.slt.email, "feil-passord-123")
        assert login_with_password(client, world.slt.email).status_code == 200
        traveller.shift(16 * 60)
        assert login_with_password(client, world.slt.email).status_code == 302


def test_failed_logins_are_audited(client, world):
    login_with_password(client, world.slt.email, "feil-passord-123")
    assert AuditEntry.objects.filter(action="login_failed").count() == 1


@pytest.mark.proof("Session rotation and timeouts")
def test_an_idle_session_ends(client, world, settings):
    client.force_login(world.teacher)
    session = client.session
    session[SESSION_SEEN] = time.time() - settings.VARDE_SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get("/ansatt/")
    assert response.status_code == 302
    assert client.get("/ansatt/").status_code == 302


def test_the_last_seen_time_is_written_at_most_every_half_minute(client, world, settings):
    """A page view reads the session; it writes it only when the last-seen time is stale,
    so the idle timeout holds to within SEEN_RESOLUTION_SECONDS."""
    client.force_login(world.teacher)
    session = client.session
    seen = time.time() - SEEN_RESOLUTION_SECONDS + 10
    session[SESSION_SEEN] = seen
    session.save()
    assert client.get("/ansatt/").status_code == 200
    assert client.session[SESSION_SEEN] == seen
    session = client.session
    session[SESSION_SEEN] = time.time() - SEEN_RESOLUTION_SECONDS - 1
    session.save()
    assert client.get("/ansatt/").status_code == 200
    assert client.session[SESSION_SEEN] > time.time() - 5


@pytest.mark.proof("Session rotation and timeouts")
def test_a_session_ends_after_its_absolute_lifetime_even_when_busy(client, world, settings):
    client.force_login(world.teacher)
    session = client.session
    session[SESSION_STARTED] = time.time() - settings.VARDE_SESSION_ABSOLUTE_SECONDS - 5
    session[SESSION_SEEN] = time.time()
    session.save()
    assert client.get("/ansatt/").status_code == 302


@pytest.mark.proof("Logout ends the session")
def test_logout_ends_the_session_on_the_server(client, world):
    from django.contrib.sessions.models import Session

    client.force_login(world.teacher)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    client.post("/konto/logout/")
    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.proof("Revocation")
def test_a_deactivated_user_loses_access_on_the_next_request(client, world):
    client.force_login(world.teacher)
    assert client.get("/ansatt/").status_code == 200
    world.teacher.is_active = False
    world.teacher.save()
    assert client.get("/ansatt/").status_code == 302


@pytest.mark.proof("Revocation")
def test_a_removed_role_loses_access_on_the_next_request(client, world):
    client.force_login(world.teacher)
    url = f"/ansatt/elever/{world.pupil.pk}/"
    assert client.get(url).status_code == 200
    world.teacher.role_assignments.all().delete()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("path", ["/konto/signup/"])
def test_nobody_can_sign_up(client, db, path):
    client.post(path, {"email": "ny@example.com", "password1": PASSWORD})
    from varde.people.models import User

    assert not User.objects.filter(email="ny@example.com").exists()


def test_a_new_user_sets_up_totp_after_confirming_the_password(client, world):
    Authenticator.objects.filter(user=world.teacher).delete()
    login_with_password(client, world.teacher.email)
    client.get("/konto/email/")
    response = client.get("/konto/2fa/totp/activate/")
    assert response["Location"].startswith("/konto/reauthenticate/")
    client.post(response["Location"], {"password": PASSWORD})
    response = client.get("/konto/2fa/totp/activate/")
    assert response.status_code == 200
    secret = response.context["form"].secret
    code = format_hotp_value(hotp_value(secret, totp_counter()))
    response = client.post("/konto/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    assert client.get("/ansatt/").status_code == 200
