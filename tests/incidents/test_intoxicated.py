"""A pupil intoxicated at school: the plan's steps ticked with time and name, the duty to
avert decided with its reason, the next-day follow-up with the adult the pupil chose."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.utils import timezone

from tests.incidents.helpers import start_intoxicated
from varde.audit.models import AuditEntry
from varde.cases.models import Case, CaseEvent
from varde.incidents.models import FollowUp, Incident, StepTick
from varde.incidents.services import IncidentRuleBroken, incident_start

OSLO_TUESDAY_1040 = dt.datetime(2026, 12, 1, 10, 40)


def oslo(wall: dt.datetime) -> dt.datetime:
    return timezone.make_aware(wall)


def test_the_steps_come_from_the_plan_in_its_order(client, world):
    incident = start_intoxicated(client, world)
    page = client.get(f"/ansatt/hendelser/{incident.pk}/").content.decode()
    titles = [
        "Snakk med eleven",
        "Skjerm eleven fra andre elever",
        "Kontakt rektor/rektors stedfortreder",
        "Kontakt foreldre",
        "Sikre oppfølging av eleven",
    ]
    positions = [page.index(title) for title in titles]
    assert positions == sorted(positions)
    assert "i samråd med eleven" in page


def test_a_teacher_ticks_a_step_with_the_time_her_name_and_a_note(client, world):
    with time_machine.travel(oslo(OSLO_TUESDAY_1040), tick=False):
        incident = start_intoxicated(client, world)
        response = client.post(
            f"/ansatt/hendelser/{incident.pk}/steg/talk/",
            {"talk-note": "Rolig, sitter på kontoret", "talk-token": str(uuid.uuid4())},
        )
        page = client.get(f"/ansatt/hendelser/{incident.pk}/").content.decode()
    assert response.status_code == 302
    tick = StepTick.objects.get(incident=incident, key="talk")
    assert tick.done_by == world.teacher and tick.note == "Rolig, sitter på kontoret"
    assert timezone.localtime(tick.done_at).strftime("%H:%M") == "10:40"
    assert "Gjort 10:40 av <bdi>Tina Lærer</bdi>: <bdi>Rolig, sitter på kontoret</bdi>" in page


def test_the_principal_who_records_it_has_already_been_told(client, world):
    incident = start_intoxicated(client, world, world.principal)
    assert StepTick.objects.filter(incident=incident, key="leadership").exists()
    by_teacher = start_intoxicated(client, world, world.teacher)
    assert not StepTick.objects.filter(incident=by_teacher, key="leadership").exists()


def test_the_same_form_sent_twice_saves_one_row(client, world):
    incident = start_intoxicated(client, world)
    token = str(uuid.uuid4())
    for _ in range(3):
        client.post(f"/ansatt/hendelser/{incident.pk}/steg/shield/", {"shield-token": token})
    assert StepTick.objects.filter(incident=incident, key="shield").count() == 1
    entries = AuditEntry.objects.filter(object_type="incident", reason="Steg utført")
    assert entries.count() == 1


def test_starting_twice_with_the_same_token_starts_one_incident(client, world):
    client.force_login(world.teacher)
    data = {"token": str(uuid.uuid4()), "pupil": world.pupil.pk}
    before = Incident.objects.count()
    first = client.post("/ansatt/hendelser/ny/ruset/", data)
    second = client.post("/ansatt/hendelser/ny/ruset/", data)
    assert Incident.objects.count() == before + 1
    assert first["Location"] == second["Location"]


def test_the_duty_to_avert_is_a_decision_with_numbers_and_a_reason(client, world):
    with time_machine.travel(oslo(OSLO_TUESDAY_1040), tick=False):
        incident = start_intoxicated(client, world)
        page = client.get(f"/ansatt/hendelser/{incident.pk}/").content.decode()
        # The office is open on a Tuesday morning: police and the child welfare office.
        assert 'href="tel:02800"' in page and 'href="tel:90642577"' in page
        assert "Straffeloven § 196" in page
        missing = client.post(f"/ansatt/hendelser/{incident.pk}/avverging/", {"option": "police"})
        assert (
            missing.status_code == 200
            and "Skriv kort hvorfor du varslet" in missing.content.decode()
        )
        client.post(
            f"/ansatt/hendelser/{incident.pk}/avverging/",
            {"option": "police", "reason": "Eleven skulle kjøre moped hjem."},
        )
    incident.refresh_from_db()
    assert incident.avert_option == "police" and incident.avert_alerted is True
    assert incident.avert_reason == "Eleven skulle kjøre moped hjem."
    assert incident.avert_by == world.teacher


def test_after_office_hours_the_child_welfare_on_call_number_is_shown(client, world):
    with time_machine.travel(oslo(dt.datetime(2026, 12, 1, 16, 5)), tick=False):
        incident = start_intoxicated(client, world)
        page = client.get(f"/ansatt/hendelser/{incident.pk}/").content.decode()
    assert 'href="tel:64993270"' in page and 'href="tel:90642577"' not in page


def test_an_unknown_avert_answer_is_refused_and_nothing_is_saved(client, world):
    incident = start_intoxicated(client, world)
    response = client.post(f"/ansatt/hendelser/{incident.pk}/avverging/", {"option": "hack"})
    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.avert_option == "" and incident.avert_at is None


def test_the_follow_up_is_booked_for_the_next_school_day_with_the_adult_the_pupil_chose(
    client, world
):
    with time_machine.travel(oslo(dt.datetime(2026, 12, 4, 13, 0)), tick=False):  # a Friday
        incident = start_intoxicated(client, world)
        response = client.post(
            f"/ansatt/hendelser/{incident.pk}/oppfolging/", {"adult": world.kjentmann.pk}
        )
    assert response.status_code == 302
    follow_up = FollowUp.objects.get(incident=incident)
    assert follow_up.due_on == dt.date(2026, 12, 7)  # Monday
    assert follow_up.adult == world.kjentmann
    # Kari can now see the incident and hold the talk.
    client.force_login(world.kjentmann)
    assert client.get(f"/ansatt/hendelser/{incident.pk}/").status_code == 200
    response = client.post(
        f"/ansatt/oppfolging/{follow_up.pk}/",
        {"pupil_words": "Jeg var redd.", "next_steps": "Eleven snakker med helsesykepleier."},
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.held_at and follow_up.held_by == world.kjentmann
    assert follow_up.pupil_words == "Jeg var redd."


def test_the_follow_up_adult_must_work_at_the_school(client, world):
    incident = start_intoxicated(client, world)
    response = client.post(
        f"/ansatt/hendelser/{incident.pk}/oppfolging/", {"adult": world.outsider.pk}
    )
    assert response.status_code == 200
    assert FollowUp.objects.get(incident=incident).adult is None


def test_a_follow_up_without_the_pupils_words_is_not_saved_and_keeps_what_was_typed(client, world):
    incident = start_intoxicated(client, world)
    follow_up = incident.follow_up
    client.post(f"/ansatt/hendelser/{incident.pk}/oppfolging/", {"adult": world.teacher.pk})
    response = client.post(
        f"/ansatt/oppfolging/{follow_up.pk}/", {"pupil_words": "", "next_steps": "Ny prat fredag"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Ny prat fredag" in page
    follow_up.refresh_from_db()
    assert follow_up.held_at is None


def test_one_tap_opens_a_worry_about_the_pupil_from_the_incident(client, world):
    incident = start_intoxicated(client, world)
    page = client.get(f"/ansatt/hendelser/{incident.pk}/").content.decode()
    assert f'href="/ansatt/elever/{world.pupil.pk}/undring/?hendelse={incident.pk}"' in page


def test_the_incident_attaches_to_an_open_case_about_the_pupil(client, world):
    incident = start_intoxicated(client, world)
    page = client.get(f"/ansatt/hendelser/{incident.pk}/").content.decode()
    assert "Knytt til saken" in page
    response = client.post(f"/ansatt/hendelser/{incident.pk}/sak/", {"case": world.case.pk})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.case == world.case
    assert CaseEvent.objects.filter(case=world.case, summary__isnull=False, kind="note").exists()


def test_a_case_about_another_pupil_cannot_be_attached(client, world):
    client.force_login(world.outsider)
    gran = world.gran_incident
    response = client.post(f"/ansatt/hendelser/{gran.pk}/sak/", {"case": world.case.pk})
    assert response.status_code == 200
    gran.refresh_from_db()
    assert gran.case is None


def test_a_pupil_at_another_school_cannot_be_named(world):
    with pytest.raises(IncidentRuleBroken):
        incident_start(
            actor=world.teacher,
            school=world.school,
            kind="intoxicated",
            pupil=world.gran_pupil,
            client_token=uuid.uuid4(),
        )


def test_posted_owner_school_and_case_fields_are_ignored(client, world):
    client.force_login(world.teacher)
    client.post(
        "/ansatt/hendelser/ny/ruset/",
        {
            "token": str(uuid.uuid4()),
            "school": world.gran_school.pk,
            "reported_by": world.principal.pk,
            "case": world.gran_case.pk,
            "municipality": world.gran.pk,
        },
    )
    incident = Incident.objects.latest("pk")
    assert incident.school == world.school and incident.reported_by == world.teacher
    assert incident.case is None and incident.municipality == world.lunner
    assert Case.objects.filter(pk=world.gran_case.pk).exists()
