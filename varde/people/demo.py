"""Fictional demo data: two made-up municipalities, their schools, staff and pupils.

Everything here lives in municipalities marked ``is_fictional``, so a demo can be
loaded next to real data without touching it, and `demo_totp_code` can refuse
anyone who is not a demo user. Loading is idempotent: each object is found by its
natural key (slug, e-mail, municipality and external id) and only saved when it
differs from what the demo describes, so a second run changes nothing.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import yaml
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt, encrypt
from django.contrib.auth.password_validation import validate_password
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from varde.audit.models import AuditAction
from varde.audit.services import audit_record
from varde.people.models import (
    Guardian,
    Municipality,
    Pupil,
    RoleAssignment,
    School,
    SltRegion,
    User,
)
from varde.people.roles import Role
from varde.plan.services import plan_publish_content

# Public on purpose: the accounts only reach fictional municipalities, and the
# TOTP secrets below are derived from the installation's SECRET_KEY, so knowing
# this password is not enough to log in as a demo user who sees pupil data.
DEMO_PASSWORD = "Demo-passord-2026!"
PLAN_FILE = Path(__file__).resolve().parent.parent / "plan" / "content" / "lunner.yaml"
REGION_NAME = "Fjellvik og Nabovik SLT"
PUPILS_IN_FJELLVIK = 40
PUPILS_IN_NABOVIK = 4
YOUNGEST, OLDEST = 12, 18

ALL_GRADES = range(1, 14)
LOWER_SECONDARY_GRADES = range(8, 11)


class DemoRefused(Exception):
    """The demo would touch, or reveal a code for, something that is not fictional."""


class Output(Protocol):
    def write(self, text: str, /) -> Any: ...


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    roles: str
    totp_secret: str | None
    otpauth_uri: str | None


@dataclass(frozen=True)
class _Place:
    slug: str
    name: str
    number: str


@dataclass(frozen=True)
class _SchoolSpec:
    key: str
    place: str
    name: str
    kind: str


@dataclass(frozen=True)
class _StaffSpec:
    email: str
    name: str
    # (role, where): where is a school key, a municipality slug or "region".
    roles: tuple[tuple[str, str], ...]


PLACES = (
    _Place("fjellvik", "Fjellvik kommune", "9901"),
    _Place("nabovik", "Nabovik kommune", "9902"),
)
SCHOOLS = (
    _SchoolSpec("FJ-US", "fjellvik", "Fjellvik ungdomsskole", School.Kind.LOWER_SECONDARY),
    _SchoolSpec("FJ-KS", "fjellvik", "Fjellvik skole", School.Kind.COMBINED),
    _SchoolSpec("FJ-VGS", "fjellvik", "Fjellvik videregående skole", School.Kind.UPPER_SECONDARY),
    _SchoolSpec("NA-US", "nabovik", "Nabovik ungdomsskole", School.Kind.LOWER_SECONDARY),
)
US, VGS = "FJ-US", "FJ-VGS"
STAFF = (
    _StaffSpec("laerer@fjellvik.demo", "Live Lærer", ((Role.TEACHER, US),)),
    _StaffSpec(
        "kontaktlaerer@fjellvik.demo",
        "Kåre Kontaktlærer",
        ((Role.TEACHER, US), (Role.CONTACT_TEACHER, US)),
    ),
    _StaffSpec("rektor@fjellvik.demo", "Randi Rektor", ((Role.PRINCIPAL, US),)),
    _StaffSpec("inspektor@fjellvik.demo", "Ivar Inspektør", ((Role.DEPUTY, US),)),
    _StaffSpec(
        "kjentmann@fjellvik.demo",
        "Kjell Kjentmann",
        ((Role.KJENTMANN, US), (Role.KJENTMANN, VGS)),
    ),
    _StaffSpec(
        "helsesykepleier@fjellvik.demo",
        "Hege Helsesykepleier",
        ((Role.SCHOOL_NURSE, US), (Role.SCHOOL_NURSE, VGS)),
    ),
    _StaffSpec("los@fjellvik.demo", "Linn Los", ((Role.LOS, US),)),
    _StaffSpec("ppt@fjellvik.demo", "Per PPT", ((Role.PPT_CONTACT, US),)),
    _StaffSpec("slt@fjellvik.demo", "Silje SLT", ((Role.SLT_COORDINATOR, "region"),)),
    _StaffSpec("admin@fjellvik.demo", "Åse Administrator", ((Role.MUNICIPAL_ADMIN, "fjellvik"),)),
    _StaffSpec("plan@fjellvik.demo", "Pål Planeier", ((Role.PLAN_OWNER, "fjellvik"),)),
    _StaffSpec("laerer2@fjellvik.demo", "Leif Lærer", ((Role.TEACHER, US),)),
    _StaffSpec("laerer@nabovik.demo", "Nora Nabovik", ((Role.TEACHER, "NA-US"),)),
    # Fjellvik skole (1–10) has its own leadership, which takes a case over when a pupil
    # moves there, and a teacher.
    _StaffSpec("rektor.skole@fjellvik.demo", "Sofie Skoleleder", ((Role.PRINCIPAL, "FJ-KS"),)),
    _StaffSpec("laerer.skole@fjellvik.demo", "Sindre Skolelærer", ((Role.TEACHER, "FJ-KS"),)),
)
CONTACT_TEACHER_EMAIL = "kontaktlaerer@fjellvik.demo"

FIRST_NAMES = (
    "Aksel",
    "Amalie",
    "Andrea",
    "Aurora",
    "Brage",
    "Eirik",
    "Ella",
    "Embla",
    "Emil",
    "Frida",
    "Frøya",
    "Guro",
    "Hedda",
    "Henrik",
    "Ida",
    "Iver",
    "Jens",
    "Johanne",
    "Kasper",
    "Leah",
    "Liv",
    "Lukas",
    "Magnus",
    "Maja",
    "Mathias",
    "Mina",
    "Nora",
    "Ola",
    "Oskar",
    "Sander",
    "Selma",
    "Sigurd",
    "Sofie",
    "Solveig",
    "Sondre",
    "Sverre",
    "Thea",
    "Tobias",
    "Tuva",
    "Ulrik",
    "Vilde",
    "Vetle",
    "Ylva",
    "Åsmund",
    "Håkon",
    "Ingrid",
    "Ragnhild",
    "Torstein",
)
LAST_NAMES = (
    "Bakkelund",
    "Berglid",
    "Bjørkeslett",
    "Dalsrud",
    "Elvetun",
    "Fjellvang",
    "Furuhaug",
    "Granmo",
    "Haugtveit",
    "Kvernstad",
    "Lyngbø",
    "Myrvold",
    "Nordli",
    "Rypestøl",
    "Skogtun",
    "Solbakken",
    "Steinvik",
    "Tindeland",
    "Vassbotn",
    "Vikhagen",
)

Model = TypeVar("Model", bound=models.Model)


@transaction.atomic
def demo_load(
    *,
    stdout: Output,
    today: dt.date | None = None,
    beside_real_data: bool = False,
    cases: bool = True,
) -> list[DemoLogin]:
    """Create or restore the demo and return how to log in as each demo user.

    An installation with real pupils is refused unless `beside_real_data` says the demo may
    stand next to them: its accounts share a published password."""
    if not beside_real_data and Pupil.objects.filter(municipality__is_fictional=False).exists():
        raise DemoRefused(
            "Installasjonen har ekte elever. Demodata har kjente passord og hører ikke hjemme "
            "ved siden av dem. Vil du likevel laste demodata, kjør med --beside-real-data."
        )
    today = today or timezone.localdate()
    changes = _Changes()
    region = changes.ensure(SltRegion, lookup={"name": REGION_NAME}, values={})
    places = {p.slug: _municipality_ensure(p, region=region, changes=changes) for p in PLACES}
    _refuse_real_members(region)
    plan = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    for place in places.values():
        _plan_ensure(place, plan=plan, stdout=stdout)
    schools = {
        s.key: changes.ensure(
            School,
            lookup={"municipality": places[s.place], "external_id": s.key},
            values={"name": s.name, "kind": s.kind},
        )
        for s in SCHOOLS
    }
    where: dict[str, dict[str, Any]] = {k: {"school": v} for k, v in schools.items()}
    where |= {slug: {"municipality": m} for slug, m in places.items()}
    where["region"] = {"slt_region": region}
    logins = [_staff_ensure(spec, where=where, changes=changes) for spec in STAFF]
    contact_teacher = User.objects.get(email=CONTACT_TEACHER_EMAIL)
    _pupils_ensure(schools, contact_teacher=contact_teacher, today=today, changes=changes)
    _guardians_ensure(places["fjellvik"], changes=changes)
    if cases:
        from varde.cases.demo import demo_cases_ensure

        changes.count += demo_cases_ensure(municipality=places["fjellvik"])
    if changes.count:
        audit_record(
            actor=None,
            action=AuditAction.IMPORT,
            object_type="demo",
            municipality_id=places["fjellvik"].pk,
            reason="Fiktive demodata lastet",
            detail={"changes": changes.count},
        )
        stdout.write(f"Demodata: {changes.count} objekter opprettet eller oppdatert.\n")
    else:
        stdout.write("Demodata: ingen endringer.\n")
    return logins


def demo_totp_code(*, email: str, at: float | None = None) -> str:
    """The TOTP code a demo user's authenticator app would show now, as allauth checks it."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or not _is_demo_user(user):
        raise DemoRefused(f"{email} er ikke en demobruker i en fiktiv kommune.")
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        raise DemoRefused(f"{email} har ikke tofaktorinnlogging (TOTP).")
    secret = decrypt(authenticator.data["secret"])
    counter = int(time.time() if at is None else at) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def demo_totp_secret(email: str) -> str:
    """A fixed secret per demo user, so a rerun keeps the one already in the app.

    It is derived with the installation's SECRET_KEY rather than from the e-mail
    alone, so reading this source code does not reveal it.
    """
    digest = salted_hmac("varde.people.demo.totp", email.lower(), algorithm="sha256").digest()
    return base64.b32encode(digest[:20]).decode("ascii")


class _Changes:
    """Finds objects by natural key and saves them only when they differ."""

    def __init__(self) -> None:
        self.count = 0

    def ensure(
        self, model: type[Model], *, lookup: dict[str, Any], values: dict[str, Any]
    ) -> Model:
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
        elif all(_same(obj, name, value) for name, value in values.items()):
            return obj
        else:
            for name, value in values.items():
                setattr(obj, name, value)
        obj.full_clean()
        obj.save()
        self.count += 1
        return obj

    def note(self) -> None:
        self.count += 1


def _same(obj: models.Model, name: str, value: Any) -> bool:
    """Compare without loading related objects: foreign keys by their id."""
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname) == (value.pk if value is not None else None)
    return getattr(obj, name) == value


def _municipality_ensure(place: _Place, *, region: SltRegion, changes: _Changes) -> Municipality:
    existing = Municipality.objects.filter(slug=place.slug).first()
    if existing is not None and not existing.is_fictional:
        raise DemoRefused(f"Kommunen «{place.slug}» finnes og er ikke fiktiv; demoen lar den være.")
    return changes.ensure(
        Municipality,
        lookup={"slug": place.slug},
        values={
            "name": place.name,
            "number": place.number,
            "is_fictional": True,
            "slt_region": region,
        },
    )


def _refuse_real_members(region: SltRegion) -> None:
    if region.municipalities.filter(is_fictional=False).exists():
        raise DemoRefused(f"«{region.name}» omfatter en kommune som ikke er fiktiv.")


def _plan_ensure(municipality: Municipality, *, plan: dict[str, Any], stdout: Output) -> None:
    """Publish Lunner's plan under the demo municipality's name, unless it already is."""
    content = copy.deepcopy(plan)
    content["municipality"] = {
        **content["municipality"],
        "slug": municipality.slug,
        "name": municipality.name,
    }
    version, created = plan_publish_content(
        municipality=municipality,
        content=content,
        change_note="Demodata: kopi av Lunners plan",
    )
    verb = "publisert som" if created else "uendret,"
    stdout.write(f"{municipality.name}: plan {verb} versjon {version.number}\n")


def _staff_ensure(
    spec: _StaffSpec, *, where: dict[str, dict[str, Any]], changes: _Changes
) -> DemoLogin:
    user = User.objects.filter(email=spec.email).first()
    if user is not None and not _is_demo_user(user, allow_roleless=True):
        raise DemoRefused(f"{spec.email} har roller utenfor de fiktive kommunene.")
    if user is None:
        user = User(email=spec.email, full_name=spec.name)
        validate_password(DEMO_PASSWORD, user)
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
        changes.note()
    elif user.full_name != spec.name or not user.is_active:
        user.full_name, user.is_active = spec.name, True
        user.full_clean()
        user.save(update_fields=["full_name", "is_active"])
        changes.note()
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        changes.note()
    for role, place in spec.roles:
        _role_ensure(user, role=role, where=where[place], changes=changes)
    user.__dict__.pop("assignments", None)
    secret = _totp_ensure(user, changes=changes) if user.requires_mfa() else None
    return DemoLogin(
        email=user.email,
        password=DEMO_PASSWORD,
        roles=_roles_text(user),
        totp_secret=secret,
        otpauth_uri=get_mfa_adapter().build_totp_url(user, secret) if secret else None,
    )


def _is_demo_user(user: User, *, allow_roleless: bool = False) -> bool:
    if user.is_superuser:
        return False
    ids = user.municipality_ids()
    if not ids:
        return allow_roleless
    return not Municipality.objects.filter(id__in=ids, is_fictional=False).exists()


def _role_ensure(user: User, *, role: str, where: dict[str, Any], changes: _Changes) -> None:
    if RoleAssignment.objects.filter(user=user, role=role, **where).exists():
        return
    assignment = RoleAssignment(user=user, role=role, **where)
    assignment.full_clean()
    assignment.save()
    changes.note()


def _totp_ensure(user: User, *, changes: _Changes) -> str:
    """Give the user the demo secret, and recovery codes as allauth's own setup does."""
    secret = demo_totp_secret(user.email)
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        TOTP.activate(user, secret)
        changes.note()
    elif decrypt(authenticator.data["secret"]) != secret:
        authenticator.data = {**authenticator.data, "secret": encrypt(secret)}
        authenticator.save(update_fields=["data"])
        changes.note()
    has_codes = Authenticator.objects.filter(
        user=user, type=Authenticator.Type.RECOVERY_CODES
    ).exists()
    if not has_codes:
        RecoveryCodes.activate(user)
        changes.note()
    return secret


def _roles_text(user: User) -> str:
    order = list(Role.values)
    places: dict[str, list[str]] = {}
    for assignment in sorted(user.assignments, key=lambda a: order.index(a.role)):
        where = assignment.school or assignment.municipality or assignment.slt_region
        places.setdefault(str(assignment.get_role_display()), []).append(str(where))
    return "; ".join(f"{role} – {', '.join(sorted(at))}" for role, at in places.items())


@dataclass(frozen=True)
class _PupilSpec:
    external_id: str
    first_name: str
    last_name: str
    age: int
    birthday_pick: float  # where in the year of possible birth dates the pupil falls
    prefers_combined: bool
    has_contact_teacher: bool


def _pupil_specs() -> dict[str, list[_PupilSpec]]:
    """The same pupils every time: drawn from a generator with a fixed seed."""
    rng = random.Random(2026)
    total = PUPILS_IN_FJELLVIK + PUPILS_IN_NABOVIK
    first_names = rng.sample(FIRST_NAMES, total)
    every_age = list(range(YOUNGEST, OLDEST + 1))
    specs: list[_PupilSpec] = []
    for i, first_name in enumerate(first_names):
        in_fjellvik = i < PUPILS_IN_FJELLVIK
        if in_fjellvik:
            age = every_age[i] if i < len(every_age) else rng.randint(YOUNGEST, OLDEST)
        else:
            age = rng.randint(13, 15)
        prefix, number = ("FJ", i + 1) if in_fjellvik else ("NA", i - PUPILS_IN_FJELLVIK + 1)
        specs.append(
            _PupilSpec(
                external_id=f"{prefix}-E{number:03}",
                first_name=first_name,
                last_name=rng.choice(LAST_NAMES),
                age=age,
                birthday_pick=rng.random(),
                prefers_combined=rng.random() < 1 / 3,
                has_contact_teacher=rng.random() < 0.6,
            )
        )
    return {
        "fjellvik": specs[:PUPILS_IN_FJELLVIK],
        "nabovik": specs[PUPILS_IN_FJELLVIK:],
    }


def school_year_grade(birth_date: dt.date, today: dt.date) -> int:
    """The grade by birth year: children start grade 1 in August of the year they turn 6."""
    school_year = today.year if today.month >= 8 else today.year - 1
    return school_year - birth_date.year - 5


def _birth_date(
    spec: _PupilSpec, *, today: dt.date, grades: range, current: dt.date | None
) -> dt.date:
    """A birth date giving the pupil their age today and a grade in range.

    A pupil keeps the birth date they have while it still fits, so reruns change
    nothing until a birthday or a new school year makes it wrong.
    """
    probe = Pupil()

    def fits(day: dt.date) -> bool:
        probe.birth_date = day
        return probe.age_on(today) == spec.age and school_year_grade(day, today) in grades

    if current is not None and fits(current):
        return current
    # Everyone of that age was born in one of these two calendar years.
    first = dt.date(today.year - spec.age - 1, 1, 1)
    days = (dt.date(today.year - spec.age, 12, 31) - first).days + 1
    candidates = [day for day in (first + dt.timedelta(days=n) for n in range(days)) if fits(day)]
    return candidates[int(spec.birthday_pick * len(candidates))]


def _pupils_ensure(
    schools: dict[str, School], *, contact_teacher: User, today: dt.date, changes: _Changes
) -> None:
    specs = _pupil_specs()
    fjellvik = schools["FJ-US"].municipality
    for spec in specs["fjellvik"]:
        _pupil_ensure(
            spec,
            municipality=fjellvik,
            grades=ALL_GRADES,
            school_for=lambda grade, spec=spec: _fjellvik_school(grade, spec, schools),
            contact_teacher=contact_teacher,
            today=today,
            changes=changes,
        )
    nabovik_school = schools["NA-US"]
    for spec in specs["nabovik"]:
        _pupil_ensure(
            spec,
            municipality=nabovik_school.municipality,
            grades=LOWER_SECONDARY_GRADES,
            school_for=lambda grade: nabovik_school,
            contact_teacher=None,
            today=today,
            changes=changes,
        )


# The guardians of the demo's pupils, four patterns in turn: two guardians sharing parental
# responsibility; a mother who needs an interpreter and a father who must not be contacted; a
# father and a mother with a confidential address; a mother and a step-father without
# parental responsibility. The phone numbers begin with 000 and reach nobody.
MOTHERS = ("Anne", "Hanne", "Leila", "Marta", "Nina", "Sara", "Tone", "Yasmin")
FATHERS = ("Ahmed", "Bjørn", "Erik", "Geir", "Jonas", "Omar", "Petter", "Tor")
LANGUAGES = ("arabisk", "somali", "polsk", "tigrinja")
RESTRICTED_AT = dt.datetime(2026, 8, 17, 10, 0, tzinfo=dt.UTC)


def _guardians_ensure(fjellvik: Municipality, *, changes: _Changes) -> None:
    pupils = Pupil.objects.filter(municipality=fjellvik).order_by("external_id")
    for i, pupil in enumerate(pupils):
        mother = MOTHERS[i % len(MOTHERS)] + " " + pupil.last_name
        father = FATHERS[i % len(FATHERS)] + " " + pupil.last_name
        pattern = i % 4
        rows: list[dict[str, Any]] = [
            {"external_id": "M", "name": mother, "relation": Guardian.Relation.MOTHER},
            {"external_id": "F", "name": father, "relation": Guardian.Relation.FATHER},
        ]
        if pattern == 1:
            rows[0] |= {"needs_interpreter": True, "language": LANGUAGES[i % len(LANGUAGES)]}
            rows[1] |= {
                "restriction": Guardian.Restriction.NO_CONTACT,
                "restriction_reason": "Kontaktforbud (fiktivt eksempel)",
                "lives_with_pupil": False,
            }
        elif pattern == 2:
            rows[0] |= {
                "restriction": Guardian.Restriction.CONFIDENTIAL_ADDRESS,
                "restriction_reason": "Sperret adresse i Folkeregisteret (fiktivt eksempel)",
                "lives_with_pupil": False,
            }
        elif pattern == 3:
            rows[1] |= {
                "relation": Guardian.Relation.GUARDIAN,
                "name": "Steffen " + pupil.last_name,
                "parental_responsibility": False,
            }
        for number, row in enumerate(rows):
            restricted = bool(row.get("restriction"))
            changes.ensure(
                Guardian,
                lookup={"pupil": pupil, "external_id": row.pop("external_id")},
                values={
                    "phone": f"000 {number:02} {i:03}",
                    "email": "",
                    "parental_responsibility": True,
                    "lives_with_pupil": True,
                    "language": "",
                    "needs_interpreter": False,
                    "restriction": "",
                    "restriction_reason": "",
                    "restriction_set_by": "Åse Administrator" if restricted else "",
                    "restriction_set_at": RESTRICTED_AT if restricted else None,
                    **row,
                },
            )


def _fjellvik_school(grade: int, spec: _PupilSpec, schools: dict[str, School]) -> School:
    if grade >= 11:
        return schools["FJ-VGS"]
    if grade <= 7 or spec.prefers_combined:
        return schools["FJ-KS"]
    return schools["FJ-US"]


def _pupil_ensure(
    spec: _PupilSpec,
    *,
    municipality: Municipality,
    grades: range,
    school_for: Callable[[int], School],
    contact_teacher: User | None,
    today: dt.date,
    changes: _Changes,
) -> None:
    current = (
        Pupil.objects.filter(municipality=municipality, external_id=spec.external_id)
        .values_list("birth_date", flat=True)
        .first()
    )
    birth_date = _birth_date(spec, today=today, grades=grades, current=current)
    grade = school_year_grade(birth_date, today)
    school = school_for(grade)
    teacher = contact_teacher if spec.has_contact_teacher and school.external_id == US else None
    changes.ensure(
        Pupil,
        lookup={"municipality": municipality, "external_id": spec.external_id},
        values={
            "school": school,
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "birth_date": birth_date,
            "grade": grade,
            "contact_teacher": teacher,
            "is_active": True,
        },
    )
