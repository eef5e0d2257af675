"""The doors for parents and for pupils on the public front page: the plan told to them, whom
to call now, and a school's public meetings with a calendar to subscribe to."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
import yaml
from django.utils import timezone
from icalendar import Calendar

from varde.plan.schema import PlanInvalid, validate_plan
from varde.yearplan.models import YearEvent
from varde.yearplan.selectors import school_year_of
from varde.yearplan.services import yearplan_roll

# Pages worked out from plan content give the same answer on every database: CI runs them in
# the SQLite job only.
pytestmark = pytest.mark.any_database

OSLO = ZoneInfo("Europe/Oslo")
PLAN = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "varde/plan/content/lunner.yaml").read_text()
)


def rolled(world) -> list[YearEvent]:
    year = school_year_of(timezone.localdate()) + 1
    yearplan_roll(actor=world.slt, school=world.school, school_year=year)
    return list(YearEvent.objects.filter(school=world.school, school_year=year))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "door"), [("/k/lunner/forelder/", "parents"), ("/k/lunner/elev/", "pupils")]
)
def test_each_door_tells_every_part_of_the_plan_it_retells_with_its_source(
    client, world, path, door
):
    page = client.get(path).content.decode()
    spec = PLAN["doors"][door]
    assert f"<bdi>{spec['title']}</bdi>" in page
    for part in spec["parts"]:
        assert f"<bdi>{part['title']}</bdi>" in page, part["key"]
        assert f"<bdi>{part['source']}</bdi>" in page, part["key"]


@pytest.mark.django_db
def test_the_front_page_opens_both_doors(client, world):
    page = client.get("/k/lunner/").content.decode()
    assert 'href="/k/lunner/forelder/"' in page and ">Jeg er forelder<" in page
    assert 'href="/k/lunner/elev/"' in page and ">Jeg er elev<" in page
    # The situations come first: the doors sit below them.
    assert page.index("Hva har skjedd?") < page.index("Jeg er forelder")


@pytest.mark.django_db
def test_parents_are_given_the_number_open_now(client, world):
    # Lunner barneverntjeneste is open weekdays 08.00–15.30 (the plan); on a Saturday evening
    # the door gives the on-call service instead.
    with time_machine.travel(dt.datetime(2026, 12, 7, 10, 0, tzinfo=OSLO), tick=False):
        monday = client.get("/k/lunner/forelder/").content.decode()
    with time_machine.travel(dt.datetime(2026, 12, 12, 19, 30, tzinfo=OSLO), tick=False):
        saturday = client.get("/k/lunner/forelder/").content.decode()
    assert 'href="tel:90642577"' in monday and 'href="tel:64993270"' not in monday
    assert 'href="tel:64993270"' in saturday and 'href="tel:90642577"' not in saturday
    for page in (monday, saturday):
        assert 'href="tel:112"' in page and 'href="tel:116111"' in page


@pytest.mark.django_db
def test_pupils_see_112_and_116_111_before_anything_else(client, world):
    page = client.get("/k/lunner/elev/").content.decode()
    first_part = page.index(PLAN["doors"]["pupils"]["parts"][0]["title"])
    assert page.index('href="tel:112"') < first_part
    assert page.index('href="tel:116111"') < first_part


@pytest.mark.django_db
def test_a_school_shows_its_public_meetings_and_nothing_else(client, world):
    events = rolled(world)
    # The plan marks the Utsett! parent meeting public (grades 8–10), not the pupil talks.
    public = [e for e in events if e.public]
    assert {e.template_key for e in public} == {
        e["key"] for e in PLAN["yearplan"]["events"] if e.get("public")
    } & {e.template_key for e in events}
    assert public and any(not e.public for e in events)
    first = min(public, key=lambda e: (e.starts_at, e.grade))
    YearEvent.objects.filter(pk=first.pk).update(place="Aulaen", notes="Husk nøkkel til aulaen")
    YearEvent.objects.filter(pk=public[-1].pk).update(cancelled=True)
    page = client.get(f"/k/lunner/forelder/skole/{world.school.pk}/").content.decode()
    for event in public:
        assert f"{event.grade}. trinn" in page
    assert "Aulaen" in page and "Husk nøkkel" not in page
    assert "Avlyst" in page
    for event in events:
        if not event.public:
            assert event.title not in page
    assert f"webcal://testserver/k/lunner/forelder/skole/{world.school.pk}/kalender.ics" in page


@pytest.mark.django_db
def test_the_calendar_holds_the_public_meetings_without_staff_notes(client, world):
    events = rolled(world)
    public = [e for e in events if e.public]
    YearEvent.objects.filter(pk=public[0].pk).update(notes="Husk nøkkel til aulaen")
    YearEvent.objects.filter(school=world.school).update(responsible=world.teacher)
    response = client.get(f"/k/lunner/forelder/skole/{world.school.pk}/kalender.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    items = calendar.walk("VEVENT")
    assert len(items) == len(public)
    text = response.content.decode()
    assert "Husk nøkkel" not in text and world.teacher.full_name not in text
    assert all(str(item["SUMMARY"]).startswith(public[0].title) for item in items)


@pytest.mark.django_db
def test_a_meeting_is_made_public_or_private_from_its_page(client, world):
    events = rolled(world)
    talk = next(e for e in events if not e.public)
    client.force_login(world.principal)
    page = client.get(f"/ansatt/arshjul/mote/{talk.pk}/").content.decode()
    assert "Vis møtet på foreldresiden" in page
    local = talk.starts_at.astimezone(OSLO)
    client.post(
        f"/ansatt/arshjul/mote/{talk.pk}/",
        {
            "day": local.strftime("%d.%m.%Y"),
            "time": local.strftime("%H:%M"),
            "duration_minutes": talk.duration_minutes,
            "public": "on",
            "sequence": talk.sequence,
        },
    )
    talk.refresh_from_db()
    assert talk.public
    page = client.get(f"/k/lunner/forelder/skole/{world.school.pk}/").content.decode()
    assert talk.title in page


def test_a_door_that_calls_a_contact_the_plan_does_not_have_is_refused():
    content = yaml.safe_load(yaml.safe_dump(PLAN))
    content["doors"]["parents"]["call"][0]["contact"] = "barnevern.finnes_ikke"
    content["doors"]["pupils"]["parts"][0]["source"] = ""
    with pytest.raises(PlanInvalid) as refused:
        validate_plan(content)
    text = str(refused.value)
    assert "doors.parents.call.steps[1]" in text and "barnevern.finnes_ikke" in text
    assert "doors.pupils.parts[worried].source" in text


@pytest.mark.django_db
def test_in_english_the_meetings_read_in_english_unless_the_school_wrote_its_own(client, world):
    events = rolled(world)
    public = sorted((e for e in events if e.public), key=lambda e: (e.starts_at, e.grade))
    english = PLAN["translations"]["en"]
    own = public[-1]
    YearEvent.objects.filter(pk=own.pk).update(title="Foreldrekveld med kaffe")
    client.cookies["django_language"] = "en"
    page = client.get(f"/k/lunner/forelder/skole/{world.school.pk}/").content.decode()
    kept = public[0]
    assert len(public) >= 2 and kept.pk != own.pk
    path = f"yearplan.events[{kept.template_key}].title"
    assert english[path]["text"] in page
    assert kept.title not in page.replace("Foreldrekveld med kaffe", "")
    assert "Foreldrekveld med kaffe" in page
