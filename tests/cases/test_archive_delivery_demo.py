"""Into the municipality's archive from the demo's cases: the arkivmelding of a case closed
early and of one at level 3 with a report of concern, the demo's archived case downloaded by
leadership, and the Fiks IO transport (against tests/cases/fiks_fake.py, which answers from the
other side of the protocol through a local RabbitMQ). The helpers and the other transports are
in test_archive_delivery.py.

Loading the demo renders its archived case's PDFs, a second or two each time, so it is loaded
once for this module (tests/module_db.py); each test has the demo's packages copied into a data
folder of its own, so no test sees what another changed, in the database or on disk.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
import xmlschema
from django.utils import timezone

from tests.cases.fiks_fake import FakeFiks
from tests.cases.test_archive_delivery import (
    NS,
    OPPRETT,
    STANDARD,
    check_package,
    folder_key,
    parent_key,
    unzip,
)
from tests.module_db import kept_for_the_module
from varde.cases.archive import case_archive, package_read
from varde.cases.delivery import deliveries_run
from varde.cases.models import ArchiveDelivery, Case, CaseEvent
from varde.people.demo import demo_load
from varde.people.models import User
from varde.people.roles import LEADERSHIP_ROLES
from varde.reminders.models import Reminder
from varde.reminders.services import reminders_collect

# Tests that share a worker share one load of the demo: keep them on one (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("archive-demo")


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo in the test database until the module's last test, and the data folder its
    packages went to."""
    folder = tmp_path_factory.mktemp("demo")

    def load() -> Path:
        demo_load(stdout=io.StringIO())
        return folder / "data"

    yield from kept_for_the_module(django_db_blocker, folder, load)


@pytest.fixture(autouse=True)
def demo(demo_loaded, db, settings, tmp_path):
    """The demo's records, and its packages in the test's own data folder."""
    settings.DATA_DIR = tmp_path / "data"
    settings.VARDE_ARCHIVE = {**settings.VARDE_ARCHIVE, "DROP_DIR": str(tmp_path / "import")}
    shutil.copytree(demo_loaded, settings.DATA_DIR)


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(STANDARD / f"{OPPRETT}.xsd"))


def demo_cases():
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
