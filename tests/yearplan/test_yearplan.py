"""The year plan: rolled from the plan's template, adjusted per school, with reminders."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from varde.audit.models import AuditEntry
from varde.reminders.models import Reminder
from varde.reminders.services import reminders_collect
from varde.yearplan.models import YearEvent
from varde.yearplan.services import yearplan_roll

OSLO = ZoneInfo("Europe/Oslo")
YEAR = 2027


@pytest.fixture
def rolled(world):
    yearplan_roll(actor=world.slt, school=world.school, school_year=YEAR)
    return YearEvent.objects.filter(school=world.school, school_year=YEAR)


def utsett(world, grade=8):
    return YearEvent.objects.get(
        school=world.school, school_year=YEAR, template_key="utsett_parent_meeting", grade=grade
    )


def test_rolling_makes_utsett_parent_meetings_for_grades_8_9_and_10(world, rolled):
    meetings = rolled.filter(template_key="utsett_parent_meeting")
    assert sorted(meetings.values_list("grade", flat=True)) == [8, 9, 10]
    first = meetings.first()
    assert "Utsett!" in first.theme and "Politiet" in first.contributors
    start = first.starts_at.astimezone(OSLO)
    assert start.date() == dt.date(2027, 9, 15) and start.hour == 18
    # A lower secondary school gets no meeting meant for grade 7 or upper secondary.
    assert not rolled.filter(grade__lt=8).exists() and not rolled.filter(grade__gt=10).exists()


def test_a_combined_school_gets_the_grade_7_meeting_too(world):
    yearplan_roll(actor=world.slt, school=world.other_school, school_year=YEAR)
    grades = set(
        YearEvent.objects.filter(school=world.other_school).values_list("grade", flat=True)
    )
    assert grades == {7, 8, 9, 10}


def test_spring_meetings_fall_in_the_second_calendar_year_on_a_weekday(world, rolled):
    talk = rolled.get(template_key="nurse_pupil_talk")
    day = talk.starts_at.astimezone(OSLO).date()
    assert day.year == 2028 and day.month == 2 and day.weekday() < 5


def test_rolling_twice_changes_nothing_and_keeps_the_schools_changes(world, rolled, client):
    count = rolled.count()
    meeting = utsett(world)
    client.force_login(world.principal)
    client.post(f"/ansatt/arshjul/mote/{meeting.pk}/", form_of(meeting, place="Aulaen"))
    assert yearplan_roll(actor=world.slt, school=world.school, school_year=YEAR) == 0
    assert rolled.count() == count
    assert utsett(world).place == "Aulaen"


def form_of(event, **changes):
    local = event.starts_at.astimezone(OSLO)
    data = {
        "day": local.strftime("%d.%m.%Y"),
        "time": local.strftime("%H:%M"),
        "duration_minutes": str(event.duration_minutes),
        "place": event.place,
        "responsible": str(event.responsible_id or ""),
        "contributors": event.contributors,
        "notes": event.notes,
        "sequence": str(event.sequence),
    }
    if event.cancelled:
        data["cancelled"] = "on"
    if event.public:
        data["public"] = "on"
    data.update(changes)
    return data


def test_the_principal_sets_date_place_and_responsible_for_her_school(world, rolled, client):
    meeting = utsett(world, 9)
    client.force_login(world.principal)
    response = client.post(
        f"/ansatt/arshjul/mote/{meeting.pk}/",
        form_of(
            meeting,
            day="22.09.2027",
            time="19:00",
            place="Gymsalen",
            responsible=str(world.teacher.pk),
        ),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.starts_at == dt.datetime(2027, 9, 22, 19, 0, tzinfo=OSLO)
    assert meeting.place == "Gymsalen" and meeting.responsible == world.teacher
    assert meeting.sequence == 1
    entry = AuditEntry.objects.filter(object_type="yearplan_event", object_id=str(meeting.pk)).get()
    assert entry.action == "update" and entry.actor == world.principal
    # The other grades' meetings at the school are untouched.
    assert utsett(world, 8).place == ""


def test_a_teacher_reads_the_meeting_but_cannot_change_it(world, rolled, client):
    meeting = utsett(world)
    client.force_login(world.teacher2)
    assert "Utsett!" in client.get(f"/ansatt/arshjul/mote/{meeting.pk}/").content.decode()
    response = client.post(f"/ansatt/arshjul/mote/{meeting.pk}/", form_of(meeting, place="X"))
    assert response.status_code == 404
    assert utsett(world).place == ""


def test_the_outsider_from_gran_gets_404_for_lunners_year_plan(world, rolled, client):
    meeting = utsett(world)
    client.force_login(world.outsider)
    assert client.get(f"/ansatt/arshjul/mote/{meeting.pk}/").status_code == 404
    assert client.get(f"/ansatt/arshjul/skole/{world.school.pk}/").status_code == 404
    assert (
        client.post(
            "/ansatt/arshjul/rull-ut/", {"school_year": YEAR, "schools": [world.other_school.pk]}
        ).status_code
        == 302
    )
    assert not YearEvent.objects.filter(school=world.other_school).exists()


def test_the_principal_cannot_roll_out_another_schools_year(world, client):
    client.force_login(world.principal)
    client.post(
        "/ansatt/arshjul/rull-ut/", {"school_year": YEAR, "schools": [world.other_school.pk]}
    )
    assert not YearEvent.objects.filter(school=world.other_school).exists()


def test_a_bad_date_gets_a_norwegian_message_and_keeps_what_was_typed(world, rolled, client):
    meeting = utsett(world)
    client.force_login(world.slt)
    response = client.post(
        f"/ansatt/arshjul/mote/{meeting.pk}/",
        form_of(meeting, day="31.02.2027", place="Biblioteket"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Skriv datoen som dd.mm.åååå" in page and 'value="Biblioteket"' in page
    assert utsett(world).place == "" and utsett(world).sequence == 0


def test_two_people_saving_the_same_meeting_the_second_is_told(world, rolled, client):
    meeting = utsett(world)
    stale = form_of(meeting)
    client.force_login(world.principal)
    client.post(f"/ansatt/arshjul/mote/{meeting.pk}/", {**stale, "place": "Aulaen"})
    client.force_login(world.slt)
    response = client.post(f"/ansatt/arshjul/mote/{meeting.pk}/", {**stale, "place": "Kantina"})
    page = response.content.decode()
    assert response.status_code == 200 and "Noen andre har endret møtet" in page
    assert 'value="Kantina"' in page
    assert utsett(world).place == "Aulaen"


def test_the_responsible_person_is_reminded_the_plans_days_before(world, rolled):
    meeting = utsett(world)
    meeting.responsible = world.teacher
    meeting.save()
    before = meeting.starts_at - dt.timedelta(days=15)
    reminders_collect(now=before)
    assert not Reminder.objects.filter(key__startswith="yearplan:").exists()
    reminders_collect(now=meeting.starts_at - dt.timedelta(days=14))
    reminder = Reminder.objects.get(key__startswith="yearplan:")
    assert reminder.user == world.teacher and reminder.url == f"/ansatt/arshjul/mote/{meeting.pk}/"


def test_a_cancelled_meeting_reminds_nobody(world, rolled):
    meeting = utsett(world)
    meeting.responsible = world.teacher
    meeting.cancelled = True
    meeting.save()
    reminders_collect(now=meeting.starts_at - dt.timedelta(days=3))
    assert not Reminder.objects.filter(key__startswith="yearplan:").exists()


def test_the_school_page_is_printable_and_lists_the_meetings(world, rolled, client):
    client.force_login(world.teacher)
    page = client.get(f"/ansatt/arshjul/skole/{world.school.pk}/?ar={YEAR}").content.decode()
    assert "print.css" in page and "data-print" in page
    assert page.count("Foreldremøte med Utsett!") == 3


def test_the_slt_coordinator_sees_every_school_in_the_region(world, client):
    client.force_login(world.slt)
    page = client.get(f"/ansatt/arshjul/?ar={YEAR}").content.decode()
    for school in (world.school, world.other_school, world.gran_school):
        assert school.name in page


def test_the_form_as_shown_saves_unchanged(world, rolled, client):
    meeting = utsett(world)
    client.force_login(world.slt)
    page = client.get(f"/ansatt/arshjul/mote/{meeting.pk}/").content.decode()
    assert 'value="15.09.2027"' in page and 'value="18:00"' in page
    response = client.post(f"/ansatt/arshjul/mote/{meeting.pk}/", form_of(meeting))
    assert response.status_code == 302
    assert utsett(world).sequence == 0


def test_one_person_responsible_for_two_meetings_at_once_is_warned(world, rolled, client):
    """The template puts the Utsett! evenings of grades 8, 9 and 10 on the same evening: one
    teacher responsible for two of them is told, on saving and on the school's page."""
    eighth, ninth = utsett(world, 8), utsett(world, 9)
    assert eighth.starts_at == ninth.starts_at
    client.force_login(world.principal)
    client.post(
        f"/ansatt/arshjul/mote/{eighth.pk}/",
        form_of(eighth, responsible=str(world.teacher.pk)),
    )
    page = client.get(f"/ansatt/arshjul/skole/{world.school.pk}/?ar={YEAR}").content.decode()
    assert "Samme ansvarlig for to møter samtidig" not in page
    response = client.post(
        f"/ansatt/arshjul/mote/{ninth.pk}/",
        form_of(ninth, responsible=str(world.teacher.pk)),
        follow=True,
    )
    said = " ".join(response.content.decode().split())
    assert "Tina Lærer" in said and "er ansvarlig for to møter samtidig" in said
    page = " ".join(
        client.get(f"/ansatt/arshjul/skole/{world.school.pk}/?ar={YEAR}").content.decode().split()
    )
    assert "Samme ansvarlig for to møter samtidig" in page
    # An hour later, one after the other: no clash.
    ninth.refresh_from_db()
    client.post(
        f"/ansatt/arshjul/mote/{ninth.pk}/",
        form_of(
            ninth,
            time=(ninth.starts_at.astimezone(OSLO) + dt.timedelta(minutes=90)).strftime("%H:%M"),
        ),
    )
    page = client.get(f"/ansatt/arshjul/skole/{world.school.pk}/?ar={YEAR}").content.decode()
    assert "Samme ansvarlig for to møter samtidig" not in page


def test_a_meeting_can_be_led_by_someone_outside_varde(world, rolled, client):
    meeting = utsett(world, 10)
    client.force_login(world.principal)
    leader = "Politikontakten Kari Nordmann, 400 00 000"
    response = client.post(
        f"/ansatt/arshjul/mote/{meeting.pk}/", form_of(meeting, leader_name=leader)
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.leader_name == leader
    page = client.get(f"/ansatt/arshjul/skole/{world.school.pk}/?ar={YEAR}").content.decode()
    assert leader in page
