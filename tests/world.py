"""Named people in two municipalities, created once per test that asks for them.

Lunner ungdomsskole: Tina the teacher (contact teacher of Petter), Tor the
other teacher, Rita the principal, Kari the Kjentmann, Hanne the school nurse.
Anne administers Lunner. Sigrid coordinates SLT for Gran and Lunner. Gunnar
teaches in Gran. Dag was a teacher and has been deactivated. Tina owns a worry
about Petter; Gunnar owns one about Guro in Gran.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.hashers import get_hasher, make_password
from django.utils import timezone

from varde.cases.models import Case, Handover, Measure
from varde.cases.services import case_open, handover_offer, measure_add
from varde.incidents.models import FollowUp, Incident
from varde.incidents.services import follow_up_choose, follow_up_record, incident_start
from varde.people.models import Municipality, Pupil, RoleAssignment, School, SltRegion, User
from varde.people.roles import Role
from varde.plan.services import plan_parse_yaml, plan_publish_content

PLAN_FILE = Path(__file__).resolve().parent.parent / "varde" / "plan" / "content" / "lunner.yaml"
PASSWORD = "korrekt-hest-batteri-stift"


@dataclass
class World:
    lunner: Municipality
    gran: Municipality
    school: School
    other_school: School
    gran_school: School
    teacher: User
    teacher2: User
    principal: User
    kjentmann: User
    nurse: User
    admin: User
    slt: User
    outsider: User
    deactivated: User
    pupil: Pupil
    gran_pupil: Pupil
    case: Case
    gran_case: Case
    measure: Measure
    gran_measure: Measure
    handover: Handover
    incident: Incident
    follow_up: FollowUp
    gran_incident: Incident
    gran_follow_up: FollowUp

    def personas(self) -> dict[str, User | None]:
        return {
            "anonymous": None,
            "teacher_owner": self.teacher,
            "teacher_same_school": self.teacher2,
            "principal": self.principal,
            "kjentmann": self.kjentmann,
            "school_nurse": self.nurse,
            "slt_coordinator": self.slt,
            "municipal_admin": self.admin,
            "other_municipality": self.outsider,
            "deactivated": self.deactivated,
        }


def password_hash() -> str:
    """PASSWORD hashed once per test run and password hasher: Argon2 takes a fifth of a second
    on purpose, and the world has nine people. Each hash is salted, so one is as good as a
    fresh one. Some tests choose a faster hasher in their settings; they get its hash."""
    return _hashed(get_hasher().algorithm)


@cache
def _hashed(algorithm: str) -> str:
    return make_password(PASSWORD, hasher=algorithm)


def make_user(email: str, name: str, *, mfa: bool = True) -> User:
    user = User.objects.create_user(email, None, full_name=name)
    user.password = password_hash()
    user.save(update_fields=["password"])
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    return user


@cache
def _plan_content() -> dict[str, Any]:
    return plan_parse_yaml(PLAN_FILE.read_text(encoding="utf-8"))


def load_plan() -> None:
    """Lunner's plan, as `manage.py load_plan` loads it; the file is parsed once per run."""
    content = copy.deepcopy(_plan_content())
    municipality = Municipality.objects.create(
        slug=content["municipality"]["slug"],
        name=content["municipality"]["name"],
        number=str(content["municipality"].get("number", "")),
    )
    plan_publish_content(
        municipality=municipality, content=content, change_note=f"Lastet fra {PLAN_FILE.name}"
    )


def grant(user: User, role: str, *, school: School | None = None, **where: object) -> None:
    assignment = RoleAssignment(user=user, role=role, school=school, **where)
    # The role's own rules (clean) and its fields are checked here; its unique constraints
    # are left to the database, which enforces them on save, rather than asked twice in
    # queries of their own for each grant of every test's world.
    assignment.full_clean(validate_constraints=False)
    assignment.save()


def build_world() -> World:
    region = SltRegion.objects.create(name="Gran og Lunner")
    load_plan()
    lunner = Municipality.objects.get(slug="lunner")
    lunner.slt_region = region
    lunner.save()
    gran = Municipality.objects.create(slug="gran", name="Gran kommune", slt_region=region)
    school = School.objects.create(
        municipality=lunner, name="Lunner ungdomsskole", kind="lower_secondary", external_id="LU"
    )
    other_school = School.objects.create(
        municipality=lunner, name="Harestua skole", kind="combined", external_id="HA"
    )
    gran_school = School.objects.create(
        municipality=gran, name="Gran ungdomsskole", kind="lower_secondary", external_id="GU"
    )
    teacher = make_user("tina@lunner.test", "Tina Lærer")
    grant(teacher, Role.TEACHER, school=school)
    grant(teacher, Role.CONTACT_TEACHER, school=school)
    teacher2 = make_user("tor@lunner.test", "Tor Lærer")
    grant(teacher2, Role.TEACHER, school=school)
    principal = make_user("rita@lunner.test", "Rita Rektor")
    grant(principal, Role.PRINCIPAL, school=school)
    kjentmann = make_user("kari@lunner.test", "Kari Kjentmann")
    grant(kjentmann, Role.KJENTMANN, school=school)
    nurse = make_user("hanne@lunner.test", "Hanne Helsesykepleier")
    grant(nurse, Role.SCHOOL_NURSE, school=school)
    admin = make_user("anne@lunner.test", "Anne Administrator")
    grant(admin, Role.MUNICIPAL_ADMIN, municipality=lunner)
    slt = make_user("sigrid@lunner.test", "Sigrid SLT", mfa=False)
    grant(slt, Role.SLT_COORDINATOR, slt_region=region)
    outsider = make_user("gunnar@gran.test", "Gunnar Gran")
    grant(outsider, Role.TEACHER, school=gran_school)
    deactivated = make_user("dag@lunner.test", "Dag Deaktivert")
    grant(deactivated, Role.TEACHER, school=school)
    deactivated.is_active = False
    deactivated.save()
    pupil = Pupil.objects.create(
        municipality=lunner,
        school=school,
        external_id="E1",
        first_name="Petter",
        last_name="Elev",
        birth_date=dt.date(2011, 3, 14),
        grade=9,
        contact_teacher=teacher,
    )
    gran_pupil = Pupil.objects.create(
        municipality=gran,
        school=gran_school,
        external_id="G1",
        first_name="Guro",
        last_name="Elev",
        birth_date=dt.date(2012, 5, 1),
        grade=8,
    )
    case = case_open(
        actor=teacher,
        pupil=pupil,
        observed="Virket ruset etter lunsj 20.11.",
        observed_on=dt.date(2026, 11, 20),
        seriousness=3,
    )
    gran_case = case_open(
        actor=outsider,
        pupil=gran_pupil,
        observed="Lukt av hasj i garderoben.",
        observed_on=dt.date(2026, 11, 18),
        seriousness=2,
    )
    measures = [
        measure_add(
            actor=owner,
            case=worry,
            description="Ukentlig samtale med kontaktlærer.",
            goal="Eleven møter opp og følger undervisningen.",
            responsible=str(owner),
            evaluate_on=timezone.localdate() + dt.timedelta(days=30),
        )
        for owner, worry in ((teacher, case), (outsider, gran_case))
    ]
    # Tina has asked Tor to take over her case; he has not answered yet.
    handover = handover_offer(actor=teacher, case=case, to_user=teacher2)
    return World(
        lunner=lunner,
        gran=gran,
        school=school,
        other_school=other_school,
        gran_school=gran_school,
        teacher=teacher,
        teacher2=teacher2,
        principal=principal,
        kjentmann=kjentmann,
        nurse=nurse,
        admin=admin,
        slt=slt,
        outsider=outsider,
        deactivated=deactivated,
        pupil=pupil,
        gran_pupil=gran_pupil,
        case=case,
        gran_case=gran_case,
        measure=measures[0],
        gran_measure=measures[1],
        handover=handover,
        **_incidents(teacher, teacher2, school, pupil, gran_school, gran_pupil, outsider),
    )


def _incidents(
    teacher: User,
    teacher2: User,
    school: School,
    pupil: Pupil,
    gran_school: School,
    gran_pupil: Pupil,
    outsider: User,
) -> dict[str, object]:
    """Tina found Petter intoxicated at school; Petter chose Tor, who talked with him.

    Gunnar found Guro intoxicated in Gran. Gran has no plan in Varde, so there is no routine
    to follow there, and its records are made directly.
    """
    incident = incident_start(
        actor=teacher, school=school, kind="intoxicated", pupil=pupil, client_token=uuid.uuid4()
    )
    follow_up = follow_up_choose(actor=teacher, incident=incident, adult=teacher2)
    follow_up = follow_up_record(
        actor=teacher2,
        follow_up=follow_up,
        pupil_words="Det var første gang, og jeg vil ikke at det skjer igjen.",
        next_steps="Ny prat med Tor om en uke; Petter forteller foreldrene selv i kveld.",
    )
    gran_incident = Incident.objects.create(
        municipality=gran_school.municipality,
        school=gran_school,
        kind="intoxicated",
        reported_by=outsider,
        started_at=timezone.now(),
        pupil=gran_pupil,
    )
    gran_follow_up = FollowUp.objects.create(
        incident=gran_incident,
        due_on=timezone.localdate() + dt.timedelta(days=1),
        created_at=timezone.now(),
    )
    return {
        "incident": incident,
        "follow_up": follow_up,
        "gran_incident": gran_incident,
        "gran_follow_up": gran_follow_up,
    }
