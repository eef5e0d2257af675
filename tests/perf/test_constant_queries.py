"""Every list page, the case page, the start page and insights ask the database the same
number of questions whether there are 10 rows to show or 1,000.

Rows are bulk-created straight into the tables: the point is how the page reads them.
The audit trail writes one entry per row shown, as one bulk insert; the database driver
splits that insert into as many statements as its parameter limit needs (SQLite: 999
values), so those statements are counted apart and are not questions the page asks.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from varde.cases.models import AdviceRequest, Case, CaseEvent, Measure
from varde.incidents.models import Incident
from varde.insights.services import insights_refresh
from varde.people.models import Pupil, RoleAssignment, User
from varde.people.roles import Role
from varde.yearplan.models import YearEvent

SMALL, LARGE = 10, 1_000


def more_cases(world, start: int, stop: int) -> None:
    now = timezone.now()
    Case.objects.bulk_create(
        Case(
            municipality=world.lunner,
            school=world.school,
            pupil=world.pupil,
            owner=world.teacher,
            opened_at=now - dt.timedelta(minutes=i),
            observed=f"Bekymring nummer {i}.",
            observed_on=dt.date(2026, 11, 1),
            seriousness=1 + i % 4,
            level=i % 4,
        )
        for i in range(start, stop)
    )


def more_pupils(world, start: int, stop: int) -> None:
    Pupil.objects.bulk_create(
        Pupil(
            municipality=world.lunner,
            school=world.school,
            external_id=f"P{i}",
            first_name=f"Elev{i}",
            last_name="Hansen",
            birth_date=dt.date(2011, 1, 1),
            grade=8 + i % 3,
            contact_teacher=world.teacher,
        )
        for i in range(start, stop)
    )


def more_staff(world, start: int, stop: int) -> None:
    users = User.objects.bulk_create(
        User(email=f"ansatt{i}@lunner.test", full_name=f"Ansatt {i}") for i in range(start, stop)
    )
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=user, role=Role.TEACHER, school=world.school) for user in users
    )


def more_incidents(world, start: int, stop: int) -> None:
    now = timezone.now()
    Incident.objects.bulk_create(
        Incident(
            municipality=world.lunner,
            school=world.school,
            kind="intoxicated",
            reported_by=world.teacher,
            started_at=now - dt.timedelta(minutes=i),
            pupil=world.pupil,
            client_token=uuid.uuid4(),
        )
        for i in range(start, stop)
    )


def more_year_events(world, start: int, stop: int) -> None:
    now = timezone.now()
    YearEvent.objects.bulk_create(
        YearEvent(
            school=world.school,
            school_year=now.year,
            template_key=f"mal-{i}",
            grade=8 + i % 3,
            kind=YearEvent.Kind.PARENT_MEETING,
            title=f"Foreldremøte {i}",
            theme="Rus og nettvett",
            called_by="Rektor",
            starts_at=now + dt.timedelta(days=i % 200),
            responsible=world.principal,
        )
        for i in range(start, stop)
    )


def more_advice(world, start: int, stop: int) -> None:
    now = timezone.now()
    AdviceRequest.objects.bulk_create(
        AdviceRequest(
            case=world.case,
            asked_by=world.teacher,
            adviser=world.kjentmann,
            age_band="13-15",
            asked_at=now - dt.timedelta(minutes=i),
            question=f"Spørsmål {i}",
        )
        for i in range(start, stop)
    )


def more_case_history(world, start: int, stop: int) -> None:
    now = timezone.now()
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case=world.case,
            at=now - dt.timedelta(minutes=i),
            actor=world.teacher2 if i % 2 else world.teacher,
            kind=CaseEvent.Kind.choices[i % len(CaseEvent.Kind.choices)][0],
            summary=f"Hendelse {i}",
        )
        for i in range(start, stop)
    )
    Measure.objects.bulk_create(
        Measure(
            case=world.case,
            created_at=now,
            created_by=world.teacher,
            level=0,
            description=f"Tiltak {i}",
            goal="Mål",
            responsible="Tina",
            evaluate_on=dt.date(2027, 1, 1),
        )
        for i in range(start, stop)
    )


def more_counted_rows(world, start: int, stop: int) -> None:
    """Cases and incidents, then the recount the worker's tick makes."""
    more_cases(world, start, stop)
    more_incidents(world, start, stop)
    insights_refresh()


PAGES = {
    "case list": ("/ansatt/saker/", "teacher", more_cases),
    "pupil list": ("/ansatt/elever/", "teacher", more_pupils),
    "staff list": ("/ansatt/brukere/", "admin", more_staff),
    "incident list": ("/ansatt/hendelser/", "principal", more_incidents),
    "year plan": ("/ansatt/arshjul/", "principal", more_year_events),
    "advice inbox": ("/ansatt/rad/", "kjentmann", more_advice),
    "case page": ("/ansatt/saker/{case}/", "teacher", more_case_history),
    "start page": ("/ansatt/", "teacher", more_cases),
    "insights": ("/ansatt/innsikt/", "slt", more_counted_rows),
}


AUDIT_INSERT = 'INSERT INTO "audit_auditentry"'


def queries_for(client, url: str) -> int:
    """The page's queries with Django's cache emptied first, so that a result kept there (the
    trend tables) cannot hide a query that grows with the rows."""
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return sum(1 for q in captured.captured_queries if not q["sql"].startswith(AUDIT_INSERT))


@pytest.mark.parametrize("page", PAGES)
def test_the_page_asks_the_same_number_of_questions_for_10_and_1000_rows(client, world, page):
    url, persona, add_rows = PAGES[page]
    url = url.format(case=world.case.pk)
    client.force_login(getattr(world, persona))
    add_rows(world, 0, SMALL)
    client.get(url)  # warm: plan, session and translations are read once per process
    with_ten = queries_for(client, url)
    add_rows(world, SMALL, LARGE)
    with_a_thousand = queries_for(client, url)
    assert with_a_thousand == with_ten, (
        f"{page}: {with_ten} queries at 10 rows, {with_a_thousand} at 1,000"
    )
