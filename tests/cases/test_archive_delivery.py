"""Into the municipality's archive: the arkivmelding KS's schema accepts, the three transports,
and a working copy that is removed only after the archive's receipt.

The messages are checked with xmlschema against the schema files under varde/standards (the
app itself validates with lxml), and every code in them against KS's code lists read here
from the JSON files. The demo's cases and the Fiks IO transport are tested in
test_archive_delivery_demo.py, which loads the demo once for all its tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
import xmlschema
from django.core.management import call_command
from django.utils import timezone

from tests.cases.fiks_fake import error_xml, receipt_xml
from tests.cases.test_archive import fill
from varde.cases.archive import (
    ArchiveRefused,
    archive_path,
    case_archive,
    case_purge_due,
    package_read,
)
from varde.cases.concern import (
    concern_approve,
    concern_record_receipt,
    concern_record_sent,
    concern_write,
)
from varde.cases.delivery import (
    deliveries_run,
    delivery_confirm,
    delivery_retry,
)
from varde.cases.models import ArchiveDelivery, Case, CaseEvent, CaseRemoval

OSLO = ZoneInfo("Europe/Oslo")
STANDARD = Path(__file__).resolve().parents[2] / "varde" / "standards" / "fiks-arkiv-v1"
OPPRETT = "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett"
NS = {
    "a": "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/arkivmelding/opprett/v1",
    "m": "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/metadatakatalog/v1",
}
# Element → the code list its code must come from.
CODED = {
    "journalposttype": "journalposttype",
    "dokumenttype": "dokumenttype",
    "dokumentstatus": "dokumentstatus",
    "tilknyttetRegistreringSom": "tilknyttetregistreringsom",
    "variantformat": "variantformat",
    "korrespondanseparttype": "korrespondanseparttype",
    "partRolle": "partrolle",
    "saksstatus": "saksstatus",
    "journalstatus": "journalstatus",
    "dokumentmedium": "dokumentmedium",
}


@pytest.fixture(autouse=True)
def _packages_in_a_temporary_folder(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.VARDE_ARCHIVE = {**settings.VARDE_ARCHIVE, "DROP_DIR": str(tmp_path / "import")}


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(STANDARD / f"{OPPRETT}.xsd"))


def codes(name: str) -> set[str]:
    data = json.loads((STANDARD / f"no.ks.fiks.arkiv.v1.kodelister.{name}.json").read_text())
    return {row["kodeverdi"] for row in data["kodeliste"]}


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def check_package(files: dict[str, bytes], schema) -> list:
    """Every arkivmelding in the package: valid, its codes from KS's lists, its document's
    checksum that of the file beside it. Returns the parsed messages."""
    from lxml import etree

    messages = []
    names = sorted(n for n in files if n.startswith("arkivmelding-"))
    assert names, "the package has no arkivmelding"
    for name in names:
        errors = [str(e) for e in schema.iter_errors(files[name].decode())]
        assert errors == [], f"{name}: {errors[:3]}"
        root = etree.fromstring(files[name])
        for element, listed in CODED.items():
            for found in root.iter(f"{{{NS['a']}}}{element}"):
                code = found.find("m:kode", NS).text
                assert code in codes(listed), f"{name}: {element} {code}"
        for obj in root.iter(f"{{{NS['a']}}}dokumentobjekt"):
            file = obj.find("a:referanseDokumentfil", NS).text
            assert obj.find("a:sjekksum", NS).text == hashlib.sha256(files[file]).hexdigest()
        messages.append(root)
    return messages


def folder_key(root) -> str:
    return root.find("a:mappe/a:referanseEksternNoekkel/m:noekkel", NS).text


def parent_key(root) -> str:
    path = "a:registrering/a:referanseForelderMappe/m:referanseEksternNoekkel/m:noekkel"
    return root.find(path, NS).text


# ---------------------------------------------------------------- the arkivmelding


# The message and the protocol are the same whatever the database: CI's SQLite job only.
@pytest.mark.any_database
@pytest.mark.django_db
def test_where_cases_go_into_the_pupils_folder_both_entries_name_it(schema, settings, world):
    settings.VARDE_ARCHIVE = {**settings.VARDE_ARCHIVE, "FOLDER": "elevmappe"}
    case = fill(world)
    report = concern_write(
        actor=world.teacher, case=case, legal_basis="child_welfare_duty", urgent=True,
        seen="Sett.", done="Gjort.", guardians_informed="",
    )  # fmt: skip
    report = concern_approve(actor=world.principal, report=report, version=report.version)
    report = concern_record_sent(
        actor=world.principal, report=report, version=report.version, channel="letter",
        sent_at=timezone.now(),
    )  # fmt: skip
    # A report with neither receipt nor answer holds the case back from the archive.
    with pytest.raises(ArchiveRefused, match="kvitteringen fra barneverntjenesten"):
        case_archive(actor=world.teacher, case=Case.objects.get(pk=case.pk))
    concern_record_receipt(
        actor=world.principal, report=report, version=report.version, receipt_number="BV-1"
    )
    case = case_archive(actor=world.teacher, case=Case.objects.get(pk=case.pk))
    first, second = check_package(unzip(package_read(case)), schema)
    pupil_key = f"lunner:elev:{world.pupil.external_id or world.pupil.pk}"
    assert folder_key(first) == parent_key(second) == pupil_key
    assert first.find("a:mappe/a:mappetype/m:kode", NS).text == "elevmappe"


# ---------------------------------------------------------------- the import folder


@pytest.mark.django_db
def test_the_import_folder_gets_one_whole_package_and_its_receipt_confirms_it(settings, world):
    settings.VARDE_ARCHIVE = {**settings.VARDE_ARCHIVE, "TRANSPORT": "folder"}
    case = case_archive(actor=world.teacher, case=fill(world))
    report = deliveries_run()
    assert report.sent == [case.delivery.pk]
    folder = Path(settings.VARDE_ARCHIVE["DROP_DIR"])
    # One file, complete, under its name; nothing half-written beside it.
    assert sorted(p.name for p in folder.iterdir()) == [f"varde-sak-{case.pk}.zip"]
    assert (folder / f"varde-sak-{case.pk}.zip").read_bytes() == package_read(case)
    # The archive system answers the package's one arkivmelding.
    (folder / f"varde-sak-{case.pk}.1.kvittering.xml").write_bytes(receipt_xml(2026, 4711))
    assert deliveries_run().replies == 1
    delivery = ArchiveDelivery.objects.get(case=case)
    assert delivery.state == "received" and delivery.reference == "journalpost 2026/4711"
    assert (folder / f"varde-sak-{case.pk}.1.kvittering.xml.lest").exists()
    kinds = list(case.events.values_list("kind", flat=True))
    assert CaseEvent.Kind.ARCHIVE_SENT in kinds and CaseEvent.Kind.ARCHIVE_RECEIVED in kinds


@pytest.mark.django_db
def test_the_archive_systems_error_file_refuses_the_package_and_a_person_sends_it_again(
    settings, world
):
    settings.VARDE_ARCHIVE = {**settings.VARDE_ARCHIVE, "TRANSPORT": "folder"}
    case = case_archive(actor=world.teacher, case=fill(world))
    deliveries_run()
    folder = Path(settings.VARDE_ARCHIVE["DROP_DIR"])
    (folder / f"varde-sak-{case.pk}.1.ikkefunnet.xml").write_bytes(
        error_xml("ikkefunnet", "Fant ikke arkivdelen ELEV")
    )
    deliveries_run()
    delivery = ArchiveDelivery.objects.get(case=case)
    assert delivery.state == "refused" and "Fant ikke arkivdelen ELEV" in delivery.error
    assert delivery.next_attempt_at is None
    # Refused waits for a person; the worker does not send it again on its own.
    assert deliveries_run(now=timezone.now() + dt.timedelta(days=3)).sent == []
    delivery_retry(actor=world.principal, case=case)
    assert deliveries_run().sent == [delivery.pk]


@pytest.mark.django_db
def test_an_import_folder_that_cannot_be_written_is_retried_later_not_lost(
    settings, world, tmp_path
):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    settings.VARDE_ARCHIVE = {
        **settings.VARDE_ARCHIVE, "TRANSPORT": "folder", "DROP_DIR": str(blocked),
    }  # fmt: skip
    case = case_archive(actor=world.teacher, case=fill(world))
    now = timezone.now()
    assert deliveries_run(now=now).failed == [case.delivery.pk]
    delivery = ArchiveDelivery.objects.get(case=case)
    assert delivery.state == "failed" and delivery.attempts == 1
    assert delivery.next_attempt_at == now + dt.timedelta(minutes=15)
    assert deliveries_run(now=now + dt.timedelta(minutes=10)).failed == []
    assert deliveries_run(now=now + dt.timedelta(minutes=16)).failed == [delivery.pk]
    assert ArchiveDelivery.objects.get(case=case).next_attempt_at == (
        now + dt.timedelta(minutes=16) + dt.timedelta(minutes=60)
    )


# ---------------------------------------------------------------- never removed unconfirmed


@pytest.mark.django_db
@pytest.mark.proof("Retention")
def test_a_refused_or_unanswered_package_is_never_removed(world, settings):
    settings.VARDE_ARCHIVE = {**settings.VARDE_ARCHIVE, "TRANSPORT": "folder"}
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=OSLO), tick=False):
        case = case_archive(actor=world.teacher, case=fill(world))
        deliveries_run()
    folder = Path(settings.VARDE_ARCHIVE["DROP_DIR"])
    (folder / f"varde-sak-{case.pk}.1.ugyldigforespoersel.xml").write_bytes(
        error_xml("ugyldigforespoersel", "Ukjent arkivdel")
    )
    for day in (dt.date(2027, 1, 1), dt.date(2027, 6, 1), dt.date(2031, 1, 1)):
        with time_machine.travel(dt.datetime.combine(day, dt.time(0, 5), OSLO), tick=False):
            deliveries_run()
            assert case_purge_due().removed == []
    assert Case.objects.filter(pk=case.pk).exists() and archive_path(case.pk).exists()
    # Confirmed by hand at last: it goes on the next run.
    with time_machine.travel(dt.datetime(2031, 1, 2, 9, 0, tzinfo=OSLO), tick=False):
        delivery_confirm(actor=world.principal, case=case, reference="2031/7")
        assert case_purge_due().removed == [case.pk]
    assert CaseRemoval.objects.get(case_id_removed=case.pk).archive_reference == "2031/7"


# The worker closes its database connection when done, which would end the test's
# wrapping transaction on PostgreSQL; this test commits for real instead.
@pytest.mark.django_db(transaction=True)
@pytest.mark.proof("Retention")
def test_the_worker_keeps_an_unconfirmed_case_after_its_day_and_after_a_restart(world, settings):
    from varde.reminders.tasks import periodic_tick

    settings.VARDE_ARCHIVE = {**settings.VARDE_ARCHIVE, "TRANSPORT": "folder"}
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=OSLO), tick=False):
        case = case_archive(actor=world.teacher, case=fill(world))
    assert case.purge_after == dt.date(2026, 12, 31)
    # Two worker runs, each a process of its own in production, long after the removal day:
    # the package is sent, nothing answers, it is sent again; the case stays.
    for moment in (dt.datetime(2027, 1, 5, 3, 0), dt.datetime(2027, 1, 7, 3, 0)):
        with time_machine.travel(moment.replace(tzinfo=OSLO), tick=False):
            periodic_tick.enqueue()
            call_command("db_worker", batch=True, reload=False, startup_delay=False)
        assert Case.objects.filter(pk=case.pk).exists()
    delivery = ArchiveDelivery.objects.get(case=case)
    assert delivery.state == "sent" and delivery.attempts == 2
    # The archive's receipt arrives; the next run reads it and then removes the copy.
    folder = Path(settings.VARDE_ARCHIVE["DROP_DIR"])
    (folder / f"varde-sak-{case.pk}.1.kvittering.xml").write_bytes(receipt_xml(2027, 9))
    with time_machine.travel(dt.datetime(2027, 1, 7, 3, 10, tzinfo=OSLO), tick=False):
        periodic_tick.enqueue()
        call_command("db_worker", batch=True, reload=False, startup_delay=False)
    assert not Case.objects.filter(pk=case.pk).exists()
    assert CaseRemoval.objects.get(case_id_removed=case.pk).archive_reference == (
        "journalpost 2027/9"
    )


# ---------------------------------------------------------------- confirming by hand


@pytest.mark.django_db
def test_a_person_confirms_the_reference_with_a_clear_message_for_bad_input(client, world):
    case = case_archive(actor=world.teacher, case=fill(world))
    client.force_login(world.principal)
    url = f"/ansatt/saker/{case.pk}/arkiv/"
    page = client.post(url, {"step": "confirm", "reference": "<script>"}).content.decode()
    assert "Skriv arkivets referanse, for eksempel saksnummer 2026/1234" in page
    assert ArchiveDelivery.objects.get(case=case).state == "waiting"
    response = client.post(url, {"step": "confirm", "reference": "2026/1234"})
    assert response.status_code == 302
    delivery = ArchiveDelivery.objects.get(case=case)
    assert delivery.state == "received" and delivery.confirmed_by == world.principal
    assert "2026/1234" in client.get(url).content.decode()
    response = client.post(url, {"step": "confirm", "reference": "2026/9"}, follow=True)
    assert "Arkivet har allerede bekreftet saken." in response.content.decode()
    assert ArchiveDelivery.objects.get(case=case).reference == "2026/1234"
