"""Close and archive: the archival package, its download, and removal by retention."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import subprocess
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from varde.audit.models import AuditEntry
from varde.cases.archive import archive_path, case_archive, case_purge_due
from varde.cases.delivery import delivery_confirm
from varde.cases.models import (
    AdviceRequest,
    Case,
    CaseEvent,
    CaseParticipant,
    CaseRemoval,
    Consent,
    Conversation,
    Decision,
    Measure,
    ParentContact,
    ParentDecision,
    Referral,
)
from varde.lib.crypto import decrypt_bytes, encrypt_bytes

OSLO = ZoneInfo("Europe/Oslo")
PUPILS_WORDS = "Jeg er bare sliten, det er ikke noe mer. Jeg vil fortelle mamma selv."
NORWEGIAN = "Blåbærsyltetøy på hytta, Ærlig og Øystein"


@pytest.fixture(autouse=True)
def _packages_in_a_temporary_folder(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    # The world's users log in with force_login; a slow password hash buys nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def close(case: Case, *, at: dt.datetime | None = None) -> Case:
    """Close the case as the close decision does: status, time, and a line in the chronology."""
    at = at or timezone.now()
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_at=at)
    CaseEvent.objects.create(case=case, at=at, actor=case.owner, kind=CaseEvent.Kind.CLOSED)
    return Case.objects.get(pk=case.pk)


def fill(world) -> Case:
    """Tina's case about Petter with something in every part of the routine."""
    case, now, tina = world.case, timezone.now(), world.teacher
    Conversation.objects.create(
        case=case,
        planned_for=now,
        attendees="Tina, Petter",
        trusted_adult="Hanne",
        held_at=now,
        what_was_said=f"Vi snakket om fravær. {NORWEGIAN}.",
        pupil_view=PUPILS_WORDS,
        weighing="15 år og moden; tillagt stor vekt.",
    )
    ParentDecision.objects.create(
        case=case,
        decided_at=now,
        decided_by=tina,
        choice=ParentDecision.Choice.PUPIL_FIRST,
        pupil_age=15,
        pupil_wishes="Vil fortelle selv.",
        reason="Eleven ønsker å fortelle det selv først.",
    )
    ParentContact.objects.create(
        case=case,
        at=now,
        recorded_by=tina,
        with_whom="Mor",
        channel="telefon",
        summary="Mor var takknemlig for samtalen.",
    )
    Decision.objects.create(
        case=case,
        decided_at=now,
        decided_by=tina,
        key="level_1",
        from_level=0,
        to_level=1,
        reason="Tiltak på skolen først.",
    )
    Measure.objects.filter(case=case).update(
        evaluation="Møtt hver uke, fraværet gikk ned.", evaluated_at=now, evaluated_by=tina
    )
    Consent.objects.create(
        case=case,
        giver=Consent.Giver.GUARDIAN,
        giver_name="Mona Elev",
        service="skolehelsetjenesten",
        scope="Samtaler med helsesykepleier",
        valid_from=now.date(),
        valid_until=now.date() + dt.timedelta(days=90),
        recorded_at=now,
        recorded_by=tina,
    )
    Referral.objects.create(
        case=case,
        service="barnevern",
        made_at=now,
        made_by=tina,
        legal_basis="child_welfare_duty",
        reason="Bekymring for omsorgen.",
    )
    CaseParticipant.objects.create(
        case=case, user=world.nurse, invited_by=tina, invited_at=now, service="skolehelsetjenesten"
    )
    AdviceRequest.objects.create(
        case=case,
        asked_by=tina,
        adviser=world.kjentmann,
        anonymous=True,
        age_band="13–15 år",
        asked_at=now,
        question="Hvordan tar jeg opp rus uten å skremme?",
        answer="Start med det du har sett, og spør åpent.",
        answered_at=now,
    )
    return close(case)


def stored(case: Case) -> bytes:
    """The package as it lies on disk, opened with the keyring: sealed to its case's id."""
    return decrypt_bytes(
        archive_path(case.pk).read_bytes(), context=f"cases.archive.package:{case.pk}"
    )


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "sak.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def make_package(client, user, case: Case):
    client.force_login(user)
    return client.post(f"/ansatt/saker/{case.pk}/arkiv/")


# ---------------------------------------------------------------- making the package


def test_the_owner_makes_the_package_of_a_closed_case(client, world):
    case = fill(world)
    response = make_package(client, world.teacher, case)
    assert response.status_code == 302 and response["Location"] == f"/ansatt/saker/{case.pk}/arkiv/"
    case.refresh_from_db()
    assert case.archived_at is not None
    assert case.archive_sha256 == hashlib.sha256(stored(case)).hexdigest()
    assert case.purge_after == timezone.localdate(case.archived_at) + dt.timedelta(days=30)
    assert case.events.filter(kind=CaseEvent.Kind.ARCHIVED).count() == 1
    assert AuditEntry.objects.filter(
        action="export", object_id=str(case.pk), reason="Arkivpakke laget"
    ).exists()


def test_the_package_lies_outside_the_database_readable_by_the_app_alone(client, world):
    case = fill(world)
    make_package(client, world.teacher, case)
    path = archive_path(case.pk)
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(unzip(stored(case))) == [
        "arkivmelding-1.xml",
        "manifest.json",
        f"sak-{case.pk}.pdf",
    ]


@pytest.mark.proof("Encryption at rest")
def test_the_package_on_disk_is_sealed_and_shows_neither_the_pupil_nor_the_manifest(client, world):
    case = fill(world)
    make_package(client, world.teacher, case)
    raw = archive_path(case.pk).read_bytes()
    assert not zipfile.is_zipfile(io.BytesIO(raw))
    for clear in ["Petter Elev", "2011-03-14", "manifest.json", '"format": "varde-arkivpakke"']:
        assert clear.encode() not in raw, clear
    # Compressed text would not show either; the zip's own structure must be gone too.
    assert b"PK\x03\x04" not in raw and b"%PDF" not in raw


def test_a_package_sealed_for_another_case_is_not_handed_out(client, world):
    case = fill(world)
    make_package(client, world.teacher, case)
    path = archive_path(case.pk)
    # The same package, sealed as another case's: copied across, it must not open here.
    path.write_bytes(encrypt_bytes(stored(case), context=f"cases.archive.package:{case.pk + 1}"))
    response = client.get(f"/ansatt/saker/{case.pk}/arkiv/pakke.zip", follow=True)
    assert "Arkivpakken mangler eller er endret" in response.content.decode()


def test_the_pdf_holds_the_whole_case_with_the_pupils_own_words_and_norwegian_letters(
    client, world, tmp_path
):
    case = fill(world)
    make_package(client, world.teacher, case)
    files = unzip(stored(case))
    text = " ".join(pdf_text(files[f"sak-{case.pk}.pdf"], tmp_path).split())
    for expected in [
        "Undring om Petter Elev",
        "født 14.3.2011",
        "Virket ruset etter lunsj",
        NORWEGIAN,
        PUPILS_WORDS,
        "Eleven forteller det selv først",
        "Mor var takknemlig",
        "Videre på nivå 1",
        "Møtt hver uke, fraværet gikk ned.",
        "Mona Elev",
        "Opplysningsplikten til barnevernet (Barnevernsloven § 13-2)",
        "Hanne Helsesykepleier",
        "Start med det du har sett",
        "Kronologi",
        "Saken er avsluttet",
    ]:
        assert expected in text, expected


def test_a_case_closed_at_level_0_without_a_conversation_is_archived_too(world, tmp_path):
    case = case_archive(actor=world.teacher, case=close(world.case))
    files = unzip(stored(case))
    text = " ".join(pdf_text(files[f"sak-{case.pk}.pdf"], tmp_path).split())
    assert "Ingen undringssamtale er registrert." in text
    assert "Ingen samtykker er registrert." in text
    assert json.loads(files["manifest.json"])["level_reached"] == 0


def test_the_pdf_is_pdf_a_3b_and_tagged(client, world, tmp_path):
    case = fill(world)
    make_package(client, world.teacher, case)
    path = tmp_path / "sak.pdf"
    path.write_bytes(unzip(stored(case))[f"sak-{case.pk}.pdf"])
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    meta = subprocess.run(
        ["pdfinfo", "-meta", str(path)], check=True, capture_output=True, text=True
    )
    fields = dict(line.split(":", 1) for line in info.stdout.splitlines() if ":" in line)
    fields = {key: value.strip() for key, value in fields.items()}
    assert fields["Tagged"] == "yes" and fields["PDF version"] == "1.7"
    assert fields["Title"] == f"Sak {case.pk}: undring om Petter Elev"
    assert 'pdfaid:part="3"' in meta.stdout and 'pdfaid:conformance="B"' in meta.stdout


def test_the_manifest_describes_the_case_and_the_pdf_it_came_with(client, world):
    case = fill(world)
    make_package(client, world.teacher, case)
    case.refresh_from_db()
    files = unzip(stored(case))
    manifest = json.loads(files["manifest.json"])
    pdf_name = f"sak-{case.pk}.pdf"
    assert manifest["documents"][0]["file"] == pdf_name
    assert manifest["documents"][0]["sha256"] == hashlib.sha256(files[pdf_name]).hexdigest()
    assert (
        manifest["noark5"]["dokumentbeskrivelse"][0]["dokumentobjekt"]["sjekksum"]
        == (manifest["documents"][0]["sha256"])
    )
    assert manifest["case_id"] == case.pk
    assert manifest["pupil"] == {
        "name": "Petter Elev",
        "birth_date": "2011-03-14",
        "external_id": "E1",
    }
    assert manifest["school"]["name"] == "Lunner ungdomsskole"
    assert manifest["municipality"]["name"] == world.lunner.name
    assert manifest["owner"]["name"] == "Tina Lærer"
    assert manifest["level_reached"] == 1
    assert manifest["plan"]["version"] == 1
    for key in ("opened_at", "closed_at", "archived_at"):
        assert manifest[key].endswith("Z"), key
    archived = dt.datetime.fromisoformat(manifest["archived_at"].replace("Z", "+00:00"))
    assert archived == case.archived_at.replace(microsecond=0)


def test_an_open_case_is_not_archived_and_the_page_says_why(client, world):
    response = make_package(client, world.teacher, world.case)
    assert response.status_code == 200
    assert "Saken må avsluttes før den kan arkiveres." in response.content.decode()
    world.case.refresh_from_db()
    assert world.case.archived_at is None and not world.case.archive_sha256
    assert not archive_path(world.case.pk).exists()
    assert not AuditEntry.objects.filter(action="export").exists()


def test_the_package_is_made_once(client, world):
    case = fill(world)
    make_package(client, world.teacher, case)
    case.refresh_from_db()
    first = (case.archive_sha256, case.archived_at, archive_path(case.pk).read_bytes())
    response = make_package(client, world.principal, case)
    assert "Arkivpakken er allerede laget." in response.content.decode()
    case.refresh_from_db()
    assert (case.archive_sha256, case.archived_at, archive_path(case.pk).read_bytes()) == first


def test_a_write_while_the_pdf_is_made_stops_the_package(world, monkeypatch):
    """The package must hold everything: a note written meanwhile means "try again"."""
    from varde.cases import archive

    case = close(world.case)
    render = archive.archive_pdf

    def render_while_someone_writes(**kwargs):
        pdf = render(**kwargs)
        CaseEvent.objects.create(
            case=case, at=timezone.now(), actor=world.principal, kind=CaseEvent.Kind.NOTE
        )
        return pdf

    monkeypatch.setattr(archive, "archive_pdf", render_while_someone_writes)
    with pytest.raises(archive.ArchiveRefused):
        case_archive(actor=world.teacher, case=case)
    case.refresh_from_db()
    assert case.archived_at is None and not archive_path(case.pk).exists()


def test_the_principal_makes_and_downloads_the_package(client, world):
    case = fill(world)
    assert make_package(client, world.principal, case).status_code == 302
    response = client.get(f"/ansatt/saker/{case.pk}/arkiv/pakke.zip")
    assert response.status_code == 200


def test_the_archive_page_shows_the_next_step_first_then_the_removal_day(client, world):
    case = fill(world)
    client.force_login(world.teacher)
    page = client.get(f"/ansatt/saker/{case.pk}/arkiv/").content.decode()
    assert "Lag arkivpakke" in page and "30 dager" in page
    make_package(client, world.teacher, case)
    page = client.get(f"/ansatt/saker/{case.pk}/arkiv/").content.decode()
    case.refresh_from_db()
    assert page.index("Last ned arkivpakken") < page.index("Arbeidskopien slettes")
    assert case.archive_sha256 in page


def test_the_case_page_offers_the_package_to_the_owner_once_the_case_is_closed(client, world):
    client.force_login(world.teacher)
    assert "Lag arkivpakke" not in client.get(f"/ansatt/saker/{world.case.pk}/").content.decode()
    case = fill(world)
    assert "Lag arkivpakke" in client.get(f"/ansatt/saker/{case.pk}/").content.decode()
    make_package(client, world.teacher, case)
    page = client.get(f"/ansatt/saker/{case.pk}/").content.decode()
    assert f"/ansatt/saker/{case.pk}/arkiv/pakke.zip" in page
    assert "bekreft arkivets referanse" in page


# ---------------------------------------------------------------- downloading it


def test_the_download_is_the_stored_package_audited_as_an_export_and_never_cached(client, world):
    case = fill(world)
    make_package(client, world.teacher, case)
    case.refresh_from_db()
    before = AuditEntry.objects.filter(action="export").count()
    response = client.get(f"/ansatt/saker/{case.pk}/arkiv/pakke.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="arkivpakke-sak-{case.pk}.zip"'
    assert "no-store" in response["Cache-Control"]
    assert hashlib.sha256(response.content).hexdigest() == case.archive_sha256
    assert AuditEntry.objects.filter(action="export").count() == before + 1
    entry = AuditEntry.objects.filter(action="export").latest("seq")
    assert entry.actor == world.teacher and entry.pupil_id == world.pupil.pk


def test_a_package_changed_on_disk_is_not_handed_out(client, world):
    case = fill(world)
    make_package(client, world.teacher, case)
    path = archive_path(case.pk)
    path.write_bytes(path.read_bytes() + b"x")
    before = AuditEntry.objects.filter(action="export").count()
    response = client.get(f"/ansatt/saker/{case.pk}/arkiv/pakke.zip", follow=True)
    assert "Arkivpakken mangler eller er endret" in response.content.decode()
    assert AuditEntry.objects.filter(action="export").count() == before


def test_there_is_nothing_to_download_before_the_package_is_made(client, world):
    case = fill(world)
    client.force_login(world.teacher)
    assert client.get(f"/ansatt/saker/{case.pk}/arkiv/pakke.zip").status_code == 404


@pytest.mark.parametrize(
    "persona", ["teacher2", "kjentmann", "nurse", "admin", "slt", "outsider", "deactivated"]
)
def test_staff_without_a_need_to_know_get_404_on_the_archive(client, world, persona):
    case = fill(world)
    make_package(client, world.teacher, case)
    other = client.__class__()
    other.force_login(getattr(world, persona))
    before = AuditEntry.objects.count()
    for url in (f"/ansatt/saker/{case.pk}/arkiv/", f"/ansatt/saker/{case.pk}/arkiv/pakke.zip"):
        assert other.get(url).status_code in (404, 302)
    assert other.post(f"/ansatt/saker/{case.pk}/arkiv/").status_code in (404, 302)
    assert AuditEntry.objects.count() == before


def test_an_outsider_gets_404_as_for_a_case_that_does_not_exist(client, world):
    case = fill(world)
    make_package(client, world.teacher, case)
    other = client.__class__()
    other.force_login(world.outsider)
    for url in (f"/ansatt/saker/{case.pk}/arkiv/", "/ansatt/saker/999999/arkiv/"):
        assert other.get(url).status_code == 404
        assert other.get(url + "pakke.zip").status_code == 404


def test_a_participant_sees_the_case_but_not_its_package(client, world):
    """Hanne the nurse is invited into the case; the archive is for its owner and leadership."""
    case = fill(world)
    make_package(client, world.teacher, case)
    nurse = client.__class__()
    nurse.force_login(world.nurse)
    assert nurse.get(f"/ansatt/saker/{case.pk}/").status_code == 200
    assert "pakke.zip" not in nurse.get(f"/ansatt/saker/{case.pk}/").content.decode()
    assert nurse.get(f"/ansatt/saker/{case.pk}/arkiv/pakke.zip").status_code == 404


def test_owner_case_and_school_are_never_taken_from_the_form(client, world):
    case = fill(world)
    client.force_login(world.teacher)
    client.post(
        f"/ansatt/saker/{case.pk}/arkiv/",
        {"owner": world.teacher2.pk, "school": world.other_school.pk, "case": world.gran_case.pk},
    )
    case.refresh_from_db()
    assert case.owner == world.teacher and case.school == world.school
    assert Case.objects.get(pk=world.gran_case.pk).archived_at is None


# ---------------------------------------------------------------- removal by retention


def archived_at(world, moment: dt.datetime, *, confirmed: bool = True) -> Case:
    """A case archived at `moment`; `confirmed`: the principal has confirmed the archive's
    reference the same day, so only the removal day holds it back."""
    with time_machine.travel(moment, tick=False):
        case = fill(world)
        case = case_archive(actor=world.teacher, case=case)
        if confirmed:
            delivery_confirm(actor=world.principal, case=case, reference="2026/1234")
        return case


def test_the_removal_day_is_counted_in_oslo_days(world):
    # 23:30 UTC on 1 December is already 2 December in Oslo.
    case = archived_at(world, dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC))
    assert case.purge_after == dt.date(2027, 1, 1)


@pytest.mark.proof("Retention")
def test_nothing_goes_a_minute_early_and_everything_goes_on_the_day(world):
    case = archived_at(world, dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC))
    assert case.purge_after == dt.date(2026, 12, 31)
    with time_machine.travel(dt.datetime(2026, 12, 30, 23, 59, tzinfo=OSLO), tick=False):
        assert case_purge_due().removed == []
    assert Case.objects.filter(pk=case.pk).exists() and archive_path(case.pk).exists()
    # One minute past midnight in Oslo; in UTC it is still 30 December.
    with time_machine.travel(dt.datetime(2026, 12, 31, 0, 1, tzinfo=OSLO), tick=False):
        assert case_purge_due().removed == [case.pk]
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not archive_path(case.pk).exists()
    for model in (
        CaseEvent,
        Conversation,
        ParentDecision,
        ParentContact,
        Decision,
        Measure,
        Consent,
        Referral,
        CaseParticipant,
        AdviceRequest,
    ):
        assert not model.objects.filter(case_id=case.pk).exists(), model.__name__
    assert Case.objects.filter(pk=world.gran_case.pk).exists()


@pytest.mark.proof("Retention")
def test_the_removal_is_logged_without_personal_data(world):
    case = archived_at(world, dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2027, 1, 2, 8, 0, tzinfo=OSLO), tick=False):
        case_purge_due()
    removal = CaseRemoval.objects.get(case_id_removed=case.pk)
    assert removal.school == world.school and removal.archive_sha256 == case.archive_sha256
    assert removal.removed_at == dt.datetime(2027, 1, 2, 8, 0, tzinfo=OSLO)
    entry = AuditEntry.objects.get(action="delete", object_id=str(case.pk))
    assert entry.pupil_id == world.pupil.pk and entry.actor is None
    logged = json.dumps([entry.reason, entry.detail], ensure_ascii=False)
    assert "Petter" not in logged and "Elev" not in logged


@pytest.mark.proof("Retention")
def test_running_the_removal_twice_changes_nothing(world):
    case = archived_at(world, dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2027, 1, 2, 8, 0, tzinfo=OSLO), tick=False):
        assert case_purge_due().removed == [case.pk]
        counts = (Case.objects.count(), CaseRemoval.objects.count(), AuditEntry.objects.count())
        again = case_purge_due()
    assert again.removed == [] and again.files_removed == 0
    assert (Case.objects.count(), CaseRemoval.objects.count(), AuditEntry.objects.count()) == counts


@pytest.mark.proof("Retention")
def test_a_closed_case_that_was_never_archived_is_not_removed(world):
    case = close(world.case)
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False):
        assert case_purge_due().removed == []
    assert Case.objects.filter(pk=case.pk).exists()


@pytest.mark.proof("Retention")
def test_a_package_left_behind_by_a_removed_case_is_swept_away(world):
    case = archived_at(world, dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC))
    kept = archive_path(case.pk).read_bytes()
    with time_machine.travel(dt.datetime(2027, 1, 2, 8, 0, tzinfo=OSLO), tick=False):
        case_purge_due()
    # As if the process died between the commit and removing the file.
    archive_path(case.pk).write_bytes(kept)
    assert case_purge_due().files_removed == 1
    assert not archive_path(case.pk).exists()


def test_the_purge_command_runs_from_cron(world):
    case = archived_at(world, dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC))
    out = io.StringIO()
    with time_machine.travel(dt.datetime(2027, 1, 2, 8, 0, tzinfo=OSLO), tick=False):
        call_command("purge_cases", stdout=out)
    assert f"removed 1 case(s): {case.pk}" in out.getvalue()
    assert not Case.objects.filter(pk=case.pk).exists()


# The worker closes its database connection when done, which would end the test's
# wrapping transaction on PostgreSQL; this test commits for real instead.
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_removal_and_queues_the_next_night(world):
    from django_tasks_db.models import DBTaskResult

    from varde.cases.tasks import purge_cases_task

    case = archived_at(world, dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2027, 1, 2, 8, 0, tzinfo=OSLO), tick=False):
        purge_cases_task.enqueue()
        call_command("db_worker", batch=True, reload=False, startup_delay=False)
        assert not Case.objects.filter(pk=case.pk).exists()
        waiting = DBTaskResult.objects.filter(
            task_path=purge_cases_task.module_path, status="READY"
        )
        assert [t.run_after for t in waiting] == [dt.datetime(2027, 1, 3, 0, 5, tzinfo=OSLO)]
        call_command("purge_cases", "--schedule", stdout=io.StringIO())
        assert waiting.count() == 1


def test_the_register_of_deleted_cases_shows_reference_package_date_and_rule(client, world):
    """Leadership and the administrator see what was removed, when and by which rule: Lunner's
    plan keeps the working copy 30 days after the package is made (casework.retention)."""
    case = archived_at(world, dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC))
    gran = CaseRemoval.objects.create(
        case_id_removed=999_999,
        municipality=world.gran_school.municipality,
        school=world.gran_school,
        opened_at=dt.datetime(2026, 1, 5, 9, 0, tzinfo=OSLO),
        archived_at=dt.datetime(2026, 2, 5, 9, 0, tzinfo=OSLO),
        archive_sha256="f" * 64,
        removed_at=dt.datetime(2026, 3, 7, 0, 5, tzinfo=OSLO),
    )
    with time_machine.travel(dt.datetime(2026, 12, 31, 0, 5, tzinfo=OSLO), tick=False):
        case_purge_due()
    for reader in (world.principal, world.admin):
        client.force_login(reader)
        page = client.get("/ansatt/saker/slettet/").content.decode()
        assert f"Sak {case.pk}" in page and f"arkivpakke-sak-{case.pk}.zip" in page
        assert "1.12.2026" in page and "31.12.2026" in page
        assert "Slettes 30 dager etter arkivering" in page
        assert case.archive_sha256[:16] in page
        assert "2026/1234" in page
        assert f"Sak {gran.case_id_removed}" not in page
        assert "Petter" not in page
    client.force_login(world.teacher)
    assert client.get("/ansatt/saker/slettet/").status_code == 404
