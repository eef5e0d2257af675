"""Loading the demo: twice, on other days, beside real data and by command. What the loaded
demo holds is tested in test_demo_contents.py, which loads it once for all its tests."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command

from varde.audit.models import AuditEntry
from varde.people.demo import (
    DEMO_PASSWORD,
    DemoRefused,
    demo_load,
    school_year_grade,
)
from varde.people.models import Municipality, Pupil, RoleAssignment, School, SltRegion, User
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
    # The demo cases (archived, with PDFs) are tested in tests/cases/test_archive_delivery_demo.py;
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
