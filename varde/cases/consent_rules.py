"""The consent rules, read: what the plan requires before a case is shared with a service,
and whether what is registered meets it. Writes (recording, inviting, referring) are in
varde.cases.consent, which services and views build on."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from varde.cases.models import Case, Consent
from varde.cases.rules import CaseRules, ConsentRule, case_rules
from varde.people.models import Guardian, User


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


def age_problem(rules: CaseRules, service: str, name: str, age: int) -> str:
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
        age_problem=age_problem(rules, service, name, age),
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
