"""The report of concern (bekymringsmelding) to the child welfare service, followed until the
child welfare service confirms it.

Anyone who works on the case writes it, filled from the case; the school's leadership signs
it off; the owner or leadership records how it was sent (the national digital report, a
letter, or in person), the child welfare service's receipt, and its answer when the school is
told. If neither receipt nor answer is recorded within the plan's days
(``casework.child_welfare.follow_up_days``, 7 by default), the case's owner, the person who
sent it and the school's leadership are reminded once on every day it stays overdue.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from varde.audit.models import AuditAction
from varde.cases.models import Case, CaseEvent, ConcernReport
from varde.cases.rules import CaseRules, case_rules
from varde.cases.services import case_event_record
from varde.lib.pdf import pdf_archival
from varde.reminders.due import Due, leaders_by_school

OSLO = ZoneInfo("Europe/Oslo")
SERVICE = "barnevern"


class ConcernRefused(ValueError):
    """The message tells the user why, in bokmål."""


def concern_may_sign(user: Any, case: Case) -> bool:
    """The school's leadership signs the report off."""
    return case.school_id in user.leadership_school_ids()


def concern_may_record(user: Any, case: Case) -> bool:
    """The owner and the school's leadership record sending, receipt and answer."""
    return case.owner_id == user.pk or concern_may_sign(user, case)


def concern_legal_bases(rules: CaseRules) -> list[tuple[str, str]]:
    return [(b.key, f"{b.title} ({b.law})") for b in rules.legal_bases_for(SERVICE)]


def concern_prefill(case: Case) -> dict[str, str]:
    """The form's first text, from the case: what was seen, and what the school has done."""
    seen = case.observed
    done_lines = [
        f"– {m.description} ({timezone.localdate(m.created_at, OSLO):%d.%m.%Y})"
        for m in case.measures.all()
    ]
    conversation = getattr(case, "conversation", None)
    if conversation is not None and conversation.held_at:
        done_lines.insert(
            0,
            _("– Undringssamtale med eleven %(day)s")
            % {"day": f"{timezone.localdate(conversation.held_at, OSLO):%d.%m.%Y}"},
        )
    return {"seen": seen, "done": "\n".join(done_lines)}


@transaction.atomic
def concern_write(
    *,
    actor: Any,
    case: Case,
    legal_basis: str,
    urgent: bool,
    seen: str,
    done: str,
    guardians_informed: str,
) -> ConcernReport:
    _not_archived(case)
    rules = case_rules(municipality_id=case.municipality_id)
    if legal_basis not in dict(concern_legal_bases(rules)):
        raise ConcernRefused(_("Velg hjemmelen for meldingen."))
    report = ConcernReport(
        case=case,
        created_at=timezone.now(),
        created_by=actor,
        legal_basis=legal_basis,
        urgent=urgent,
        seen=seen.strip(),
        done=done.strip(),
        guardians_informed=guardians_informed.strip(),
    )
    report.full_clean()
    report.save()
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.CONCERN_WRITTEN,
        reason="Bekymringsmelding skrevet",
        action=AuditAction.CREATE,
    )
    return report


def _not_archived(case: Case) -> None:
    # What is written after the package is made would not reach the archive.
    if Case.objects.filter(pk=case.pk, archived_at__isnull=False).exists():
        raise ConcernRefused(_("Saken er arkivert. Meldingen kan ikke endres i Varde lenger."))


def _locked(report: ConcernReport, version: int) -> ConcernReport:
    current = ConcernReport.objects.select_for_update().get(pk=report.pk)
    _not_archived(current.case)
    if current.version != version:
        raise ConcernRefused(_("Meldingen ble endret av en annen. Se den nye versjonen."))
    return current


def concerns_unfinished(case: Case) -> bool:
    """A report not yet sent, or sent with neither receipt nor answer: the case waits for it
    before it is archived."""
    return (
        ConcernReport.objects.filter(case=case)
        .filter(Q(sent_at__isnull=True) | Q(received_at__isnull=True, answer=""))
        .exists()
    )


@transaction.atomic
def concern_approve(*, actor: Any, report: ConcernReport, version: int) -> ConcernReport:
    report = _locked(report, version)
    case = report.case
    if not concern_may_sign(actor, case):
        raise ConcernRefused(_("Bare skolens ledelse kan godkjenne meldingen."))
    if report.approved_at:
        raise ConcernRefused(_("Meldingen er allerede godkjent."))
    report.approved_at = timezone.now()
    report.approved_by = actor
    report.version += 1
    report.save()
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.CONCERN_APPROVED,
        reason="Bekymringsmelding godkjent",
    )
    return report


@transaction.atomic
def concern_record_sent(
    *,
    actor: Any,
    report: ConcernReport,
    version: int,
    channel: str,
    sent_at: dt.datetime,
) -> ConcernReport:
    report = _locked(report, version)
    case = report.case
    if not concern_may_record(actor, case):
        raise ConcernRefused(_("Bare eieren eller skolens ledelse kan registrere sendingen."))
    if not report.approved_at:
        raise ConcernRefused(_("Meldingen må godkjennes av ledelsen før den sendes."))
    if report.sent_at:
        raise ConcernRefused(_("Sendingen er allerede registrert."))
    if sent_at > timezone.now() + dt.timedelta(minutes=5):
        raise ConcernRefused(_("Tidspunktet for sendingen kan ikke være fram i tid."))
    if sent_at < report.approved_at - dt.timedelta(days=1):
        raise ConcernRefused(_("Meldingen kan ikke være sendt før den ble godkjent."))
    report.channel = channel
    report.sent_at = sent_at
    report.sent_by = actor
    report.version += 1
    report.full_clean()
    report.save()
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.CONCERN_SENT,
        reason="Bekymringsmelding sendt",
        summary=report.get_channel_display(),
    )
    return report


@transaction.atomic
def concern_record_receipt(
    *, actor: Any, report: ConcernReport, version: int, receipt_number: str
) -> ConcernReport:
    report = _locked(report, version)
    case = report.case
    if not concern_may_record(actor, case):
        raise ConcernRefused(_("Bare eieren eller skolens ledelse kan registrere kvitteringen."))
    if not report.sent_at:
        raise ConcernRefused(_("Registrer først at meldingen er sendt."))
    if report.received_at:
        raise ConcernRefused(_("Kvitteringen er allerede registrert."))
    report.receipt_number = receipt_number.strip()
    report.received_at = timezone.now()
    report.received_recorded_by = actor
    report.version += 1
    report.full_clean()
    report.save()
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.CONCERN_RECEIVED,
        reason="Kvittering for bekymringsmelding registrert",
        summary=report.receipt_number,
    )
    return report


@transaction.atomic
def concern_record_answer(
    *, actor: Any, report: ConcernReport, version: int, answer: str
) -> ConcernReport:
    report = _locked(report, version)
    case = report.case
    if not concern_may_record(actor, case):
        raise ConcernRefused(_("Bare eieren eller skolens ledelse kan registrere svaret."))
    if not report.sent_at:
        raise ConcernRefused(_("Registrer først at meldingen er sendt."))
    if answer not in ConcernReport.Answer.values:
        raise ConcernRefused(_("Velg hva barneverntjenesten svarte."))
    report.answer = answer
    report.answered_at = timezone.now()
    report.version += 1
    report.save()
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.CONCERN_ANSWERED,
        reason="Svar på bekymringsmelding registrert",
        summary=report.get_answer_display(),
    )
    return report


# ---------------------------------------------------------------- the document


def concern_context(report: ConcernReport, guardians: list[Any]) -> dict[str, Any]:
    case = report.case
    rules = case_rules(municipality_id=case.municipality_id)
    basis = rules.legal_basis(report.legal_basis)
    return {
        "report": report,
        "case": case,
        "guardians": guardians,
        "basis": f"{basis.title} ({basis.law})" if basis else report.legal_basis,
        "service": rules.service_name(SERVICE),
    }


def concern_pdf(*, report: ConcernReport, guardians: list[Any]) -> bytes:
    """The report as a tagged PDF/A-3b document, in bokmål and Oslo time, in the sections of
    the national form for public employees. `guardians` are read by the caller, audited."""
    return pdf_archival("cases/concern_pdf.html", concern_context(report, guardians))


# ---------------------------------------------------------------- follow-up


def concern_due_day(report: ConcernReport, rules: CaseRules) -> dt.date | None:
    if report.sent_at is None:
        return None
    return timezone.localdate(report.sent_at, OSLO) + dt.timedelta(
        days=rules.child_welfare_follow_up_days
    )


def concerns_due(*, today: dt.date) -> list[Due]:
    """Reports sent with no receipt and no answer past the plan's days: one reminder a day,
    each day's under its own key, to the owner, the sender and the school's leadership."""
    waiting = ConcernReport.objects.filter(
        sent_at__isnull=False, received_at__isnull=True, answer=""
    ).select_related("case")
    rules: dict[int, CaseRules] = {}
    leaders = leaders_by_school()
    found: list[Due] = []
    for report in waiting:
        case = report.case
        if case.municipality_id not in rules:
            rules[case.municipality_id] = case_rules(municipality_id=case.municipality_id)
        due = concern_due_day(report, rules[case.municipality_id])
        # Within the days is on time: the first reminder comes the day after the last of them.
        if due is None or due >= today:
            continue
        url = reverse("cases:concern", args=[case.pk, report.pk])
        subject = _("Bekymringsmeldingen til barnevernet er ikke bekreftet mottatt")
        people = {case.owner_id, report.sent_by_id, *leaders.get(case.school_id, [])}
        for user_id in sorted(p for p in people if p):
            found.append(
                Due(user_id, f"concern:{report.pk}:{today.isoformat()}", subject, url, due)
            )
    return found
