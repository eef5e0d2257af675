from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from varde.audit.anchor import audit_anchor_write
from varde.audit.models import AuditEntry
from varde.audit.services import AuditUnavailable, audit_record


def read_pupil(client, world, user):
    client.force_login(user)
    return client.get(f"/ansatt/elever/{world.pupil.pk}/")


def test_reading_a_pupil_leaves_an_entry_saying_who_what_when_and_why(client, world):
    before = AuditEntry.objects.filter(action="read", pupil_id=world.pupil.pk).count()
    assert read_pupil(client, world, world.teacher).status_code == 200
    entries = AuditEntry.objects.filter(action="read", pupil_id=world.pupil.pk)
    assert entries.count() == before + 1
    entry = entries.last()
    assert entry.actor == world.teacher
    assert entry.at.utcoffset().total_seconds() == 0
    assert entry.reason


def test_an_outsider_gets_404_and_no_entry_is_written_about_the_pupil(client, world):
    before = AuditEntry.objects.filter(pupil_id=world.pupil.pk).count()
    assert read_pupil(client, world, world.outsider).status_code == 404
    assert AuditEntry.objects.filter(pupil_id=world.pupil.pk).count() == before


def test_the_pupil_list_records_each_pupil_shown(client, world):
    client.force_login(world.teacher)
    assert client.get("/ansatt/elever/").status_code == 200
    assert AuditEntry.objects.filter(pupil_id=world.pupil.pk, action="read").exists()
    assert not AuditEntry.objects.filter(pupil_id=world.gran_pupil.pk, actor=world.teacher).exists()


def test_the_chain_verifies_when_untouched(world, capsys):
    audit_record(actor=None, action="read", object_type="x", reason="test")
    audit_anchor_write()
    call_command("audit_verify")
    assert "audit chain ok" in capsys.readouterr().out


@pytest.mark.proof("Tamper evidence")
def test_an_edited_entry_is_detected_and_named(client, world):
    read_pupil(client, world, world.teacher)
    read_pupil(client, world, world.principal)
    audit_anchor_write()
    victim = AuditEntry.objects.filter(pupil_id=world.pupil.pk).first()
    AuditEntry.objects.filter(pk=victim.pk).update(actor_label="noen andre")
    with pytest.raises(CommandError, match=f"#{victim.seq} was changed"):
        call_command("audit_verify")


@pytest.mark.proof("Tamper evidence")
def test_a_removed_entry_is_detected_and_named(client, world):
    read_pupil(client, world, world.teacher)
    read_pupil(client, world, world.principal)
    audit_anchor_write()
    victim = AuditEntry.objects.filter(pupil_id=world.pupil.pk).first()
    AuditEntry.objects.filter(pk=victim.pk).delete()
    with pytest.raises(CommandError, match=f"#{victim.seq} is missing"):
        call_command("audit_verify")


@pytest.mark.proof("Tamper evidence")
def test_a_removed_last_entry_is_detected(client, world):
    read_pupil(client, world, world.teacher)
    audit_anchor_write()
    last = AuditEntry.objects.filter(chain=world.lunner.pk).order_by("-seq").first()
    last.delete()
    with pytest.raises(CommandError, match=f"#{last.seq}"):
        call_command("audit_verify")


@pytest.mark.proof("Fail closed")
def test_if_the_audit_entry_cannot_be_written_the_pupil_is_not_shown(client, world, monkeypatch):
    def broken(**kwargs):
        raise AuditUnavailable("disk full")

    monkeypatch.setattr("varde.people.access.audit_record", broken)
    client.force_login(world.teacher)
    client.raise_request_exception = False
    response = client.get(f"/ansatt/elever/{world.pupil.pk}/")
    assert response.status_code == 500
    assert "Petter" not in response.content.decode()


@pytest.mark.proof("Tamper evidence")
def test_leadership_sees_who_has_seen_the_pupil(client, world):
    read_pupil(client, world, world.teacher)
    client.force_login(world.principal)
    page = client.get(f"/ansatt/elever/{world.pupil.pk}/innsyn/").content.decode()
    assert "Tina Lærer" in page


def test_a_teacher_cannot_see_the_access_report(client, world):
    client.force_login(world.teacher)
    assert client.get(f"/ansatt/elever/{world.pupil.pk}/innsyn/").status_code == 404


@pytest.mark.proof("Tamper evidence")
def test_the_chain_is_stored_so_a_raw_update_breaks_it(world):
    audit_record(actor=None, action="read", object_type="x", reason="a")
    entry = audit_record(actor=None, action="read", object_type="x", reason="b")
    audit_anchor_write()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET reason = %s WHERE chain = %s AND seq = %s",
            ["c", entry.chain, entry.seq],
        )
    with pytest.raises(CommandError, match=f"#{entry.seq} was changed"):
        call_command("audit_verify")


def test_the_pupil_list_runs_the_same_number_of_queries_for_more_pupils(client, world):
    import datetime as dt

    from django.test.utils import CaptureQueriesContext

    from varde.people.models import Pupil

    def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            Pupil.objects.create(
                municipality=world.lunner,
                school=world.school,
                external_id=f"X{n}",
                first_name=f"Elev{n}",
                last_name="Ekstra",
                birth_date=dt.date(2011, 1, 1),
                grade=9,
            )

    client.force_login(world.teacher)
    client.get("/ansatt/elever/")
    with CaptureQueriesContext(connection) as few:
        client.get("/ansatt/elever/")
    add(0, 45)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/ansatt/elever/").content.decode()
    assert "Elev44" in page
    assert len(many) == len(few)
