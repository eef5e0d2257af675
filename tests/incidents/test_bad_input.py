"""Hostile input to every incident form: never a server error, and a refused form saves nothing."""

from __future__ import annotations

import uuid

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from varde.incidents.models import Incident, StepTick

TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=200),
    st.sampled_from(["", "\x00", "-1", "9" * 40, "null", "<script>alert(1)</script>", "x" * 3000]),
    st.uuids().map(str),
)
FIELDS = [
    *("token", "note", "talk-note", "talk-token", "reason", "option", "reference", "adult"),
    *("pupil", "case", "notes", "called", "pupil_words", "next_steps", "school"),
]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=6))
def test_no_input_to_any_incident_form_gives_a_server_error(world, data):
    client = Client(raise_request_exception=False)
    client.force_login(world.teacher)
    pk = world.incident.pk
    for path in (
        "/ansatt/hendelser/ny/ruset/",
        "/ansatt/hendelser/ny/salg/",
        f"/ansatt/hendelser/{pk}/steg/talk/",
        f"/ansatt/hendelser/{pk}/politi/",
        f"/ansatt/hendelser/{pk}/avverging/",
        f"/ansatt/hendelser/{pk}/elev/",
        f"/ansatt/hendelser/{pk}/oppfolging/",
        f"/ansatt/hendelser/{pk}/sak/",
        f"/ansatt/oppfolging/{world.follow_up.pk}/",
    ):
        response = client.post(path, data)
        assert response.status_code in (200, 302, 404), (path, data, response.status_code)


def test_a_refused_avert_decision_saves_nothing(world):
    client = Client()
    client.force_login(world.teacher)
    before = Incident.objects.get(pk=world.incident.pk)
    response = client.post(
        f"/ansatt/hendelser/{world.incident.pk}/avverging/",
        {"option": "police", "reason": " ", "token": str(uuid.uuid4())},
    )
    assert response.status_code == 200
    after = Incident.objects.get(pk=world.incident.pk)
    assert (after.avert_option, after.avert_at) == (before.avert_option, before.avert_at)
    assert not StepTick.objects.filter(incident=world.incident, key="talk").exists()
