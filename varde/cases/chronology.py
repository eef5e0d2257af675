"""The full chronology of a case: everything that happened on it, in time order.

Every write to a case leaves a CaseEvent; where the write also keeps a record
of its own (a decision, a measure, a consent ...), the chronology takes the
line from that record, so it shows what was written and not only that
something was. Events whose kind a record covers are left out, so nothing is
shown twice. Times are shown in Europe/Oslo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from varde.cases.models import Case, CaseEvent, ParentDecision
from varde.cases.rules import CaseRules, case_rules

K = CaseEvent.Kind

# Kinds whose lines come from the records below rather than from the events.
FROM_RECORDS = frozenset(
    {
        K.HANDOVER_OFFERED,
        K.HANDOVER_ACCEPTED,
        K.HANDOVER_DECLINED,
        K.PARENTS_DECIDED,
        K.PARENTS_CONTACTED,
        K.DECISION,
        K.MEASURE_ADDED,
        K.MEASURE_EVALUATED,
        K.ADVICE_ASKED,
        K.ADVICE_ANSWERED,
        K.CONSENT_GIVEN,
        K.REFERRAL,
    }
)


@dataclass(frozen=True)
class Entry:
    at: dt.datetime  # in Europe/Oslo
    kind: str
    title: str
    who: str
    summary: str = ""
    details: tuple[tuple[str, str], ...] = ()


def _line(
    at: dt.datetime,
    kind: str,
    who: Any,
    summary: str = "",
    details: tuple[tuple[str, str], ...] = (),
) -> Entry:
    """One line; details without text are left out."""
    return Entry(
        at=timezone.localtime(at),
        kind=kind,
        title=str(K(kind).label),
        who=str(who) if who else "",
        summary=summary,
        details=tuple((label, text) for label, text in details if text),
    )


def _no_view_reason(case: Case, conversation: Any) -> str:
    """Why the pupil's view is empty, in the plan's words (nothing when it is not)."""
    if conversation.pupil_view or not conversation.no_view_reason:
        return ""
    reasons = dict(case_rules(municipality_id=case.municipality_id).no_view_reasons)
    return reasons.get(conversation.no_view_reason, conversation.no_view_reason)


def _event_lines(case: Case, events: list[CaseEvent]) -> list[Entry]:
    conversation = getattr(case, "conversation", None)
    last = {e.kind: e.pk for e in events}
    lines = []
    for event in events:
        if event.kind in FROM_RECORDS:
            continue
        pairs: tuple[tuple[str, str], ...] = ()
        if event.kind == K.OPENED:
            pairs = (
                (_("Observert"), case.observed),
                (_("Sist sett"), date_format(case.observed_on, _("j. F Y"))),
                (_("Hvor"), case.place),
                (_("Hvor lenge"), case.duration),
                (_("Alvorlighet"), str(case.get_seriousness_display())),
                (_("Tidligere bekymringer"), case.earlier_worries),
                (_("Hvem andre vet"), case.who_knows),
                (_("Foresatte"), case.parents_thoughts),
            )
        elif conversation is None or event.pk != last[event.kind]:
            # Only the latest plan and record of the conversation are kept.
            pass
        elif event.kind == K.CONVERSATION_PLANNED:
            pairs = (
                (
                    _("Tidspunkt"),
                    date_format(timezone.localtime(conversation.planned_for), _("j. F Y H:i")),
                ),
                (_("Hvem deltar"), conversation.attendees),
                (_("Voksen eleven tar med seg"), conversation.trusted_adult),
            )
        elif event.kind == K.CONVERSATION_HELD:
            pairs = (
                (_("Hva ble sagt"), conversation.what_was_said),
                (_("Elevens syn, med elevens egne ord"), conversation.pupil_view),
                (_("Ingen ord fra eleven"), _no_view_reason(case, conversation)),
                (_("Hvordan elevens syn er vektlagt"), conversation.weighing),
            )
        lines.append(_line(event.at, event.kind, event.actor, event.summary, pairs))
    return lines


def _handovers(case: Case, rules: CaseRules) -> Iterator[Entry]:
    for h in case.handovers.select_related("from_user", "to_user"):
        yield _line(
            h.offered_at,
            K.HANDOVER_OFFERED,
            h.from_user,
            str(h.to_user),
            ((_("Melding"), h.message),),
        )
        if h.answered_at:
            kind = K.HANDOVER_ACCEPTED if h.state == h.State.ACCEPTED else K.HANDOVER_DECLINED
            yield _line(h.answered_at, kind, h.to_user, str(h.from_user))


def _parents(case: Case, rules: CaseRules) -> Iterator[Entry]:
    must = dict(rules.must_inform)
    for p in case.parent_decisions.select_related("decided_by").prefetch_related("tell"):
        yield _line(
            p.decided_at,
            K.PARENTS_DECIDED,
            p.decided_by,
            str(ParentDecision.Choice(p.choice).label),
            (
                (_("Elevens alder"), str(p.pupil_age)),
                (_("Skolen må informere fordi"), ", ".join(must.get(k, k) for k in p.obligations)),
                (_("Modenhet"), p.maturity),
                (_("Elevens ønsker"), p.pupil_wishes),
                (_("Begrunnelse"), p.reason),
                (_("Skal få vite det"), ", ".join(g.name for g in p.tell.all())),
                (_("Forteller det"), p.told_by),
            ),
        )
    for c in case.parent_contacts.select_related("recorded_by"):
        yield _line(
            c.at,
            K.PARENTS_CONTACTED,
            c.recorded_by,
            f"{c.with_whom} ({c.channel})",
            (
                (_("Hva ble sagt"), c.summary),
                (_("Tolk"), c.get_interpreter_display() if c.interpreter else ""),
            ),
        )


def _law(rules: CaseRules, key: str) -> str:
    basis = rules.legal_basis(key) if key else None
    return f"{basis.title} ({basis.law})" if basis else ""


def _decisions(case: Case, rules: CaseRules) -> Iterator[Entry]:
    for d in case.decisions.select_related("decided_by"):
        rule = rules.decision(d.key)
        yield _line(
            d.decided_at,
            K.DECISION,
            d.decided_by,
            rule.title if rule else d.key,
            (
                (_("Nivå"), f"{d.from_level} → {d.to_level}"),
                (_("Lovgrunnlag"), _law(rules, d.legal_basis)),
                (_("Begrunnelse"), d.reason),
            ),
        )


def _measures(case: Case, rules: CaseRules) -> Iterator[Entry]:
    for m in case.measures.select_related("created_by", "evaluated_by"):
        yield _line(
            m.created_at,
            K.MEASURE_ADDED,
            m.created_by,
            m.description,
            (
                (_("Mål"), m.goal),
                (_("Ansvarlig"), m.responsible),
                (_("Evalueres"), date_format(m.evaluate_on, _("j. F Y"))),
            ),
        )
        if m.evaluated_at:
            yield _line(
                m.evaluated_at,
                K.MEASURE_EVALUATED,
                m.evaluated_by,
                m.description,
                ((_("Evaluering"), m.evaluation),),
            )


def _advice(case: Case, rules: CaseRules) -> Iterator[Entry]:
    for a in case.advice_requests.select_related("asked_by", "adviser"):
        how = _("anonymt") if a.anonymous else _("med navn")
        question = (_("Spørsmål"), a.question)
        yield _line(a.asked_at, K.ADVICE_ASKED, a.asked_by, f"{a.adviser} ({how})", (question,))
        if a.answered_at:
            answer = (_("Svar"), a.answer)
            yield _line(a.answered_at, K.ADVICE_ANSWERED, a.adviser, "", (question, answer))


def _sharing(case: Case, rules: CaseRules) -> Iterator[Entry]:
    for c in case.consents.select_related("recorded_by"):
        period = f"{date_format(c.valid_from, 'j.n.Y')}–{date_format(c.valid_until, 'j.n.Y')}"
        yield _line(
            c.recorded_at,
            K.CONSENT_GIVEN,
            c.recorded_by,
            f"{rules.service_name(c.service)}: {c.giver_name} ({c.get_giver_display()})",
            ((_("Kan deles"), c.scope), (_("Gjelder"), period)),
        )
    for r in case.referrals.select_related("made_by"):
        yield _line(
            r.made_at,
            K.REFERRAL,
            r.made_by,
            rules.service_name(r.service),
            (
                (_("Lovgrunnlag"), _law(rules, r.legal_basis)),
                (_("Hva gjelder henvisningen"), r.reason),
            ),
        )


RECORDS = (_handovers, _parents, _decisions, _measures, _advice, _sharing)


def case_chronology(*, case: Case) -> list[Entry]:
    """Everything that happened on the case, oldest first, with who, when and what."""
    rules = case_rules(municipality_id=case.municipality_id)
    events = list(case.events.select_related("actor").order_by("at", "pk"))
    lines: list[Entry] = []
    for records in RECORDS:
        lines += records(case, rules)
    lines += _event_lines(case, events)
    # Every write saves its record before its event, so at the same instant a record's line
    # goes first; the stable sort keeps that order.
    return sorted(lines, key=lambda line: line.at)
