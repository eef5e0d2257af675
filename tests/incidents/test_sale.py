"""Suspected drug sale: 02800 first, the call's time and reference recorded, leadership told,
no personal data unless a pupil is identified."""

from __future__ import annotations

import re

from tests.incidents.helpers import start_sale
from varde.incidents.models import Incident, StepTick
from varde.reminders.models import Reminder
from varde.reminders.services import reminders_collect


def test_the_sale_page_starts_with_the_police_operations_centre(client, world):
    client.force_login(world.principal)
    page = client.get("/ansatt/hendelser/ny/salg/").content.decode()
    main = page[page.index("<main") :]
    first_link = re.search(r'<a [^>]*href="([^"]+)"', main).group(1)
    assert first_link == "tel:02800"
    assert "Skolen ransaker aldri elever" in main and "Kun politiet kan etterforske" in main


def test_recording_the_call_keeps_its_time_and_reference_and_ticks_the_step(client, world):
    incident = start_sale(client, world, called="1", reference="INN-2026-4411")
    assert incident.kind == "drug_sale" and incident.police_called_at is not None
    assert incident.police_reference == "INN-2026-4411"
    assert StepTick.objects.filter(incident=incident, key="call_police").exists()


def test_a_sale_without_a_pupil_holds_no_personal_data(client, world):
    incident = start_sale(client, world)
    assert incident.pupil_id is None and incident.case_id is None
    page = client.get(f"/ansatt/hendelser/{incident.pk}/").content.decode()
    assert "Uten elev lagres ingen personopplysninger" in page
    assert "Petter" not in page


def test_a_pupil_identified_later_is_named_once(client, world):
    incident = start_sale(client, world)
    found = client.get(f"/ansatt/hendelser/{incident.pk}/?q=Pett").content.decode()
    assert "<bdi>Petter Elev</bdi>, 9. trinn" in found
    response = client.post(f"/ansatt/hendelser/{incident.pk}/elev/", {"pupil": world.pupil.pk})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.pupil == world.pupil
    # A pupil from another municipality is simply not found.
    other = client.post(f"/ansatt/hendelser/{incident.pk}/elev/", {"pupil": world.gran_pupil.pk})
    assert other.status_code == 404


def test_the_leadership_is_told_of_a_sale_reported_by_a_teacher(client, world):
    incident = start_sale(client, world, world.teacher2, called="1")
    reminders_collect()
    told = Reminder.objects.get(user=world.principal, key=f"incident:{incident.pk}:new")
    assert "salg" in told.subject and "Petter" not in told.subject
    assert not Reminder.objects.filter(user=world.teacher2, key=f"incident:{incident.pk}:new")


def test_the_police_call_can_be_recorded_after_the_incident_was_started(client, world):
    incident = start_sale(client, world)
    client.post(f"/ansatt/hendelser/{incident.pk}/politi/", {"reference": "R-1"})
    client.post(f"/ansatt/hendelser/{incident.pk}/politi/", {"reference": ""})
    incident.refresh_from_db()
    assert incident.police_called_at is not None and incident.police_reference == "R-1"
    assert Incident.objects.filter(kind="drug_sale").count() == 1
