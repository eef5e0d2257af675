"""Need-to-know: the reporter, the school's leadership and the chosen adult; 404 for the rest,
exactly like an incident that does not exist. Every read is audited."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from varde.audit.models import AuditEntry
from varde.incidents.services import incident_start

NOT_ALLOWED = ["kjentmann", "nurse", "admin", "slt", "outsider"]


def as_(world, persona: str) -> Client:
    client = Client()
    client.force_login(getattr(world, persona))
    return client


@pytest.mark.parametrize("persona", ["teacher", "principal", "teacher2"])
def test_the_reporter_the_leadership_and_the_chosen_adult_see_the_incident(world, persona):
    assert as_(world, persona).get(f"/ansatt/hendelser/{world.incident.pk}/").status_code == 200
    assert as_(world, persona).get(f"/ansatt/oppfolging/{world.follow_up.pk}/").status_code == 200


@pytest.mark.parametrize("persona", NOT_ALLOWED)
def test_the_outsider_and_everyone_without_a_need_to_know_get_404(world, persona):
    client = as_(world, persona)
    for path in (
        f"/ansatt/hendelser/{world.incident.pk}/",
        f"/ansatt/oppfolging/{world.follow_up.pk}/",
        "/ansatt/hendelser/999999/",
        "/ansatt/oppfolging/999999/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/ansatt/hendelser/{world.incident.pk}/steg/talk/").status_code == 404


def test_the_outsider_gets_404_like_a_missing_incident(world):
    client = as_(world, "outsider")
    hidden = client.get(f"/ansatt/hendelser/{world.incident.pk}/")
    missing = client.get("/ansatt/hendelser/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert plain(hidden.content, world.incident.pk) == plain(missing.content, 999999)


def plain(html: bytes, pk: int) -> bytes:
    """The page without its CSRF tokens (new on every answer) and its own address."""
    html = html.replace(f"/ansatt/hendelser/{pk}/".encode(), b"/ansatt/hendelser/N/")
    return re.sub(rb'("X-CSRFToken": "|value=")[A-Za-z0-9]{64}', rb"\1", html)


def test_every_read_is_audited_with_the_pupil(world):
    before = AuditEntry.objects.filter(object_type="incident", action="read").count()
    as_(world, "principal").get(f"/ansatt/hendelser/{world.incident.pk}/")
    entry = AuditEntry.objects.filter(object_type="incident", action="read").latest("seq")
    assert AuditEntry.objects.filter(object_type="incident", action="read").count() == before + 1
    assert entry.pupil_id == world.pupil.pk and entry.actor == world.principal


def test_the_leaderships_list_shows_the_schools_incidents_and_audits_each(world):
    page = as_(world, "principal").get("/ansatt/hendelser/").content.decode()
    assert "Petter Elev" in page and "Guro" not in page
    listed = AuditEntry.objects.filter(reason="Hendelsesliste", actor=world.principal)
    assert listed.count() == 1


def test_a_teacher_without_incidents_sees_an_empty_list(world):
    page = as_(world, "kjentmann").get("/ansatt/hendelser/").content.decode()
    assert "Ingen hendelser å vise" in page


def test_the_list_runs_a_fixed_number_of_queries_however_many_incidents(world):
    client = as_(world, "principal")
    client.get("/ansatt/hendelser/")
    with CaptureQueriesContext(connection) as few:
        client.get("/ansatt/hendelser/")
    for _ in range(5):
        incident_start(
            actor=world.teacher,
            school=world.school,
            kind="intoxicated",
            pupil=world.pupil,
            client_token=uuid.uuid4(),
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get("/ansatt/hendelser/").content.decode()
    assert page.count("Elev ruset på skolen") == 6
    assert len(many.captured_queries) == len(few.captured_queries)
