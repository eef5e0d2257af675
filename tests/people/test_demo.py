from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.totp import totp_counter
from varde.audit.models import AuditEntry
from varde.people.demo import (
    DEMO_PASSWORD,
    DemoRefused,
    demo_load,
    demo_totp_code,
    school_year_grade,
)
from varde.people.models import Municipality, Pupil, RoleAssignment, School, SltRegion, User
from varde.people.roles import Role
from varde.plan.models import PlanVersion

pytestmark = pytest.mark.django_db

MODELS = (
    SltRegion,
    Municipality,
    School,
    User,
    RoleAssignment,
    Pupil,
    PlanVersion,
    Authenticator,
    AuditEntry,
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load(today: dt.date | None = None, *, cases: bool = False):
    # The demo cases (archived, with PDFs) are tested in tests/cases/test_archive_delivery.py;
    # only the test that loads the demo twice makes them here.
    return demo_load(stdout=io.StringIO(), today=today, cases=cases)


def snapshot() -> dict[str, object]:
    return {
        "counts": {model.__name__: model.objects.count() for model in MODELS},
        "pupils": list(Pupil.objects.order_by("pk").values()),
        "authenticators": list(Authenticator.objects.order_by("pk").values("pk", "data")),
    }


def test_loading_the_demo_twice_changes_nothing():
    first = load(cases=True)
    before = snapshot()
    out = io.StringIO()
    second = demo_load(stdout=out)
    assert snapshot() == before
    assert second == first
    assert "ingen endringer" in out.getvalue()


def test_the_demo_municipalities_are_fictional_and_share_an_slt_region():
    load()
    fjellvik = Municipality.objects.get(slug="fjellvik")
    nabovik = Municipality.objects.get(slug="nabovik")
    assert fjellvik.is_fictional and nabovik.is_fictional
    assert fjellvik.number == "9901"
    assert fjellvik.slt_region == nabovik.slt_region
    assert fjellvik.slt_region.name == "Fjellvik og Nabovik SLT"


def test_each_demo_municipality_has_a_published_plan_under_its_own_name():
    load()
    for slug in ("fjellvik", "nabovik"):
        version = PlanVersion.objects.get(
            municipality__slug=slug, status=PlanVersion.Status.PUBLISHED
        )
        assert version.content["municipality"]["slug"] == slug
        assert version.content["municipality"]["name"] == version.municipality.name


def test_every_role_is_held_by_a_demo_user():
    logins = load()
    emails = {login.email for login in logins}
    held = set(RoleAssignment.objects.filter(user__email__in=emails).values_list("role", flat=True))
    assert held == set(Role.values)


def test_every_demo_user_who_sees_pupil_data_has_totp_and_logs_in_with_the_shared_password():
    for login in load():
        user = User.objects.get(email=login.email)
        assert user.check_password(DEMO_PASSWORD)
        assert (login.totp_secret is not None) == user.requires_mfa()
        if login.totp_secret:
            assert login.otpauth_uri.startswith("otpauth://totp/")
            assert f"secret={login.totp_secret}" in login.otpauth_uri


def test_the_second_teacher_holds_no_role_but_teacher():
    load()
    teacher2 = User.objects.get(email="laerer2@fjellvik.demo")
    assert teacher2.roles() == {Role.TEACHER}


def test_pupils_are_aged_12_to_18_with_every_age_present():
    load()
    pupils = list(Pupil.objects.all())
    ages = {pupil.age for pupil in pupils}
    assert len(pupils) >= 40
    assert ages == set(range(12, 19))


@pytest.mark.parametrize(
    "today", [dt.date(2026, 1, 1), dt.date(2026, 7, 31), dt.date(2026, 8, 1), dt.date(2028, 2, 29)]
)
def test_ages_grades_and_schools_agree_on_any_day(today):
    load(today=today)
    ages = set()
    for pupil in Pupil.objects.select_related("school"):
        ages.add(pupil.age_on(today))
        assert pupil.grade == school_year_grade(pupil.birth_date, today)
        if pupil.school.kind == School.Kind.UPPER_SECONDARY:
            assert 11 <= pupil.grade <= 13
        elif pupil.school.kind == School.Kind.LOWER_SECONDARY:
            assert 8 <= pupil.grade <= 10
        else:
            assert 1 <= pupil.grade <= 10
    assert ages == set(range(12, 19))


def test_a_pupil_keeps_the_birth_date_until_it_no_longer_fits():
    load(today=dt.date(2026, 3, 1))
    before = dict(Pupil.objects.values_list("external_id", "birth_date"))
    load(today=dt.date(2026, 3, 2))
    after = dict(Pupil.objects.values_list("external_id", "birth_date"))
    changed = [key for key in before if before[key] != after[key]]
    assert len(changed) <= 2


def test_the_contact_teacher_has_pupils_at_the_lower_secondary_school():
    load()
    pupils = Pupil.objects.filter(contact_teacher__email="kontaktlaerer@fjellvik.demo")
    assert pupils.exists()
    assert set(pupils.values_list("school__external_id", flat=True)) == {"FJ-US"}


def test_the_demo_totp_code_is_accepted_by_allauth():
    load()
    user = User.objects.get(email="rektor@fjellvik.demo")
    totp_counter()
    code = demo_totp_code(email=user.email)
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert TOTP(authenticator).validate_code(code)


def test_a_demo_user_logs_in_with_password_and_code(client):
    load()
    email = "laerer@fjellvik.demo"
    response = client.post("/konto/login/", {"login": email, "password": DEMO_PASSWORD})
    assert response["Location"].startswith("/konto/2fa/authenticate")
    totp_counter()
    client.post("/konto/2fa/authenticate/", {"code": demo_totp_code(email=email)})
    assert client.get("/ansatt/").status_code == 200


def test_the_nabovik_teacher_has_no_school_in_fjellvik():
    load()
    teacher = User.objects.get(email="laerer@nabovik.demo")
    fjellvik = Municipality.objects.get(slug="fjellvik")
    assert teacher.school_ids()
    assert not School.objects.filter(pk__in=teacher.school_ids(), municipality=fjellvik).exists()
    assert fjellvik.pk not in teacher.municipality_ids()


def test_no_code_is_given_for_a_user_outside_the_fictional_municipalities():
    load()
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


def test_the_demo_will_not_take_over_a_real_municipality():
    Municipality.objects.create(slug="fjellvik", name="Fjellvik kommune")
    with pytest.raises(DemoRefused):
        load()


def test_load_demo_prints_the_logins_and_how_to_get_a_code():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0].startswith("FIKTIVE DATA")
    assert "laerer@nabovik.demo" in text and DEMO_PASSWORD in text
    assert "manage.py demo_totp <e-post>" in text


def test_demo_totp_prints_the_current_code():
    load()
    out = io.StringIO()
    totp_counter()
    call_command("demo_totp", "ppt@fjellvik.demo", stdout=out, stderr=io.StringIO())
    assert re.fullmatch(r"\d{6}\n", out.getvalue())
    assert out.getvalue().strip() == demo_totp_code(email="ppt@fjellvik.demo")


def test_the_ages_hold_today():
    load()
    today = timezone.localdate()
    assert all(12 <= pupil.age_on(today) <= 18 for pupil in Pupil.objects.all())


def test_the_demo_has_guardians_with_a_restriction_an_interpreter_and_shared_responsibility():
    load()
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


def test_the_demo_is_refused_beside_real_pupils_unless_told():
    real = Municipality.objects.create(slug="lunner", name="Lunner kommune")
    school = School.objects.create(
        municipality=real, name="Lunner ungdomsskole", kind="lower_secondary", external_id="LU"
    )
    Pupil.objects.create(
        municipality=real,
        school=school,
        external_id="E1",
        first_name="Ekte",
        last_name="Elev",
        birth_date=dt.date(2012, 1, 1),
        grade=9,
    )
    with pytest.raises(CommandError, match="--beside-real-data"):
        call_command("load_demo", stdout=io.StringIO())
    assert not Municipality.objects.filter(is_fictional=True).exists()
    call_command("load_demo", "--beside-real-data", stdout=io.StringIO())
    assert Municipality.objects.filter(is_fictional=True).count() == 2
