"""A step done at 12:40 and recorded at 12:34 keeps both times, and the page shows both."""

from __future__ import annotations

import datetime as dt
import uuid

import time_machine
from django.utils import timezone

from tests.incidents.helpers import start_intoxicated
from varde.incidents.models import StepTick


def oslo(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def tick(client, incident, key: str, **data: str):
    fields = {f"{key}-token": str(uuid.uuid4())} | {f"{key}-{k}": v for k, v in data.items()}
    return client.post(f"/ansatt/hendelser/{incident.pk}/steg/{key}/", fields)


def test_the_time_it_happened_is_kept_beside_the_time_it_was_recorded(client, world):
    with time_machine.travel(oslo(2026, 12, 1, 12, 30), tick=False):
        incident = start_intoxicated(client, world)
    with time_machine.travel(oslo(2026, 12, 1, 12, 44), tick=False):
        response = tick(client, incident, "parents", note="Ringte mor", happened="12:40")
        page = " ".join(client.get(f"/ansatt/hendelser/{incident.pk}/").content.decode().split())
    assert response.status_code == 302
    step = StepTick.objects.get(incident=incident, key="parents")
    assert timezone.localtime(step.done_at).strftime("%H:%M") == "12:44"
    assert timezone.localtime(step.happened_at).strftime("%H:%M") == "12:40"
    assert "Gjort 12:40 (registrert 12:44) av <bdi>Tina Lærer</bdi>" in page


def test_a_step_ticked_without_a_time_shows_one_time(client, world):
    with time_machine.travel(oslo(2026, 12, 1, 12, 30), tick=False):
        incident = start_intoxicated(client, world)
        tick(client, incident, "talk")
        page = client.get(f"/ansatt/hendelser/{incident.pk}/").content.decode()
    assert StepTick.objects.get(incident=incident, key="talk").happened_at is None
    assert "registrert" not in page.split("Snakk med eleven", 1)[1].split("</li>", 1)[0]


def test_the_time_can_be_corrected_after_the_tick_and_the_recorded_time_stays(client, world):
    with time_machine.travel(oslo(2026, 12, 1, 12, 30), tick=False):
        incident = start_intoxicated(client, world)
        tick(client, incident, "shield")
    with time_machine.travel(oslo(2026, 12, 1, 12, 50), tick=False):
        assert tick(client, incident, "shield", happened="12:20").status_code == 200
        assert tick(client, incident, "shield", happened="12.35").status_code == 302
    step = StepTick.objects.get(incident=incident, key="shield")
    assert timezone.localtime(step.done_at).strftime("%H:%M") == "12:30"
    assert timezone.localtime(step.happened_at).strftime("%H:%M") == "12:35"


def test_a_time_later_than_now_or_before_the_incident_is_refused_with_a_message(client, world):
    with time_machine.travel(oslo(2026, 12, 1, 12, 30), tick=False):
        incident = start_intoxicated(client, world)
    with time_machine.travel(oslo(2026, 12, 1, 12, 40), tick=False):
        later = tick(client, incident, "talk", note="Rolig", happened="13:15")
        assert "Klokkeslettet er senere enn nå." in later.content.decode()
        assert "Rolig" in later.content.decode()
        earlier = tick(client, incident, "talk", happened="11:00")
        assert "før hendelsen startet (12:30)" in earlier.content.decode()
        garbage = tick(client, incident, "talk", happened="25:99")
        assert garbage.status_code == 200
    assert not StepTick.objects.filter(incident=incident, key="talk").exists()
