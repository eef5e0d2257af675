"""The chronology: everything that happened on a case, in order, printable."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from varde.audit.models import AuditEntry
from varde.cases.advice import advice_answer, advice_ask
from varde.cases.archive import case_archive
from varde.cases.chronology import case_chronology
from varde.cases.concern import (
    concern_approve,
    concern_record_answer,
    concern_record_receipt,
    concern_record_sent,
    concern_write,
)
from varde.cases.consent import (
    consent_record,
    consent_withdraw,
    participant_invite,
    referral_make,
)
from varde.cases.delivery import delivery_confirm
from varde.cases.models import Case, CaseEvent, ParentDecision
from varde.cases.services import (
    case_decide,
    conversation_plan,
    conversation_record,
    coordinator_appoint,
    handover_answer,
    handover_offer,
    measure_evaluate,
    parents_contact_record,
    parents_decide,
)

OSLO = ZoneInfo("Europe/Oslo")
K = CaseEvent.Kind
PUPILS_WORDS = "Jeg er bare sliten, jeg vil fortelle mamma selv."


@pytest.fixture(autouse=True)
def _packages_in_a_temporary_folder(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def walk_the_routine(world) -> tuple[list[str], dt.datetime]:
    """Tina's case from worry to archive, one step an hour; the kinds in the order done.

    Tor declines the case first, then takes it over and steers it from there; Tina stays in it.
    """
    tina, tor, case = world.teacher, world.teacher2, world.case
    start = (timezone.now() + dt.timedelta(days=2)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    steps = [
        lambda: handover_answer(actor=world.teacher2, handover=world.handover, accept=False),
        lambda: handover_answer(
            actor=tor, handover=handover_offer(actor=tina, case=case, to_user=tor), accept=True
        ),
        lambda: conversation_plan(
            actor=tina, case=case, planned_for=start + dt.timedelta(days=1), attendees="Tina"
        ),
        lambda: conversation_record(
            actor=tina, case=case, what_was_said="Vi snakket.", pupil_view=PUPILS_WORDS,
            weighing="Eleven er 15 og moden.",
        ),
        lambda: parents_decide(
            actor=tina, case=case, choice=ParentDecision.Choice.PUPIL_FIRST,
            reason="Eleven vil fortelle selv.", obligations=[],
        ),
        lambda: parents_contact_record(
            actor=tina, case=case, at=timezone.now(), with_whom="Mor", channel="Telefon",
            summary="Mor er informert.",
        ),
        lambda: advice_answer(
            actor=world.kjentmann,
            question=advice_ask(
                actor=tina, case=case, adviser=world.kjentmann, question="Hva gjør jeg nå?"
            ),
            answer="Ta det rolig.",
        ),
        lambda: consent_record(
            actor=tina, case=case, service="skolehelsetjenesten", giver="pupil",
            scope="Bekymringen.", valid_from=timezone.localdate(),
            valid_until=timezone.localdate() + dt.timedelta(days=90),
        ),
        lambda: consent_withdraw(actor=tina, consent=case.consents.get()),
        lambda: participant_invite(actor=tor, case=case, user=world.kjentmann),
        lambda: case_decide(
            actor=tor, case=case, key="level_1", reason="Tiltak på skolen.",
            version=fresh(case).version,
        ),
        lambda: measure_evaluate(
            actor=tina, measure=world.measure, evaluation="Virket godt.",
            version=world.measure.version,
        ),
        lambda: case_decide(
            actor=tor, case=case, key="level_3", reason="Flere tjenester trengs.",
            version=fresh(case).version,
        ),
        lambda: coordinator_appoint(actor=tor, case=fresh(case), user=world.principal),
        lambda: referral_make(
            actor=tor, case=case, service="barnevern", reason="Alvorlig bekymring for omsorgen.",
            legal_basis="child_welfare_duty",
        ),
        lambda: concern_write(
            actor=tina, case=case, legal_basis="child_welfare_duty", urgent=False,
            seen="Eleven har sagt at det ikke er mat hjemme.", done="Samtale.",
            guardians_informed="Mor er informert.",
        ),
        lambda: concern_approve(
            actor=world.principal, report=case.concern_reports.get(),
            version=case.concern_reports.get().version,
        ),
        lambda: concern_record_sent(
            actor=tor, report=case.concern_reports.get(),
            version=case.concern_reports.get().version,
            channel="portal", sent_at=timezone.now(),
        ),
        lambda: concern_record_receipt(
            actor=tor, report=case.concern_reports.get(),
            version=case.concern_reports.get().version, receipt_number="BV-2026-77",
        ),
        lambda: concern_record_answer(
            actor=tor, report=case.concern_reports.get(),
            version=case.concern_reports.get().version, answer="opened",
        ),
        lambda: case_decide(
            actor=tor, case=case, key="close", reason="Tiltakene har virket.",
            version=fresh(case).version,
        ),
        lambda: case_archive(actor=tor, case=fresh(case)),
        lambda: delivery_confirm(actor=world.principal, case=fresh(case), reference="2026/55"),
    ]  # fmt: skip
    for hour, step in enumerate(steps, start=1):
        with time_machine.travel(start + dt.timedelta(hours=hour), tick=False):
            step()
    done = list(fresh(case).events.order_by("at", "pk").values_list("kind", flat=True))
    return done, start


def test_every_kind_of_record_appears_in_the_order_it_happened(world):
    done, _start = walk_the_routine(world)
    lines = case_chronology(case=fresh(world.case))
    # Every kind of chronology line but the free note, which no page writes yet, and what
    # the delivery worker writes (tests/cases/test_archive_delivery.py).
    assert {line.kind for line in lines} == set(K.values) - {
        K.NOTE,
        K.ARCHIVE_SENT,
        K.ARCHIVE_REFUSED,
    }
    assert [line.kind for line in lines] == done
    assert [line.at for line in lines] == sorted(line.at for line in lines)


def test_each_line_says_who_and_what_from_the_record(world):
    walk_the_routine(world)
    lines = {line.kind: line for line in case_chronology(case=fresh(world.case))}
    assert lines[K.OPENED].who == "Tina Lærer"
    assert lines[K.HANDOVER_ACCEPTED].who == "Tor Lærer"
    assert ("Elevens syn, med elevens egne ord", PUPILS_WORDS) in lines[K.CONVERSATION_HELD].details
    assert lines[K.HANDOVER_DECLINED].who == "Tor Lærer"
    assert ("Svar", "Ta det rolig.") in lines[K.ADVICE_ANSWERED].details
    assert lines[K.ADVICE_ANSWERED].who == "Kari Kjentmann"
    assert ("Evaluering", "Virket godt.") in lines[K.MEASURE_EVALUATED].details
    assert lines[K.REFERRAL].details[0] == (
        "Lovgrunnlag",
        "Opplysningsplikten til barnevernet (Barnevernsloven § 13-2)",
    )
    assert lines[K.PARENTS_CONTACTED].summary == "Mor (Telefon)"


def test_times_are_shown_in_oslo_time(world):
    _done, start = walk_the_routine(world)
    html = as_user(world.teacher).get(f"/ansatt/saker/{world.case.pk}/kronologi/").content.decode()
    declined = (start + dt.timedelta(hours=1)).astimezone(OSLO)
    assert f">{declined:%-d.%-m.%Y %H:%M}</time> – Overføring avslått" in html


def test_the_page_shows_everything_in_order(world):
    walk_the_routine(world)
    html = (
        as_user(world.principal).get(f"/ansatt/saker/{world.case.pk}/kronologi/").content.decode()
    )
    order = [
        "Undring registrert",
        "Overføring foreslått",
        "Overføring avslått",
        PUPILS_WORDS,
        "Mor er informert.",
        "Hva gjør jeg nå?",
        "Ta det rolig.",
        "Samtykke trukket tilbake",
        "Virket godt.",
        "Koordinator oppnevnt",
        "Alvorlig bekymring for omsorgen.",
        "Saken er avsluttet",
        "Arkivert",
    ]
    positions = [html.find(text) for text in order]
    assert -1 not in positions, [t for t, p in zip(order, positions, strict=True) if p < 0]
    assert positions == sorted(positions)


def test_the_page_prints_without_inline_script(world):
    response = as_user(world.teacher).get(f"/ansatt/saker/{world.case.pk}/kronologi/")
    html = response.content.decode()
    assert 'href="/static/varde/print.css" media="print"' in html
    assert 'src="/static/varde/print.js"' in html
    assert "Ctrl+P" in html
    assert "<script>" not in html and "onclick" not in html
    assert (
        response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    )


def test_reading_the_chronology_is_audited(world):
    as_user(world.teacher).get(f"/ansatt/saker/{world.case.pk}/kronologi/")
    assert AuditEntry.objects.filter(
        actor=world.teacher, action="read", object_id=str(world.case.pk), reason="Kronologi"
    ).exists()


@pytest.mark.parametrize(
    "persona", ["teacher2", "kjentmann", "nurse", "admin", "slt", "outsider", "deactivated"]
)
def test_staff_without_a_need_to_know_get_404(world, persona):
    other = as_user(getattr(world, persona))
    assert other.get(f"/ansatt/saker/{world.case.pk}/kronologi/").status_code in (404, 302)
    assert other.get("/ansatt/saker/999999/kronologi/").status_code in (404, 302)


def test_the_outsider_gets_404_on_a_case_in_another_municipality(world):
    gunnar = as_user(world.outsider)
    assert gunnar.get(f"/ansatt/saker/{world.case.pk}/kronologi/").status_code == 404
    assert gunnar.get(f"/ansatt/saker/{world.gran_case.pk}/kronologi/").status_code == 200
