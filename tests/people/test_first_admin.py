"""`manage.py ensure_admin` leaves the first administrator's password in a file readable by
Varde's user alone, and the file goes once that password has logged in."""

from __future__ import annotations

import io
import stat

import pytest
from django.core.management import call_command

from tests.world import PASSWORD
from varde.people.models import User


@pytest.fixture
def password_file(settings, tmp_path, db):
    settings.DATA_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("ensure_admin", stdout=io.StringIO())
    return tmp_path / "first-admin-password"


def log_in(client, email: str, password: str):
    return client.post("/konto/login/", {"login": email, "password": password})


def test_the_password_file_is_readable_by_varde_alone(password_file):
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600


def test_the_password_file_goes_at_the_first_login_with_it(client, password_file):
    response = log_in(client, "admin@varde.local", password_file.read_text())
    assert response.status_code == 302
    assert not password_file.exists()
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    assert "(used or changed by the administrator; not shown)" in out.getvalue()


def test_a_failed_login_leaves_the_password_file(client, password_file):
    log_in(client, "admin@varde.local", "not-the-password-at-all")
    assert password_file.exists()


def test_another_administrator_logging_in_first_leaves_it(client, password_file):
    User.objects.create_superuser("other@varde.local", PASSWORD, full_name="Other Admin")
    assert log_in(client, "other@varde.local", PASSWORD).status_code == 302
    assert password_file.exists()
