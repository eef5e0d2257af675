"""Who sees a case and an incident, checked against need-to-know written down as a table.

The expected answer for each person and record comes from the table below and from the rows
the test reads itself (who owns, who is invited, who holds which role at which school): never
from Varde's own visibility functions. Each person is tried through the list rule, the one-record
helper and the page, so the three cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.http import Http404
from django.test import Client
from django.utils import timezone

from tests.world import grant, make_user
from varde.cases.access import case_for_user, cases_visible_to
from varde.cases.models import Case, CaseParticipant
from varde.incidents.access import incident_for_user, incidents_visible_to
from varde.incidents.models import FollowUp, Incident
from varde.people.models import RoleAssignment, School, User

# The plan's need-to-know: how a person stands to a case, and whether they may see it. A role
# at another school than the case's, or at a municipality or an SLT region, gives nothing.
CASE_SEES = {
    "owner": True,
    "invited": True,
    "principal": True,
    "deputy": True,
    "teacher": False,
    "contact_teacher": False,
    "kjentmann": False,
    "school_nurse": False,
    "los": False,
    "ppt_contact": False,
    "nothing": False,
}
INCIDENT_SEES = {
    "reported": True,
    "chosen_adult": True,
    "principal": True,
    "deputy": True,
    "teacher": False,
    "contact_teacher": False,
    "kjentmann": False,
    "school_nurse": False,
    "los": False,
    "ppt_contact": False,
    "nothing": False,
}


def case_relations(user: User, case: Case) -> set[str]:
    found = {
        role
        for (role,) in RoleAssignment.objects.filter(user=user, school_id=case.school_id)
        .values_list("role")
        .order_by()
    }
    if case.owner_id == user.pk:
        found.add("owner")
    if CaseParticipant.objects.filter(case=case, user=user).exists():
        found.add("invited")
    return found or {"nothing"}


def incident_relations(user: User, incident: Incident) -> set[str]:
    found = {
        role
        for (role,) in RoleAssignment.objects.filter(user=user, school_id=incident.school_id)
        .values_list("role")
        .order_by()
    }
    if incident.reported_by_id == user.pk:
        found.add("reported")
    if FollowUp.objects.filter(incident=incident, adult=user).exists():
        found.add("chosen_adult")
    return found or {"nothing"}


def expected(user: User, relations: set[str], table: dict[str, bool]) -> bool:
    return user.is_active and any(table[r] for r in relations)


@pytest.fixture
def people(world):
    """Everyone in the world, plus a deputy of Lunner ungdomsskole, the principal of Harestua,
    and Kari invited into Tina's case; one case and one incident at Harestua too."""
    deputy = make_user("dina@lunner.test", "Dina Inspektør")
    grant(deputy, "deputy", school=world.school)
    harestua = make_user("hans@lunner.test", "Hans Rektor")
    grant(harestua, "principal", school=world.other_school)
    CaseParticipant.objects.create(
        case=world.case, user=world.kjentmann, invited_by=world.teacher, invited_at=timezone.now()
    )
    Case.objects.create(
        municipality=world.lunner,
        school=world.other_school,
        pupil=world.pupil,
        owner=world.teacher2,
        opened_at=timezone.now(),
        observed="Sett ruset.",
        observed_on=dt.date(2026, 11, 2),
        seriousness=2,
    )
    Incident.objects.create(
        municipality=world.lunner,
        school=world.other_school,
        kind="intoxicated",
        reported_by=world.nurse,
        started_at=timezone.now(),
    )
    found = [v for v in dataclasses.asdict(world).values() if isinstance(v, User)]
    return [deputy, harestua, *User.objects.filter(pk__in=[u.pk for u in found])]


def test_every_person_sees_exactly_the_cases_the_table_gives_them(people):
    assert School.objects.count() == 3
    cases = list(Case.objects.all())
    checked = seen = 0
    for user in people:
        user = User.objects.get(pk=user.pk)
        listed = set(cases_visible_to(user).values_list("pk", flat=True))
        for case in cases:
            may = expected(user, case_relations(user, case), CASE_SEES)
            assert (case.pk in listed) == may, (user.email, case.pk)
            if may:
                assert case_for_user(user, case.pk, reason="test").pk == case.pk
            else:
                with pytest.raises(Http404):
                    case_for_user(user, case.pk, reason="test")
            checked += 1
            seen += may
    # Owners, the invited Kjentmann and the leadership of both schools see something.
    assert checked == len(people) * 3 and seen >= 6


def test_every_person_sees_exactly_the_incidents_the_table_gives_them(people):
    incidents = list(Incident.objects.all())
    seen = 0
    for user in people:
        user = User.objects.get(pk=user.pk)
        listed = set(incidents_visible_to(user).values_list("pk", flat=True))
        for incident in incidents:
            may = expected(user, incident_relations(user, incident), INCIDENT_SEES)
            assert (incident.pk in listed) == may, (user.email, incident.pk)
            if may:
                assert incident_for_user(user, incident.pk, reason="test").pk == incident.pk
            else:
                with pytest.raises(Http404):
                    incident_for_user(user, incident.pk, reason="test")
            seen += may
    assert seen >= 6


def test_the_case_page_answers_as_the_table_says(people):
    cases = list(Case.objects.all())
    for user in people:
        client = Client()
        client.force_login(user)
        for case in cases:
            may = expected(user, case_relations(user, case), CASE_SEES)
            status = client.get(f"/ansatt/saker/{case.pk}/").status_code
            if user.is_active:
                assert status == (200 if may else 404), (user.email, case.pk)
            else:
                assert status == 302, user.email
