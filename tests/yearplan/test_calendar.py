"""Calendar feeds: a secret address per school or person, read back with the icalendar library."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from varde.yearplan.models import CalendarFeed, YearEvent
from varde.yearplan.services import calendar_feed_create, yearplan_roll

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def rolled(world):
    from django.utils import timezone

    from varde.yearplan.selectors import school_year_of

    year = school_year_of(timezone.localdate()) + 1
    yearplan_roll(actor=world.slt, school=world.school, school_year=year)
    return YearEvent.objects.filter(school=world.school, school_year=year)


def fetch(client, token) -> Calendar:
    response = client.get(f"/kalender/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def events_of(calendar: Calendar) -> dict[str, object]:
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_a_school_feed_parses_back_with_every_meeting_in_oslo_time(world, rolled, client):
    _feed, token = calendar_feed_create(actor=world.teacher, school=world.school)
    calendar = fetch(client, token)
    events = events_of(calendar)
    assert len(events) == rolled.count()
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Europe/Oslo"
    meeting = rolled.get(template_key="utsett_parent_meeting", grade=8)
    item = next(e for uid, e in events.items() if uid.startswith(str(meeting.uid)))
    start = item.decoded("dtstart")
    assert start == meeting.starts_at and start.astimezone(OSLO).hour == 18
    assert item["dtstart"].params["TZID"] == "Europe/Oslo"
    assert "Utsett!" in str(item["summary"]) or "Utsett!" in str(item["description"])
    assert int(item["sequence"]) == 0 and str(item["status"]) == "CONFIRMED"


def test_a_change_keeps_the_uid_and_bumps_the_sequence_and_a_cancellation_shows(
    world, rolled, client
):
    _feed, token = calendar_feed_create(actor=world.teacher, school=world.school)
    meeting = rolled.get(template_key="utsett_parent_meeting", grade=9)
    before = {uid for uid in events_of(fetch(client, token))}
    client.force_login(world.principal)
    local = meeting.starts_at.astimezone(OSLO)
    client.post(
        f"/ansatt/arshjul/mote/{meeting.pk}/",
        {
            "day": local.strftime("%d.%m.%Y"),
            "time": "19:30",
            "duration_minutes": "90",
            "place": "Aulaen",
            "responsible": "",
            "contributors": meeting.contributors,
            "notes": "",
            "cancelled": "on",
            "sequence": "0",
        },
    )
    client.logout()
    events = events_of(fetch(client, token))
    assert set(events) == before
    item = next(e for uid, e in events.items() if uid.startswith(str(meeting.uid)))
    assert int(item["sequence"]) == 1
    assert str(item["status"]) == "CANCELLED" and str(item["location"]) == "Aulaen"
    assert item.decoded("dtstart").astimezone(OSLO).time() == dt.time(19, 30)


def test_a_person_feed_holds_only_the_meetings_they_are_responsible_for(world, rolled, client):
    meeting = rolled.get(template_key="police_pupil_talk")
    meeting.responsible = world.teacher2
    meeting.save()
    _feed, token = calendar_feed_create(actor=world.teacher2)
    events = events_of(fetch(client, token))
    assert [uid.split("@")[0] for uid in events] == [str(meeting.uid)]


def test_a_revoked_feed_answers_404_and_a_new_address_works(world, rolled, client):
    client.force_login(world.teacher)
    client.post("/ansatt/arshjul/kalender/ny/", {"school": str(world.school.pk)})
    old = CalendarFeed.objects.get(owner=world.teacher)
    old_token = old.token
    assert client.get(f"/kalender/{old_token}.ics").status_code == 200
    client.post(f"/ansatt/arshjul/kalender/{old.pk}/stopp/")
    assert client.get(f"/kalender/{old_token}.ics").status_code == 404
    client.post("/ansatt/arshjul/kalender/ny/", {"school": str(world.school.pk)})
    new = CalendarFeed.objects.get(owner=world.teacher, revoked_at__isnull=True)
    assert new.token != old_token
    assert client.get(f"/kalender/{new.token}.ics").status_code == 200


def test_making_a_new_address_stops_the_old_one_for_the_same_calendar(world, rolled, client):
    _old, old_token = calendar_feed_create(actor=world.teacher, school=world.school)
    _new, new_token = calendar_feed_create(actor=world.teacher, school=world.school)
    assert client.get(f"/kalender/{old_token}.ics").status_code == 404
    assert client.get(f"/kalender/{new_token}.ics").status_code == 200


def test_a_deactivated_owners_feed_stops_at_once(world, rolled, client):
    _feed, token = calendar_feed_create(actor=world.teacher2, school=world.school)
    world.teacher2.is_active = False
    world.teacher2.save()
    assert client.get(f"/kalender/{token}.ics").status_code == 404


def test_the_token_is_not_stored_in_the_clear(world):
    feed, token = calendar_feed_create(actor=world.teacher, school=world.school)
    assert CalendarFeed.objects.filter(token_hash=feed.token_hash).exists()
    raw = CalendarFeed.objects.filter(pk=feed.pk).values_list("token", flat=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM yearplan_calendarfeed WHERE id = %s", [feed.pk])
        stored = cursor.fetchone()[0]
    assert token not in stored and list(raw)


def test_an_unknown_token_answers_404(client, world):
    assert client.get("/kalender/finnes-ikke.ics").status_code == 404


def test_the_outsider_cannot_make_a_feed_of_a_lunner_school(world, client):
    client.force_login(world.outsider)
    response = client.post("/ansatt/arshjul/kalender/ny/", {"school": str(world.school.pk)})
    assert response.status_code == 404
    assert not CalendarFeed.objects.filter(owner=world.outsider).exists()


def test_the_outsider_cannot_stop_someone_elses_feed(world, client):
    feed, token = calendar_feed_create(actor=world.teacher, school=world.school)
    client.force_login(world.outsider)
    assert client.post(f"/ansatt/arshjul/kalender/{feed.pk}/stopp/").status_code == 404
    assert client.get(f"/kalender/{token}.ics").status_code == 200
