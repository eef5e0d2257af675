"""Into the municipality's archive: the arkivmelding KS's schema accepts, the three transports,
and a working copy that is removed only after the archive's receipt.

The messages are checked with xmlschema against the schema files under varde/standards (the
app itself validates with lxml), and every code in them against KS's code lists read here
from the JSON files. The Fiks IO transport is tested against tests/cases/fiks_fake.py, which
answers from the other side of the protocol through a local RabbitMQ.
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

from tests.cases.fiks_fake import FakeFiks, error_xml, receipt_xml
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
from varde.people.demo import demo_load
from varde.people.models import User
from varde.people.roles import LEADERSHIP_ROLES
from varde.reminders.models import Reminder
from varde.reminders.services import reminders_collect

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


def demo_cases():
    demo_load(stdout=io.StringIO())
    early = Case.objects.get(school__external_id="FJ-US", level=0)
    level_three = Case.objects.get(school__external_id="FJ-US", level=3)
    return early, level_three


# ---------------------------------------------------------------- the arkivmelding


# The message and the protocol are the same whatever the database: CI's SQLite job only.
@pytest.mark.any_database
@pytest.mark.django_db
def test_the_demo_cases_give_arkivmeldinger_the_schema_accepts(schema):
    early, level_three = demo_cases()
    principal = User.objects.get(email="rektor@fjellvik.demo")
    early = case_archive(actor=principal, case=early)
    # The case closed early at level 0: one document, one message with the case folder.
    (only,) = check_package(unzip(package_read(early)), schema)
    assert only.find("a:mappe", NS).get("{http://www.w3.org/2001/XMLSchema-instance}type") == (
        "saksmappe"
    )
    assert folder_key(only) == f"fjellvik:sak:{early.pk}"
    # Level 3 with a coordinator, measures, consents and a report of concern: the case record
    # and the report, each a journal entry; the second goes into the first one's folder.
    files = unzip(package_read(level_three))
    first, second = check_package(files, schema)
    assert parent_key(second) == folder_key(first) == f"fjellvik:sak:{level_three.pk}"
    assert first.find("a:registrering/a:journalposttype/m:kode", NS).text == "X"
    assert second.find("a:registrering/a:journalposttype/m:kode", NS).text == "U"
    receiver = second.find("a:registrering/a:korrespondansepart/a:korrespondansepartNavn", NS)
    assert receiver.text == "Barnevernet"  # the service's name in Lunner's plan
    for root in (first, second):
        for screening in root.iter(f"{{{NS['a']}}}skjerming"):
            assert screening.find("a:skjermingshjemmel", NS).text == "Offl. § 13, jf. fvl. § 13"
    # The pupil and the guardians with parental responsibility are parties.
    roles = [p.find("a:partRolle/m:kode", NS).text for p in first.iter(f"{{{NS['a']}}}part")]
    assert roles.count("K") == 2  # on the folder and on its entry
    pdf = [n for n in files if n.startswith("bekymringsmelding-")]
    assert len(pdf) == 1 and files[pdf[0]].startswith(b"%PDF")


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


@pytest.mark.django_db
def test_the_demo_has_an_archived_case_any_leadership_user_downloads(client):
    _early, level_three = demo_cases()
    assert level_three.archived_at and level_three.delivery.state == "received"
    leaders = User.objects.filter(
        role_assignments__school=level_three.school,
        role_assignments__role__in=LEADERSHIP_ROLES,
    ).distinct()
    assert leaders.exists()
    for leader in leaders:
        client.force_login(leader)
        response = client.get(f"/ansatt/saker/{level_three.pk}/arkiv/pakke.zip")
        assert response.status_code == 200 and response.content.startswith(b"PK")


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


# ---------------------------------------------------------------- Fiks IO


@pytest.fixture
def fiks(settings, tmp_path):
    fake = FakeFiks(folder=tmp_path)
    fake.start()
    settings.VARDE_ARCHIVE = {
        **settings.VARDE_ARCHIVE, "TRANSPORT": "fiks_io", "FIKS_IO": fake.settings(),
    }  # fmt: skip
    yield fake
    fake.stop()


def level_three_case():
    _early, case = demo_cases()
    # Archive it again through Fiks IO: a fresh package of the same case.
    ArchiveDelivery.objects.filter(case=case).delete()
    Case.objects.filter(pk=case.pk).update(archived_at=None, archive_sha256="", purge_after=None)
    principal = User.objects.get(email="rektor@fjellvik.demo")
    return case_archive(actor=principal, case=Case.objects.get(pk=case.pk))


# The message and the protocol are the same whatever the database: CI's SQLite job only.
@pytest.mark.any_database
@pytest.mark.django_db
def test_fiks_io_delivers_each_arkivmelding_and_the_receipts_confirm_the_case(fiks):
    case = level_three_case()
    assert deliveries_run().sent == [case.delivery.pk]
    # Two messages, each valid, encrypted to the archive and sent with Fiks IO's metadata.
    assert [m["valid"] for m in fiks.received] == [True, True]
    assert {m["metadata"]["meldingType"] for m in fiks.received} == {OPPRETT}
    assert {m["metadata"]["mottakerKontoId"] for m in fiks.received} == {fiks.archive_account}
    assert fiks.received[1]["files"]["arkivmelding.xml"].count(b"referanseForelderMappe") == 2
    assert ArchiveDelivery.objects.get(case=case).state == "sent"
    # The replies (received, then a receipt, for each message) come back on the queue.
    assert deliveries_run().replies == 4
    delivery = ArchiveDelivery.objects.get(case=case)
    assert delivery.state == "received"
    assert delivery.reference == "journalpost 2026/101; journalpost 2026/102"
    assert deliveries_run().replies == 0  # every reply was acknowledged


# The message and the protocol are the same whatever the database: CI's SQLite job only.
@pytest.mark.any_database
@pytest.mark.django_db
@pytest.mark.parametrize("error", ["ugyldigforespoersel", "ikkefunnet"])
def test_fiks_io_refusals_wait_for_a_person_and_are_reported(fiks, error):
    fiks.mode = error
    case = level_three_case()
    deliveries_run()
    deliveries_run()
    delivery = ArchiveDelivery.objects.get(case=case)
    assert delivery.state == "refused" and delivery.error.startswith(error)
    assert f"Arkivet sier {error}" in delivery.error
    assert case.events.filter(kind=CaseEvent.Kind.ARCHIVE_REFUSED).exists()
    reminders_collect()
    principal = User.objects.get(email="rektor@fjellvik.demo")
    assert Reminder.objects.filter(user=principal, key=f"delivery:{case.pk}:refused").exists()


# The message and the protocol are the same whatever the database: CI's SQLite job only.
@pytest.mark.any_database
@pytest.mark.django_db
def test_fiks_io_server_errors_and_silence_are_sent_again(fiks, settings):
    fiks.mode = "serverfeil"
    case = level_three_case()
    now = timezone.now()
    deliveries_run(now=now)
    deliveries_run(now=now)
    delivery = ArchiveDelivery.objects.get(case=case)
    assert delivery.state == "failed" and delivery.error.startswith("serverfeil")
    assert delivery.next_attempt_at == now + dt.timedelta(minutes=15)
    # The archive is quiet the next time: no receipt within the hours is sent again.
    fiks.mode = "silent"
    later = now + dt.timedelta(minutes=20)
    assert deliveries_run(now=later).sent == [delivery.pk]
    assert ArchiveDelivery.objects.get(case=case).state == "sent"
    hours = settings.VARDE_ARCHIVE["RECEIPT_HOURS"]
    fiks.mode = "receipt"
    late = later + dt.timedelta(hours=hours, minutes=1)
    assert deliveries_run(now=late).unanswered == [delivery.pk]
    deliveries_run(now=late + dt.timedelta(minutes=1))
    delivery = ArchiveDelivery.objects.get(case=case)
    assert delivery.state == "received" and delivery.attempts == 3
    assert len(fiks.received) == 6


# The message and the protocol are the same whatever the database: CI's SQLite job only.
@pytest.mark.any_database
@pytest.mark.django_db
def test_fiks_io_refuses_a_wrong_integration_password_and_the_package_waits(fiks, settings):
    settings.VARDE_ARCHIVE["FIKS_IO"]["INTEGRATION_PASSWORD"] = "feil"
    case = level_three_case()
    assert deliveries_run().failed == [case.delivery.pk]
    delivery = ArchiveDelivery.objects.get(case=case)
    assert delivery.state == "failed" and "401" in delivery.error
    assert fiks.received == []


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
