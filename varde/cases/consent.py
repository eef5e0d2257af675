"""Consent, participants and referrals: who may learn about the pupil, and on what ground.

Sharing a case with a service outside the school needs valid consent, given
as the plan's consent rules say (the pupil from one age, the guardians too
under another, extra requirements for some services). Without it, sharing is
refused with a plain explanation of what is missing, except where the law
requires sharing (the duty to inform child welfare, the duty to avert); then
the legal basis and a written reason are recorded and shown to leadership.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from varde.cases.consent_rules import (
    ConsentCheck,
    add_months,
    age_problem,
    consent_check,
    consent_is_valid,
    consent_rule_for,
    referral_services,
    role_service,
)
from varde.cases.models import Case, CaseEvent, CaseParticipant, Consent, Referral
from varde.cases.rules import CaseRules, LegalBasis, case_rules
from varde.cases.selectors import case_list_rows
from varde.cases.services import case_event_record, case_may_steer
from varde.lib.text import has_bidi_controls
from varde.people.forms import bidi_message
from varde.people.models import Guardian, RoleAssignment, User
from varde.people.roles import SCHOOL_ROLES


class SharingRefused(ValueError):
    """A write the plan's consent rules do not allow; `reasons` say why, in bokmål.

    `field` names the form field the refusal is about, when it is about one, so a page can
    show the reason next to that field rather than only above the form.
    """

    def __init__(self, reasons: Iterable[str], *, field: str = "") -> None:
        self.reasons = list(reasons)
        self.field = field
        super().__init__(" ".join(self.reasons))


# ---------------------------------------------------------------- reads


def invite_candidates(*, case: Case) -> list[User]:
    """Active staff at the case's school who are not yet in the case."""
    taken = {case.owner_id, *case.participants.values_list("user_id", flat=True)}
    ids = (
        RoleAssignment.objects.filter(school_id=case.school_id, role__in=SCHOOL_ROLES)
        .exclude(user_id__in=taken)
        .values("user_id")
    )
    # The roles land where User.assignments caches them, so labels cost no query per person.
    roles = Prefetch(
        "role_assignments",
        queryset=RoleAssignment.objects.select_related(
            "school", "school__municipality", "municipality", "slt_region"
        ),
        to_attr="assignments",
    )
    return list(User.objects.filter(pk__in=ids, is_active=True).prefetch_related(roles))


@dataclass(frozen=True)
class ByLaw:
    """Something shared without consent on a legal basis, for leadership to see."""

    what: str
    basis: str
    reason: str
    at: dt.datetime
    by: User


@dataclass(frozen=True)
class Sharing:
    participants: list[CaseParticipant]
    consents: list[Consent]
    referrals: list[Referral]
    by_law: list[ByLaw]
    may_share: bool


def _basis_text(rules: CaseRules, key: str) -> str:
    basis = rules.legal_basis(key)
    return f"{basis.title} ({basis.law})" if basis else key


def sharing_overview(
    *,
    case: Case,
    user: Any,
    rules: CaseRules | None = None,
    present: frozenset[str] | None = None,
) -> Sharing:
    """The case page's sharing panel: participants, valid consents, sharing by law.

    At most three queries whatever the size of the case; none for a list that `present`
    (from case_lists_present) says is empty. The case itself was reached through the access
    helper, which audited the read.
    """
    today = timezone.localdate()
    rules = rules or case_rules(municipality_id=case.municipality_id)
    participants = case_list_rows(
        case, "participants", present, "pk", related=("user", "invited_by")
    )
    consents = [
        c for c in case_list_rows(case, "consents", present) if consent_is_valid(c, on=today)
    ]
    referrals = case_list_rows(case, "referrals", present, related=("made_by",))
    for item in [*participants, *consents, *referrals]:
        item.service_name = rules.service_name(item.service) if item.service else ""
    by_law = [
        ByLaw(
            str(p.user),
            _basis_text(rules, p.legal_basis),
            p.legal_reason,
            p.invited_at,
            p.invited_by,
        )
        for p in participants
        if p.legal_basis
    ] + [
        ByLaw(
            rules.service_name(r.service),
            _basis_text(rules, r.legal_basis),
            r.reason,
            r.made_at,
            r.made_by,
        )
        for r in referrals
        if r.legal_basis
    ]
    return Sharing(
        participants=participants,
        consents=consents,
        referrals=referrals,
        by_law=sorted(by_law, key=lambda b: b.at),
        may_share=case_may_steer(user, case),
    )


# ---------------------------------------------------------------- writes


def _shared(
    *, actor: Any, case: Case, kind: str, reason: str, who: str, basis: LegalBasis | None
) -> None:
    """The chronology line of a sharing, and a second one when it was done by law."""
    case_event_record(actor=actor, case=case, kind=kind, reason=reason, summary=who)
    if basis:
        case_event_record(
            actor=actor,
            case=case,
            kind=CaseEvent.Kind.SHARED_BY_LAW,
            reason="Delt uten samtykke etter lov",
            summary=f"{who}: {basis.title} ({basis.law})",
        )


@transaction.atomic
def consent_record(
    *,
    actor: Any,
    case: Case,
    service: str,
    giver: str,
    scope: str,
    valid_from: dt.date,
    valid_until: dt.date,
    giver_name: str = "",
    guardian: Guardian | None = None,
) -> Consent:
    """Record consent from the pupil or a named guardian (from the register, or by name), to
    share `scope` with `service`."""
    rules = case_rules(municipality_id=case.municipality_id)
    if rules.consent_rule(service) is None:
        raise SharingRefused(
            [_("Planen har ingen samtykkeregler for denne tjenesten.")], field="service"
        )
    # A consent to a service that will not take the pupil shares nothing lawful: the plan's
    # age limits are checked on the day the consent starts, as a referral would check them.
    too_young_or_old = age_problem(
        rules, service, rules.service_name(service), case.pupil.age_on(valid_from)
    )
    if too_young_or_old:
        raise SharingRefused([too_young_or_old], field="service")
    if valid_until < valid_from:
        raise SharingRefused([_("Sluttdatoen kan ikke være før startdatoen.")], field="valid_until")
    latest = add_months(valid_from, rules.consent_max_months)
    if valid_until > latest:
        raise SharingRefused(
            [
                _("Et samtykke kan vare i høyst %(months)s måneder, til og med %(day)s.")
                % {"months": rules.consent_max_months, "day": date_format(latest, _("j. F Y"))}
            ],
            field="valid_until",
        )
    if giver == Consent.Giver.PUPIL:
        if case.pupil.age_on(valid_from) < rules.pupil_consents_from:
            raise SharingRefused(
                [
                    _("Eleven samtykker selv fra %(age)s år. Før det gir foresatte samtykke.")
                    % {"age": rules.pupil_consents_from}
                ],
                field="giver",
            )
        giver_name = case.pupil.full_name
        guardian = None
    elif guardian is not None:
        if guardian.pupil_id != case.pupil_id:
            raise SharingRefused([_("Velg en foresatt til eleven.")], field="guardian")
        giver_name = guardian.name
    elif not giver_name.strip():
        raise SharingRefused(
            [_("Skriv navnet på den foresatte som samtykker.")], field="giver_name"
        )
    elif has_bidi_controls(giver_name):
        raise SharingRefused([bidi_message(giver_name)], field="giver_name")
    consent = Consent(
        case=case,
        giver=giver,
        giver_name=giver_name.strip(),
        guardian=guardian,
        service=service,
        scope=scope,
        valid_from=valid_from,
        valid_until=valid_until,
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.CONSENT_GIVEN,
        reason="Samtykke registrert",
        summary=f"{rules.service_name(service)}: {consent.giver_name} "
        f"({date_format(valid_from, 'j.n.Y')}–{date_format(valid_until, 'j.n.Y')})",
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor: Any, consent: Consent) -> Consent:
    """Withdraw consent from now on. Anyone in the case may record it; it is never blocked."""
    consent = Consent.objects.select_for_update().select_related("case").get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise SharingRefused([_("Samtykket er allerede trukket tilbake.")])
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    rules = case_rules(municipality_id=consent.case.municipality_id)
    case_event_record(
        actor=actor,
        case=consent.case,
        kind=CaseEvent.Kind.CONSENT_WITHDRAWN,
        reason="Samtykke trukket tilbake",
        summary=f"{rules.service_name(consent.service)}: {consent.giver_name}",
    )
    return consent


def _by_law(
    rules: CaseRules, service: str, check: ConsentCheck, legal_basis: str, reason: str
) -> LegalBasis | None:
    """The legal basis that lets the sharing go ahead without consent, or a refusal."""
    if check.ok:
        return None
    if not legal_basis or not check.law_may_override:
        raise SharingRefused(check.missing)
    basis = rules.legal_basis(legal_basis)
    if basis is None or service not in basis.services:
        raise SharingRefused(
            [
                *check.missing,
                _("Det valgte lovgrunnlaget gjelder ikke for %(service)s.")
                % {"service": check.service_name},
            ]
        )
    if not reason.strip():
        raise SharingRefused(
            [_("Skriv hvorfor loven krever at opplysningene deles uten samtykke.")]
        )
    return basis


@transaction.atomic
def participant_invite(
    *, actor: Any, case: Case, user: User, legal_basis: str = "", legal_reason: str = ""
) -> CaseParticipant:
    """Invite a member of staff at the case's school into the case; they see it from then on.

    Staff from a service outside the school (the plan's role_services) need
    valid consent to that service, or a legal basis with a written reason.
    """
    case = Case.objects.select_for_update().select_related("pupil").get(pk=case.pk)
    if not case_may_steer(actor, case):
        raise SharingRefused([_("Bare eieren eller skolens ledelse kan invitere inn i saken.")])
    if case.status != Case.Status.OPEN:
        raise SharingRefused([_("Saken er avsluttet.")])
    if not user.is_active or case.school_id not in user.school_ids():
        raise SharingRefused([_("Bare aktive ansatte ved elevens skole kan inviteres.")])
    if user.pk == case.owner_id or case.participants.filter(user=user).exists():
        raise SharingRefused([_("%(name)s er allerede med i saken.") % {"name": user}])
    rules = case_rules(municipality_id=case.municipality_id)
    service = role_service(rules, user, case)
    basis = None
    if service:
        check = consent_check(case=case, service=service, rules=rules)
        basis = _by_law(rules, service, check, legal_basis, legal_reason)
    participant = CaseParticipant(
        case=case,
        user=user,
        invited_by=actor,
        invited_at=timezone.now(),
        service=service,
        legal_basis=basis.key if basis else "",
        legal_reason=legal_reason.strip() if basis else "",
    )
    participant.full_clean()
    participant.save()
    _shared(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.INVITED,
        reason="Invitert inn i saken",
        who=str(user),
        basis=basis,
    )
    return participant


@transaction.atomic
def referral_make(
    *,
    actor: Any,
    case: Case,
    service: str,
    reason: str,
    confirmed: Iterable[str] = (),
    legal_basis: str = "",
) -> Referral:
    """Refer or report the case to a service outside the school.

    Needs the pupil's age within the service's limits, the service's
    requirements confirmed, and valid consent, or, for consent only, a legal
    basis the plan gives for the service; the reason is always written down.
    """
    case = Case.objects.select_for_update().select_related("pupil").get(pk=case.pk)
    if not case_may_steer(actor, case):
        raise SharingRefused([_("Bare eieren eller skolens ledelse kan henvise saken.")])
    if case.status != Case.Status.OPEN:
        raise SharingRefused([_("Saken er avsluttet.")])
    rules = case_rules(municipality_id=case.municipality_id)
    if service not in dict(referral_services(rules)):
        raise SharingRefused([_("Velg en tjeneste fra planen.")])
    known = {req.key for req in consent_rule_for(rules, service).requires}
    confirmed = sorted(set(confirmed) & known)
    if not reason.strip():
        raise SharingRefused([_("Skriv hva henvisningen gjelder.")])
    check = consent_check(case=case, service=service, rules=rules, confirmed=confirmed)
    basis = _by_law(rules, service, check, legal_basis, reason)
    referral = Referral(
        case=case,
        service=service,
        made_at=timezone.now(),
        made_by=actor,
        requirements_met=confirmed,
        legal_basis=basis.key if basis else "",
        reason=reason.strip(),
    )
    referral.full_clean()
    referral.save()
    _shared(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.REFERRAL,
        reason="Henvisning",
        who=rules.service_name(service),
        basis=basis,
    )
    return referral
