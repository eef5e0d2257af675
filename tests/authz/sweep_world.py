"""The world of tests/world.py, widened so that every relation of the need-to-know spec
(tests/authz/need_to_know.py) is held by someone and every family of records has a record in
each place: Lunner ungdomsskole, Harestua skole (another school of Lunner) and Gran.

Added people: Dina, deputy at Lunner ungdomsskole; Hans, principal of Harestua, and Harald,
who teaches there; Gerd, principal in Gran, and Geir, Gran's administrator. Kari (Kjentmann)
is invited into Tina's case; Tina has asked Hanne (school nurse) for advice; Harald has a worry
about Hedda, a pupil at Harestua, now at level 3, and found her intoxicated; Tor found a pupil
intoxicated and has not said who; Tina has a second, closed and archived worry about Petter;
each school has its year plan; Tina, Sigrid and Gunnar have calendar feeds; Gran has a school
nurse, Gro.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from tests.world import grant, make_user
from varde.cases.models import Case, CaseEvent, CaseParticipant, Consent
from varde.incidents.models import FollowUp, Incident
from varde.people.models import Guardian, Pupil, User
from varde.yearplan.models import YearEvent


def widen(world: Any) -> dict[str, User]:
    """Add the people and records above; return the people added, by name."""
    from varde.cases.advice import advice_ask
    from varde.cases.archive import case_archive
    from varde.cases.concern import concern_approve, concern_write
    from varde.cases.consent import consent_record
    from varde.cases.models import ConcernReport
    from varde.cases.services import case_open
    from varde.incidents.services import incident_start
    from varde.yearplan.selectors import school_year_of
    from varde.yearplan.services import calendar_feed_create, yearplan_roll

    people = {
        "dina": make_user("dina@lunner.test", "Dina Inspektør"),
        "hans": make_user("hans@lunner.test", "Hans Rektor"),
        "harald": make_user("harald@lunner.test", "Harald Lærer"),
        "gerd": make_user("gerd@gran.test", "Gerd Rektor"),
        "geir": make_user("geir@gran.test", "Geir Administrator"),
        "gro": make_user("gro@gran.test", "Gro Helsesykepleier"),
    }
    grant(people["dina"], "deputy", school=world.school)
    grant(people["hans"], "principal", school=world.other_school)
    grant(people["harald"], "teacher", school=world.other_school)
    grant(people["gerd"], "principal", school=world.gran_school)
    grant(people["geir"], "municipal_admin", municipality=world.gran)
    grant(people["gro"], "school_nurse", school=world.gran_school)

    now = timezone.now()
    today = timezone.localdate()
    CaseParticipant.objects.create(
        case=world.case, user=world.kjentmann, invited_by=world.teacher, invited_at=now
    )
    consent_record(
        actor=world.teacher,
        case=world.case,
        service="skolehelsetjenesten",
        giver="pupil",
        giver_name="Petter Elev",
        scope="Bekymringen og samtalen med eleven.",
        valid_from=today,
        valid_until=today + dt.timedelta(days=300),
    )
    # Gran has no plan in Varde, so its records are made directly.
    Consent.objects.create(
        case=world.gran_case,
        service="skolehelsetjenesten",
        giver="pupil",
        giver_name="Guro Elev",
        scope="Bekymringen.",
        valid_from=today,
        valid_until=today + dt.timedelta(days=300),
        recorded_by=world.outsider,
        recorded_at=now,
    )
    advice_ask(
        actor=world.teacher,
        case=world.case,
        adviser=world.nurse,
        question="Hva bør jeg spørre om i samtalen?",
        anonymous=True,
    )
    # Rita has approved it: the page offers the owner and leadership to record it as sent.
    concern = concern_write(
        actor=world.teacher,
        case=world.case,
        legal_basis="child_welfare_duty",
        urgent=False,
        seen="Petter sier at det ikke er mat hjemme.",
        done="",
        guardians_informed="",
    )
    concern_approve(actor=world.principal, report=concern, version=concern.version)
    # A pupil's anonymous question at each school (Gran's stored directly: no plan there).
    from tests.authz.harness import _question_records

    _question_records(world)
    ConcernReport.objects.create(
        case=world.gran_case,
        created_at=now,
        created_by=world.outsider,
        legal_basis="child_welfare_duty",
        seen="Guro sier at hun er redd hjemme.",
    )

    hedda = Pupil.objects.create(
        municipality=world.lunner,
        school=world.other_school,
        external_id="H1",
        first_name="Hedda",
        last_name="Elev",
        birth_date=dt.date(2011, 9, 2),
        grade=9,
    )
    # Guardians in both municipalities: shown on the pupil, case and incident pages.
    for pupil in (world.pupil, world.gran_pupil, hedda):
        Guardian.objects.create(
            pupil=pupil,
            external_id="G1",
            name=f"Mor {pupil.last_name}",
            relation=Guardian.Relation.MOTHER,
            phone="000 00 001",
        )
    case_open(
        actor=people["harald"],
        pupil=hedda,
        observed="Lukt av alkohol etter friminuttet.",
        observed_on=today,
        seriousness=2,
    )
    incident_start(
        actor=people["harald"],
        school=world.other_school,
        kind="intoxicated",
        pupil=hedda,
        client_token=uuid.uuid4(),
    )
    # Harald's case has reached level 3, where a coordinator is named.
    Case.objects.filter(pupil=hedda).update(level=3, level_since=now)
    # Tor found a pupil intoxicated at Lunner ungdomsskole and has not said who yet.
    incident_start(
        actor=world.teacher2, school=world.school, kind="intoxicated", client_token=uuid.uuid4()
    )

    archived = case_open(
        actor=world.teacher,
        pupil=world.pupil,
        observed="Virket trøtt og fjern i timene i oktober.",
        observed_on=today - dt.timedelta(days=40),
        seriousness=1,
    )
    Case.objects.filter(pk=archived.pk).update(status=Case.Status.CLOSED, closed_at=now)
    CaseEvent.objects.create(case=archived, at=now, actor=world.teacher, kind="closed")
    case_archive(actor=world.teacher, case=Case.objects.get(pk=archived.pk))

    year = school_year_of(today)
    yearplan_roll(actor=world.slt, school=world.school, school_year=year)
    yearplan_roll(actor=world.slt, school=world.other_school, school_year=year)
    YearEvent.objects.create(
        school=world.gran_school,
        school_year=year,
        template_key="gran_parent_meeting",
        grade=8,
        kind=YearEvent.Kind.PARENT_MEETING,
        title="Foreldremøte i Gran",
        theme="Utsett!",
        called_by="Rektor",
        starts_at=now + dt.timedelta(days=60),
    )
    calendar_feed_create(actor=world.teacher, school=world.school)
    calendar_feed_create(actor=world.slt)
    calendar_feed_create(actor=world.outsider)
    assert FollowUp.objects.count() >= 2 and Incident.objects.count() >= 3
    return people
