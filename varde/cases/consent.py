"""Consent, participants and referrals: who may learn about the pupil, and on what ground.

Sharing a case with a service outside the school needs valid consent, given
as the plan's consent rules say (the pupil from one age, the guardians too
under another, extra requirements for some services). Without it, sharing is
refused with a plain explanation of what is missing, except where the law
requires sharing (the duty to inform child welfare, the duty to avert); then
the legal basis and a written reason are recorded and shown to leadership.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from varde.cases.models import Case, CaseEvent, CaseParticipant, Consent, Referral
from varde.cases.rules import CaseRules, ConsentRule, LegalBasis, case_rules
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


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it has no such day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def consent_is_valid(consent: Consent, *, on: dt.date) -> bool:
    """Withdrawn or expired consent, or consent not yet in force, does not count."""
    return consent.withdrawn_at is None and consent.valid_from <= on <= consent.valid_until


def consent_state(consent: Consent, *, on: dt.date) -> str:
    if consent.withdrawn_at is not None:
        return "withdrawn"
    if consent.valid_until < on:
        return "expired"
    if consent.valid_from > on:
        return "future"
    return "valid"


@dataclass(frozen=True)
class ConsentCheck:
    """Whether the case may be shared with a service on a day, and if not, what is missing.

    An age outside the service's limits and unconfirmed requirements (such as a
    referral from a GP) are refusals no legal basis lifts; missing consent is
    lifted by a legal basis the plan gives for the service.
    """

    service: str
    service_name: str
    age: int
    age_problem: str = ""
    requirements_missing: tuple[str, ...] = ()
    consents_missing: tuple[str, ...] = ()
    consents: tuple[Consent, ...] = field(default=(), compare=False)
    needs_pupil: bool = False
    needs_guardian: bool = False
    # Under the rule that every guardian with parental responsibility consents: the register's
    # guardians (ids) who have and who have not.
    guardians_consented: tuple[int, ...] = ()
    guardians_missing: tuple[int, ...] = ()
    # The rule's source, and why it is there when the plan does not give it (for review).
    source: str = ""
    review: str = ""

    @property
    def ok(self) -> bool:
        return not self.missing

    @property
    def missing(self) -> list[str]:
        first = [self.age_problem] if self.age_problem else []
        return [*first, *self.requirements_missing, *self.consents_missing]

    @property
    def law_may_override(self) -> bool:
        return (
            bool(self.consents_missing) and not self.age_problem and not self.requirements_missing
        )

    @property
    def short(self) -> str:
        """What is missing in a few words, for a list of services."""
        if self.age_problem:
            return _("Utenfor aldersgrensen.")
        if self.guardians_missing:
            guardians = ngettext(
                "Mangler samtykke fra %(n)s foresatt med foreldreansvar.",
                "Mangler samtykke fra %(n)s foresatte med foreldreansvar.",
                len(self.guardians_missing),
            ) % {"n": len(self.guardians_missing)}
            return (_("Mangler samtykke fra eleven.") + " " if self.needs_pupil else "") + guardians
        if self.needs_pupil and self.needs_guardian:
            return _("Mangler samtykke fra eleven og en foresatt.")
        if self.needs_pupil:
            return _("Mangler samtykke fra eleven.")
        if self.needs_guardian:
            return _("Mangler samtykke fra en foresatt.")
        return " ".join(self.requirements_missing)


def consent_rule_for(rules: CaseRules, service: str) -> ConsentRule:
    """The service's consent rule. A service the plan gives no rule is treated as strictly as
    the law allows, the guardians consenting until the pupil is of age, and the rule says that
    it is Varde's, for the municipality's legal review."""
    return rules.consent_rule(service) or ConsentRule(
        service=service,
        guardians_under=18,
        requires=(),
        source="Varde",
        review=rules.default_consent_review,
    )


def _age_problem(rules: CaseRules, service: str, name: str, age: int) -> str:
    low, high = rules.service_ages(service)
    if low is not None and age < int(low):
        return _("%(service)s tar imot fra %(low)s år. Eleven er %(age)s.") % {
            "service": name,
            "low": low,
            "age": age,
        }
    if high is not None and age > int(high):
        return _("%(service)s tar imot til og med %(high)s år. Eleven er %(age)s.") % {
            "service": name,
            "high": high,
            "age": age,
        }
    return ""


def consent_check(
    *,
    case: Case,
    service: str,
    on: dt.date | None = None,
    confirmed: Iterable[str] | None = None,
    rules: CaseRules | None = None,
    consents: Iterable[Consent] | None = None,
    asked: Sequence[int] | None = None,
) -> ConsentCheck:
    """What the plan requires before sharing the case with `service` on day `on`.

    `confirmed` are the keys of the service's requirements confirmed on a
    referral; when it is None the requirements are not checked (an invitation
    into the case is not a referral). `asked` are the guardians asked for consent
    (guardians_asked), read here when not given.
    """
    on = on or timezone.localdate()
    rules = rules or case_rules(municipality_id=case.municipality_id)
    rule = consent_rule_for(rules, service)
    name = rules.service_name(service)
    age = case.pupil.age_on(on)
    pool = list(consents) if consents is not None else list(case.consents.all())
    valid = [c for c in pool if c.service == service and consent_is_valid(c, on=on)]
    requirements: list[str] = []
    if confirmed is not None:
        done = set(confirmed)
        requirements = [
            _("Ikke bekreftet: %(what)s.") % {"what": req.title}
            for req in rule.requires
            if req.key not in done
        ]
    missing: list[str] = []
    givers = {c.giver for c in valid}
    needs_pupil = age >= rules.pupil_consents_from and Consent.Giver.PUPIL not in givers
    needs_guardian = age < rule.guardians_under and Consent.Giver.GUARDIAN not in givers
    consented: tuple[int, ...] = ()
    waiting: tuple[int, ...] = ()
    if age < rule.guardians_under and rules.guardians_consent == "all":
        asked = guardians_asked(case) if asked is None else asked
        given = {c.guardian_id for c in valid if c.giver == Consent.Giver.GUARDIAN}
        consented = tuple(pk for pk in asked if pk in given)
        waiting = tuple(pk for pk in asked if pk not in given)
        needs_guardian = needs_guardian or bool(waiting)
    if needs_pupil:
        missing.append(
            _("Samtykke fra eleven til %(service)s mangler (fra %(from)s år samtykker eleven).")
            % {"service": name, "from": rules.pupil_consents_from}
        )
    if needs_guardian and waiting:
        missing.append(
            _(
                "Samtykke til %(service)s mangler fra %(missing)s av %(total)s foresatte med "
                "foreldreansvar (under %(under)s år må hver av dem samtykke)."
            )
            % {
                "service": name,
                "missing": len(waiting),
                "total": len(waiting) + len(consented),
                "under": rule.guardians_under,
            }
        )
    elif needs_guardian:
        missing.append(
            _(
                "Samtykke fra en foresatt til %(service)s mangler "
                "(under %(under)s år må foresatte også samtykke)."
            )
            % {"service": name, "under": rule.guardians_under}
        )
    return ConsentCheck(
        service=service,
        service_name=name,
        age=age,
        age_problem=_age_problem(rules, service, name, age),
        requirements_missing=tuple(requirements),
        consents_missing=tuple(missing),
        consents=tuple(valid),
        needs_pupil=needs_pupil,
        needs_guardian=needs_guardian,
        guardians_consented=consented,
        guardians_missing=waiting,
        source=rule.source,
        review=rule.review,
    )


def guardians_asked(case: Case) -> list[int]:
    """The guardians whose consent the rule "all" asks for: every guardian of the pupil with
    parental responsibility who may be contacted. Ids only, read for the rule; pages name the
    guardians they show through guardians_for."""
    return list(
        Guardian.objects.filter(pupil_id=case.pupil_id, parental_responsibility=True)
        .exclude(restriction=Guardian.Restriction.NO_CONTACT)
        .values_list("pk", flat=True)
    )


def consent_services(rules: CaseRules) -> list[tuple[str, str]]:
    """The services consent can be given to: those the plan has consent rules for."""
    return [(r.service, rules.service_name(r.service)) for r in rules.consent_rules]


def referral_services(rules: CaseRules) -> list[tuple[str, str]]:
    """Services a case can be referred or reported to: with consent rules or a legal basis."""
    keys = [r.service for r in rules.consent_rules]
    for basis in rules.legal_bases:
        keys += [s for s in basis.services if s not in keys]
    return [(key, rules.service_name(key)) for key in keys if rules.document.service(key)]


def role_service(rules: CaseRules, user: User, case: Case) -> str:
    """The outside service a member of staff comes from at the case's school, if any."""
    roles = [a.role for a in user.assignments if a.school_id == case.school_id]
    return next((rules.role_services[r] for r in roles if r in rules.role_services), "")


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
    age_problem = _age_problem(
        rules, service, rules.service_name(service), case.pupil.age_on(valid_from)
    )
    if age_problem:
        raise SharingRefused([age_problem], field="service")
    if valid_until < valid_from:
        raise SharingRefused([_("Sluttdatoen kan ikke være før startdatoen.")], field="valid_until")
    latest = add_months(valid_from, rules.consent_max_months)
    if valid_until > latest:
        raise SharingRefused(
            [
                _("Et samtykke kan vare i høyst %(months)s måneder, til og med %(day)s.")
                % {"months": rules.consent_max_months, "day": date_format(latest, "j. F Y")}
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
