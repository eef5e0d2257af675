"""What the loaded demo holds: fictional municipalities with their plans, a user for every
role with TOTP and the shared password, pupils of every age from 12 to 18 with guardians, and
codes only for its own users. How the demo loads (twice, on other days, beside real data) is
tested in test_demo.py.

The demo is loaded once for this module (tests/module_db.py): each test starts from it and
what a test changes is rolled back after it.
"""

from __future__ import annotations

import io
import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.module_db import kept_for_the_module
from tests.totp import totp_counter
from varde.people.demo import DEMO_PASSWORD, DemoRefused, demo_load, demo_totp_code
from varde.people.models import Municipality, Pupil, RoleAssignment, School, User
from varde.people.roles import Role
from varde.plan.models import PlanVersion

# Tests that share a worker share one load of the demo: keep them on one (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("demo-contents")


@pytest.fixture(scope="module")
def demo_logins(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, without its cases (tests/cases/test_archive_delivery_demo.py has those), and
    how to log in as each demo user."""
    yield from kept_for_the_module(
        django_db_blocker,
        tmp_path_factory.mktemp("demo"),
        lambda: demo_load(stdout=io.StringIO(), cases=False),
    )


@pytest.fixture(autouse=True)
def _demo(demo_logins, db):
    """Every test here starts from the demo."""


def test_the_demo_municipalities_are_fictional_and_share_an_slt_region():
    fjellvik = Municipality.objects.get(slug="fjellvik")
    nabovik = Municipality.objects.get(slug="nabovik")
    assert fjellvik.is_fictional and nabovik.is_fictional
    assert fjellvik.number == "9901"
    assert fjellvik.slt_region == nabovik.slt_region
    assert fjellvik.slt_region.name == "Fjellvik og Nabovik SLT"


def test_each_demo_municipality_has_a_published_plan_under_its_own_name():
    for slug in ("fjellvik", "nabovik"):
        version = PlanVersion.objects.get(
            municipality__slug=slug, status=PlanVersion.Status.PUBLISHED
        )
        assert version.content["municipality"]["slug"] == slug
        assert version.content["municipality"]["name"] == version.municipality.name


def test_every_role_is_held_by_a_demo_user(demo_logins):
    emails = {login.email for login in demo_logins}
    held = set(RoleAssignment.objects.filter(user__email__in=emails).values_list("role", flat=True))
    assert held == set(Role.values)


def test_every_demo_user_who_sees_pupil_data_has_totp_and_logs_in_with_the_shared_password(
    demo_logins,
):
    for login in demo_logins:
        user = User.objects.get(email=login.email)
        assert user.check_password(DEMO_PASSWORD)
        assert (login.totp_secret is not None) == user.requires_mfa()
        if login.totp_secret:
            assert login.otpauth_uri.startswith("otpauth://totp/")
            assert f"secret={login.totp_secret}" in login.otpauth_uri


def test_the_second_teacher_holds_no_role_but_teacher():
    teacher2 = User.objects.get(email="laerer2@fjellvik.demo")
    assert teacher2.roles() == {Role.TEACHER}


def test_pupils_are_aged_12_to_18_with_every_age_present():
    pupils = list(Pupil.objects.all())
    ages = {pupil.age for pupil in pupils}
    assert len(pupils) >= 40
    assert ages == set(range(12, 19))


def test_the_contact_teacher_has_pupils_at_the_lower_secondary_school():
    pupils = Pupil.objects.filter(contact_teacher__email="kontaktlaerer@fjellvik.demo")
    assert pupils.exists()
    assert set(pupils.values_list("school__external_id", flat=True)) == {"FJ-US"}


def test_the_demo_totp_code_is_accepted_by_allauth():
    user = User.objects.get(email="rektor@fjellvik.demo")
    totp_counter()
    code = demo_totp_code(email=user.email)
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert TOTP(authenticator).validate_code(code)


def test_a_demo_user_logs_in_with_password_and_code(client):
    email = "laerer@fjellvik.demo"
    response = client.post("/konto/login/", {"login": email, "password": DEMO_PASSWORD})
    assert response["Location"].startswith("/konto/2fa/authenticate")
    totp_counter()
    client.post("/konto/2fa/authenticate/", {"code": demo_totp_code(email=email)})
    assert client.get("/ansatt/").status_code == 200


def test_the_nabovik_teacher_has_no_school_in_fjellvik():
    teacher = User.objects.get(email="laerer@nabovik.demo")
    fjellvik = Municipality.objects.get(slug="fjellvik")
    assert teacher.school_ids()
    assert not School.objects.filter(pk__in=teacher.school_ids(), municipality=fjellvik).exists()
    assert fjellvik.pk not in teacher.municipality_ids()


def test_no_code_is_given_for_a_user_outside_the_fictional_municipalities():
    real = Municipality.objects.create(slug="lunner", name="Lunner kommune")
    school = School.objects.create(
        municipality=real, name="Lunner ungdomsskole", kind="lower_secondary", external_id="LU"
    )
    user = User.objects.create_user("tina@lunner.test", "korrekt-hest-batteri", full_name="Tina")
    RoleAssignment.objects.create(user=user, role=Role.TEACHER, school=school)
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    with pytest.raises(DemoRefused):
        demo_totp_code(email=user.email)
    with pytest.raises(CommandError):
        call_command("demo_totp", user.email, stdout=io.StringIO(), stderr=io.StringIO())


def test_demo_totp_prints_the_current_code():
    out = io.StringIO()
    totp_counter()
    call_command("demo_totp", "ppt@fjellvik.demo", stdout=out, stderr=io.StringIO())
    assert re.fullmatch(r"\d{6}\n", out.getvalue())
    assert out.getvalue().strip() == demo_totp_code(email="ppt@fjellvik.demo")


def test_the_ages_hold_today():
    today = timezone.localdate()
    assert all(12 <= pupil.age_on(today) <= 18 for pupil in Pupil.objects.all())


def test_the_demo_has_guardians_with_a_restriction_an_interpreter_and_shared_responsibility():
    from varde.people.models import Guardian

    pupils = Pupil.objects.filter(municipality__slug="fjellvik")
    assert all(p.guardians.count() == 2 for p in pupils)
    assert Guardian.objects.filter(restriction="no_contact").exclude(restriction_reason="").exists()
    assert Guardian.objects.filter(restriction="confidential_address").exists()
    assert Guardian.objects.filter(needs_interpreter=True).exclude(language="").exists()
    shared = [p for p in pupils if p.guardians.filter(parental_responsibility=True).count() == 2]
    assert shared
    # Every number begins with 000 and reaches nobody.
    assert all(g.phone.startswith("000 ") for g in Guardian.objects.all())
