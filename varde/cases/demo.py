"""Demo cases at Fjellvik ungdomsskole, made through the same services as the pages use.

- A worry closed early at level 0: the worry was not confirmed. Closed, not archived, so a
  demo user can make its package.
- A case at level 3 with a coordinator, measures, consents and a report of concern to the
  child welfare service that was sent, confirmed and answered; closed, archived, and its
  archive reference confirmed, so any of the school's leadership can download its package.

Made once: a school that has cases already gets none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from varde.cases.archive import case_archive
from varde.cases.concern import (
    concern_approve,
    concern_record_answer,
    concern_record_receipt,
    concern_record_sent,
    concern_write,
)
from varde.cases.consent import consent_record
from varde.cases.delivery import delivery_confirm
from varde.cases.models import ArchiveDelivery, Case, ParentDecision
from varde.cases.services import (
    case_decide,
    case_open,
    conversation_plan,
    conversation_record,
    coordinator_appoint,
    measure_add,
    measure_evaluate,
    parents_decide,
)
from varde.people.models import Pupil, School

SCHOOL = "FJ-US"
TEACHER = "laerer@fjellvik.demo"
PRINCIPAL = "rektor@fjellvik.demo"


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def demo_cases_ensure(*, municipality: Any) -> int:
    """Make the demo cases unless the school has cases; returns how many were made."""
    school = School.objects.get(municipality=municipality, external_id=SCHOOL)
    if Case.objects.filter(school=school).exists():
        return 0
    users = get_user_model().objects
    teacher, principal = users.get(email=TEACHER), users.get(email=PRINCIPAL)
    pupils = list(Pupil.objects.filter(school=school, is_active=True).order_by("external_id")[:2])
    if len(pupils) < 2:
        return 0
    today = timezone.localdate()
    _closed_early(teacher, principal, pupils[0], today)
    _level_three(teacher, principal, pupils[1], today)
    return 2


def _closed_early(teacher: Any, principal: Any, pupil: Pupil, today: dt.date) -> None:
    case = case_open(
        actor=teacher,
        pupil=pupil,
        observed="Eleven virket trøtt og fraværende i tre timer på rad. (Fiktiv demosak.)",
        observed_on=today - dt.timedelta(days=20),
        seriousness=Case.Seriousness.LOW,
    )
    parents_decide(
        actor=teacher,
        case=case,
        choice=ParentDecision.Choice.INFORM_NOW,
        reason="Mor ble ringt samme dag; hun forteller om en urolig natt.",
        obligations=[],
    )
    case_decide(
        actor=teacher,
        case=_fresh(case),
        key="close",
        reason="Bekymringen er ikke bekreftet etter samtale med eleven og mor.",
        version=_fresh(case).version,
    )


def _level_three(teacher: Any, principal: Any, pupil: Pupil, today: dt.date) -> None:
    case = case_open(
        actor=teacher,
        pupil=pupil,
        observed=(
            "Eleven har kommet sulten på skolen flere dager og sier det ikke er mat hjemme. "
            "(Fiktiv demosak.)"
        ),
        observed_on=today - dt.timedelta(days=60),
        seriousness=Case.Seriousness.HIGH,
    )
    conversation_plan(
        actor=teacher,
        case=case,
        planned_for=timezone.now() - dt.timedelta(days=58),
        attendees="Kontaktlærer og eleven",
    )
    conversation_record(
        actor=teacher,
        case=case,
        what_was_said="Eleven fortalte om lite mat og mye alene hjemme.",
        pupil_view="Jeg vil ha hjelp, men ikke at det blir krangel hjemme.",
        weighing="Eleven er moden for alderen; ønsket er tatt med i planen.",
    )
    parents_decide(
        actor=teacher,
        case=case,
        choice=ParentDecision.Choice.INFORM_NOW,
        reason="Foresatte inviteres til møte.",
        obligations=[],
    )
    case_decide(
        actor=teacher,
        case=_fresh(case),
        key="level_1",
        reason="Skolen setter inn tiltak.",
        version=_fresh(case).version,
    )
    measure = measure_add(
        actor=teacher,
        case=_fresh(case),
        description="Frokost på skolen hver morgen",
        goal="Eleven er mett og kan følge undervisningen",
        evaluate_on=today - dt.timedelta(days=30),
        responsible_user=teacher,
    )
    measure_evaluate(actor=teacher, measure=measure, evaluation="Hjelper, men ikke nok.", version=1)
    for service in ("skolehelsetjenesten", "familieteam"):
        consent_record(
            actor=teacher,
            case=_fresh(case),
            service=service,
            giver="pupil",
            giver_name=pupil.full_name,
            scope="Bekymringen og tiltakene",
            valid_from=today - dt.timedelta(days=40),
            valid_until=today + dt.timedelta(days=140),
        )
        for guardian in pupil.guardians.filter(parental_responsibility=True, restriction=""):
            consent_record(
                actor=teacher,
                case=_fresh(case),
                service=service,
                giver="guardian",
                guardian=guardian,
                scope="Bekymringen og tiltakene",
                valid_from=today - dt.timedelta(days=40),
                valid_until=today + dt.timedelta(days=140),
            )
    case_decide(
        actor=teacher,
        case=_fresh(case),
        key="level_3",
        reason="Flere tjenester trengs; en koordinator samler innsatsen.",
        version=_fresh(case).version,
    )
    coordinator_appoint(actor=principal, case=_fresh(case), user=teacher)
    report = concern_write(
        actor=teacher,
        case=_fresh(case),
        legal_basis="child_welfare_duty",
        urgent=False,
        seen="Eleven har over to måneder fortalt om lite mat og mye alene hjemme.",
        done="Frokost på skolen, samtaler, samarbeid med helsesykepleier og familieteamet.",
        guardians_informed="Foresatte er informert i møte.",
    )
    report = concern_approve(actor=principal, report=report, version=report.version)
    report = concern_record_sent(
        actor=principal,
        report=report,
        version=report.version,
        channel="portal",
        sent_at=timezone.now(),
    )
    report = concern_record_receipt(
        actor=principal, report=report, version=report.version, receipt_number="BV-DEMO-0001"
    )
    concern_record_answer(actor=principal, report=report, version=report.version, answer="opened")
    case_decide(
        actor=teacher,
        case=_fresh(case),
        key="close",
        reason="Barneverntjenesten har overtatt; skolen følger opp i ansvarsgruppen.",
        version=_fresh(case).version,
    )
    case = case_archive(actor=principal, case=_fresh(case))
    if ArchiveDelivery.objects.get(case=case).transport == ArchiveDelivery.Transport.DOWNLOAD:
        delivery_confirm(actor=principal, case=case, reference="DEMO 2026/0001")
