"""The report of concern to the child welfare service: written from the case, signed off by
leadership, sent, and followed until the child welfare service confirms it."""

from __future__ import annotations

import datetime as dt
import subprocess
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from varde.audit.models import AuditEntry
from varde.cases.archive import case_archive
from varde.cases.concern import (
    ConcernRefused,
    concern_approve,
    concern_record_answer,
    concern_record_receipt,
    concern_record_sent,
    concern_write,
)
from varde.cases.models import CaseEvent, ConcernReport
from varde.people.models import Guardian
from varde.reminders.models import Reminder
from varde.reminders.services import reminders_collect

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture(autouse=True)
def _quick(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def written(world, **extra) -> ConcernReport:
    values = {
        "legal_basis": "child_welfare_duty",
        "urgent": False,
        "seen": "Petter sier at det ikke er mat hjemme, 20.11. og 24.11.",
        "done": "",
        "guardians_informed": "Nei: det kan skade barnet.",
    }
    return concern_write(actor=world.teacher, case=world.case, **(values | extra))


def sent(world, at: dt.datetime) -> ConcernReport:
    report = written(world)
    report = concern_approve(actor=world.principal, report=report, version=report.version)
    return concern_record_sent(
        actor=world.principal, report=report, version=report.version, channel="portal", sent_at=at
    )


def reminders_about(report: ConcernReport) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for user_id, key in Reminder.objects.filter(
        key__startswith=f"concern:{report.pk}:"
    ).values_list("user_id", "key"):
        found.setdefault(user_id, []).append(key.rsplit(":", 1)[1])
    return {user: sorted(days) for user, days in found.items()}


@pytest.mark.django_db
def test_an_unconfirmed_report_is_reminded_once_a_day_from_the_day_after_the_plans_seven(world):
    """Lunner's plan gives the child welfare service 7 days (casework.child_welfare). Sent on
    Monday 7 December, it is on time through Monday 14 December; from Tuesday 15 December the
    owner (Tina), the sender and leadership (Rita) get one reminder a day, however often the
    worker collects, until the receipt is recorded on Thursday 17 December."""
    with time_machine.travel(dt.datetime(2026, 12, 7, 13, 0, tzinfo=OSLO), tick=False):
        report = sent(world, timezone.now())
    moments = [
        dt.datetime(2026, 12, day, hour, minute, tzinfo=OSLO)
        for day in (8, 14, 15, 16)
        for hour, minute in ((0, 5), (7, 0), (12, 30), (23, 55))
    ]
    for moment in moments:
        with time_machine.travel(moment, tick=False):
            reminders_collect()
    expected = ["2026-12-15", "2026-12-16"]
    assert reminders_about(report) == {
        world.teacher.pk: expected,
        world.principal.pk: expected,
    }
    # Yesterday's is retired when today's comes: one open reminder at a time.
    open_keys = Reminder.objects.filter(key__startswith="concern:", done_at__isnull=True)
    assert (
        sorted(open_keys.values_list("key", flat=True)) == [f"concern:{report.pk}:2026-12-16"] * 2
    )
    with time_machine.travel(dt.datetime(2026, 12, 17, 9, 0, tzinfo=OSLO), tick=False):
        reminders_collect()
        concern_record_receipt(
            actor=world.teacher, report=report, version=report.version, receipt_number="BV-77"
        )
    for day in (17, 18, 19):
        with time_machine.travel(dt.datetime(2026, 12, day, 10, 0, tzinfo=OSLO), tick=False):
            reminders_collect()
    assert reminders_about(report)[world.teacher.pk] == [*expected, "2026-12-17"]
    assert not Reminder.objects.filter(key__startswith="concern:", done_at__isnull=True).exists()


@pytest.mark.django_db
def test_an_answer_from_the_child_welfare_service_ends_the_reminders_too(world):
    with time_machine.travel(dt.datetime(2026, 12, 7, 13, 0, tzinfo=OSLO), tick=False):
        report = sent(world, timezone.now())
    with time_machine.travel(dt.datetime(2026, 12, 10, 13, 0, tzinfo=OSLO), tick=False):
        concern_record_answer(
            actor=world.principal, report=report, version=report.version, answer="opened"
        )
    with time_machine.travel(dt.datetime(2026, 12, 20, 13, 0, tzinfo=OSLO), tick=False):
        reminders_collect()
    assert reminders_about(report) == {}
    kinds = list(world.case.events.values_list("kind", flat=True))
    assert kinds[-4:] == ["concern_written", "concern_approved", "concern_sent", "concern_answered"]


@pytest.mark.django_db
def test_only_leadership_signs_and_only_owner_or_leadership_records(world):
    report = written(world)
    with pytest.raises(ConcernRefused, match="ledelse"):
        concern_approve(actor=world.teacher, report=report, version=report.version)
    with pytest.raises(ConcernRefused, match="godkjennes"):
        concern_record_sent(
            actor=world.teacher, report=report, version=report.version, channel="letter",
            sent_at=timezone.now(),
        )  # fmt: skip
    report = concern_approve(actor=world.principal, report=report, version=report.version)
    with pytest.raises(ConcernRefused, match="eieren eller skolens ledelse"):
        concern_record_sent(
            actor=world.teacher2, report=report, version=report.version, channel="letter",
            sent_at=timezone.now(),
        )  # fmt: skip
    with pytest.raises(ConcernRefused, match="fram i tid"):
        concern_record_sent(
            actor=world.teacher, report=report, version=report.version, channel="letter",
            sent_at=timezone.now() + dt.timedelta(days=1),
        )  # fmt: skip
    with pytest.raises(ConcernRefused, match="endret av en annen"):
        concern_record_sent(
            actor=world.teacher, report=report, version=report.version - 1, channel="letter",
            sent_at=timezone.now(),
        )  # fmt: skip
    assert ConcernReport.objects.get(pk=report.pk).sent_at is None


@pytest.mark.django_db
def test_the_pages_walk_the_report_with_clear_messages_for_bad_input(client, world):
    client.force_login(world.teacher)
    base = f"/ansatt/saker/{world.case.pk}/bekymringsmelding/"
    form = client.get(base).content.decode()
    assert world.case.observed[:30] in form  # filled from the case
    page = client.post(base, {"seen": "", "legal_basis": "child_welfare_duty"}).content.decode()
    assert "Meldingen er ikke lagret" in page or "Dette feltet er påkrevd" in page
    assert not ConcernReport.objects.exists()
    response = client.post(
        base, {"seen": "Sett og hørt.", "done": "", "legal_basis": "child_welfare_duty"}
    )
    report = ConcernReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{base}{report.pk}/"
    page = client.get(f"{base}{report.pk}/").content.decode()
    assert "Skolens ledelse leser og godkjenner meldingen." in page
    assert "Godkjenn meldingen" not in page
    client.force_login(world.principal)
    client.post(f"{base}{report.pk}/", {"step": "approve", "version": report.version})
    report.refresh_from_db()
    assert report.approved_by == world.principal
    page = client.post(
        f"{base}{report.pk}/",
        {"step": "sent", "version": report.version, "channel": "portal", "sent_at": "i går"},
    ).content.decode()
    assert "Oppgi gyldig dato og tidspunkt." in page or "Skriv inn en gyldig dato" in page
    assert ConcernReport.objects.get(pk=report.pk).sent_at is None


@pytest.mark.django_db
def test_the_document_follows_the_national_form_and_its_download_is_audited(
    client, world, tmp_path
):
    Guardian.objects.create(
        pupil=world.pupil, external_id="g1", name="Mona Elev", relation="mother", phone="000 11 222"
    )
    report = written(world, done="Samtale med Petter 25.11.")
    client.force_login(world.teacher)
    exports = AuditEntry.objects.filter(action="export", reason="Bekymringsmelding lastet ned")
    before = exports.count()
    response = client.get(
        f"/ansatt/saker/{world.case.pk}/bekymringsmelding/{report.pk}/melding.pdf"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"].startswith("no-store, private")
    path = tmp_path / "melding.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    for section in (
        "1. Om barnet",
        "2. Om foreldre eller andre med omsorg",
        "3. Hva er skolen bekymret for?",
        "4. Hva har skolen gjort?",
        "5. Hjemmel",
        "6. Om melderen",
    ):
        assert section in text
    assert "Mona Elev" in text and "Samtale med Petter 25.11." in text
    assert "Barnevernsloven § 13-2" in text
    assert "Ikke godkjent ennå (utkast)" in text
    info = subprocess.run(
        ["pdfinfo", "-meta", str(path)], check=True, capture_output=True, text=True
    ).stdout
    assert "pdfaid:part" in info
    assert exports.count() == before + 1


@pytest.mark.django_db
def test_nothing_is_written_after_the_case_is_archived(world, client):
    report = written(world)
    report = concern_approve(actor=world.principal, report=report, version=report.version)
    report = concern_record_sent(
        actor=world.principal, report=report, version=report.version, channel="letter",
        sent_at=timezone.now(),
    )  # fmt: skip
    report = concern_record_receipt(
        actor=world.principal, report=report, version=report.version, receipt_number="BV-1"
    )
    from tests.cases.test_archive import close

    case = case_archive(actor=world.teacher, case=close(world.case))
    with pytest.raises(ConcernRefused, match="arkivert"):
        written(world)
    with pytest.raises(ConcernRefused, match="arkivert"):
        concern_record_answer(
            actor=world.principal, report=report, version=report.version, answer="opened"
        )
    client.force_login(world.teacher)
    page = client.post(
        f"/ansatt/saker/{case.pk}/bekymringsmelding/",
        {"seen": "Sett.", "legal_basis": "child_welfare_duty"},
    ).content.decode()
    assert "Saken er arkivert." in page
    assert ConcernReport.objects.count() == 1
    assert case.events.filter(kind=CaseEvent.Kind.CONCERN_RECEIVED).exists()


@pytest.mark.django_db
def test_a_report_of_another_case_is_404_and_outsiders_see_nothing(client, world):
    report = written(world)
    client.force_login(world.outsider)
    assert (
        client.get(f"/ansatt/saker/{world.case.pk}/bekymringsmelding/{report.pk}/").status_code
        == 404
    )
    client.force_login(world.gran_case.owner)
    assert (
        client.get(f"/ansatt/saker/{world.gran_case.pk}/bekymringsmelding/{report.pk}/").status_code
        == 404
    )
