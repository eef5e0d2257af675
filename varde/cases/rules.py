"""The plan's casework rules for a municipality, read from its published plan.

Decisions at each level of Lunnermodellen, when guardians must be told,
consent per service, legal bases for sharing without consent, advice and
retention all come from plan data (the plan's ``casework`` section), so a
municipality changes them by publishing a new plan version, not by code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from varde.lib.readonly import read_only
from varde.plan.document import PlanDocument
from varde.plan.models import PlanVersion
from varde.plan.selectors import plan_current


@dataclass(frozen=True)
class DecisionRule:
    key: str
    title: str
    text: str
    from_levels: tuple[int, ...]
    to_level: int | None
    closes: bool
    service: str
    legal_basis: str


@dataclass(frozen=True)
class LegalBasis:
    key: str
    title: str
    law: str
    services: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True)
class Requirement:
    key: str
    title: str


@dataclass(frozen=True)
class ConsentRule:
    service: str
    guardians_under: int
    requires: tuple[Requirement, ...]
    # Where the rule comes from: a section of the plan, or a law and paragraph ("Varde" when
    # neither), and, for a rule the plan does not give, why it is there: for legal review.
    source: str = ""
    review: str = ""
    # What the school's referral is called, when the school does not refer itself.
    referral_title: str = ""


@dataclass(frozen=True)
class SharingAction:
    """Something the plan says a service can be asked to do: without consent ("none"), or
    under the service's consent rule ("rule")."""

    service: str
    title: str
    consent: str
    legal_basis: str = ""
    source: str = ""
    review: str = ""


@dataclass(frozen=True)
class AgeBand:
    low: int
    high: int
    title: str


@dataclass(frozen=True)
class CaseRules:
    document: PlanDocument
    decisions: tuple[DecisionRule, ...] = ()
    must_inform: tuple[tuple[str, str], ...] = ()
    legal_bases: tuple[LegalBasis, ...] = ()
    consent_rules: tuple[ConsentRule, ...] = ()
    pupil_consents_from: int = 12
    pupil_consents_source: str = ""
    pupil_consents_review: str = ""
    # When guardians must consent and two share parental responsibility: "all" of them, or
    # "one"; with the rule's source and why it is there (for review).
    guardians_consent: str = "all"
    guardians_consent_source: str = ""
    guardians_consent_review: str = ""
    default_consent_review: str = ""
    sharing_actions: tuple[SharingAction, ...] = ()
    consent_max_months: int = 12
    # Why a pupil's view may be missing from the conversation: (key, title).
    no_view_reasons: tuple[tuple[str, str], ...] = ()
    role_services: dict[str, str] = field(default_factory=dict)
    advice_roles: tuple[str, ...] = ()
    age_bands: tuple[AgeBand, ...] = ()
    archived_days: int = 30
    closed_unarchived_days: int = 60
    escalate_after_days: int = 3
    # Days before a measure's evaluation date its responsible member of staff is reminded.
    measure_days_before: int = 3
    # Days the child welfare service has to confirm a report of concern before the school is
    # reminded to follow it up.
    child_welfare_follow_up_days: int = 7

    def decisions_at(self, level: int) -> list[DecisionRule]:
        return [d for d in self.decisions if level in d.from_levels]

    def decision(self, key: str) -> DecisionRule | None:
        return next((d for d in self.decisions if d.key == key), None)

    def legal_basis(self, key: str) -> LegalBasis | None:
        return next((b for b in self.legal_bases if b.key == key), None)

    def legal_bases_for(self, service: str) -> list[LegalBasis]:
        return [b for b in self.legal_bases if service in b.services]

    def consent_rule(self, service: str) -> ConsentRule | None:
        return next((r for r in self.consent_rules if r.service == service), None)

    def service_name(self, key: str) -> str:
        service = self.document.service(key)
        return str(service.get("name", key)) if service else key

    def service_ages(self, key: str) -> tuple[int | None, int | None]:
        service = self.document.service(key) or {}
        return service.get("age_min"), service.get("age_max")

    def age_band(self, age: int) -> str:
        band = next((b for b in self.age_bands if b.low <= age <= b.high), None)
        return band.title if band else ""

    def level_steps(self, level: int) -> list[dict[str, Any]]:
        levels = self.document.lunnermodellen.get("levels") or []
        found = next((lv for lv in levels if lv.get("level") == level), None)
        return list(found.get("steps") or []) if found else []

    def level_title(self, level: int) -> str:
        levels = self.document.lunnermodellen.get("levels") or []
        found = next((lv for lv in levels if lv.get("level") == level), None)
        return str(found.get("title", "")) if found else ""

    def purge_day(self, archived_on: dt.date) -> dt.date:
        return archived_on + dt.timedelta(days=self.archived_days)


def rules_from_document(document: PlanDocument) -> CaseRules:
    casework = document.casework
    consent = casework.get("consent") or {}
    advice = casework.get("advice") or {}
    retention = casework.get("retention") or {}
    return CaseRules(
        document=document,
        decisions=tuple(
            DecisionRule(
                key=d["key"],
                title=d.get("title", ""),
                text=d.get("text", ""),
                from_levels=tuple(d.get("from_levels") or ()),
                to_level=d.get("to_level"),
                closes=bool(d.get("close")),
                service=d.get("service", ""),
                legal_basis=d.get("legal_basis", ""),
            )
            for d in casework.get("decisions") or []
        ),
        must_inform=tuple(
            (m["key"], m.get("title", ""))
            for m in (casework.get("parents") or {}).get("must_inform") or []
        ),
        legal_bases=tuple(
            LegalBasis(
                b["key"],
                b.get("title", ""),
                b.get("law", ""),
                tuple(b.get("services") or ()),
                source=str(b.get("source") or ""),
            )
            for b in casework.get("legal_bases") or []
        ),
        consent_rules=tuple(
            ConsentRule(
                service=r["service"],
                guardians_under=int(r.get("guardians_under", 18)),
                requires=tuple(
                    Requirement(q["key"], q.get("title", "")) for q in r.get("requires") or []
                ),
                source=str(r.get("source") or ""),
                review=str(r.get("review") or ""),
                referral_title=str(r.get("referral_title") or ""),
            )
            for r in consent.get("services") or []
        ),
        pupil_consents_from=int(consent.get("pupil_from_age", 12)),
        pupil_consents_source=str(consent.get("pupil_from_age_source") or ""),
        pupil_consents_review=str(consent.get("pupil_from_age_review") or ""),
        guardians_consent=str((consent.get("guardians") or {}).get("required", "all")),
        guardians_consent_source=str((consent.get("guardians") or {}).get("source") or ""),
        guardians_consent_review=str((consent.get("guardians") or {}).get("review") or ""),
        default_consent_review=str(consent.get("default_review") or ""),
        sharing_actions=tuple(
            SharingAction(
                service=str(a["service"]),
                title=str(a.get("title", "")),
                consent=str(a.get("consent") or "rule"),
                legal_basis=str(a.get("legal_basis") or ""),
                source=str(a.get("source") or ""),
                review=str(a.get("review") or ""),
            )
            for a in consent.get("actions") or []
        ),
        consent_max_months=int(consent.get("max_months", 12)),
        no_view_reasons=tuple(
            (str(r["key"]), str(r.get("title", "")))
            for r in (casework.get("conversation") or {}).get("no_view_reasons") or []
        ),
        role_services=dict(consent.get("role_services") or {}),
        advice_roles=tuple(advice.get("roles") or ()),
        age_bands=tuple(
            AgeBand(int(b["from"]), int(b["to"]), str(b.get("title", "")))
            for b in advice.get("age_bands") or []
        ),
        archived_days=int(retention.get("archived_days", 30)),
        closed_unarchived_days=int(retention.get("closed_unarchived_days", 60)),
        escalate_after_days=int((casework.get("reminders") or {}).get("escalate_after_days", 3)),
        measure_days_before=int((casework.get("reminders") or {}).get("measure_days_before", 3)),
        child_welfare_follow_up_days=int(
            (casework.get("child_welfare") or {}).get("follow_up_days", 7)
        ),
    )


# The one cache of plan content: the rules worked out from a published version, with a read-only
# copy of its content (rules.document), by (version id, content hash). A published version
# never changes, so an entry is wrong only if a version's content were changed in the database
# without its hash, which no code in Varde does. The copy is read-only, so code that changes
# what it was given cannot change what the next request reads.
_RULES: dict[tuple[int, str], CaseRules] = {}
_RULES_KEPT = 64


def case_rules(*, municipality_id: int) -> CaseRules:
    """The rules of the municipality's published plan (empty rules if none is published)."""
    return case_rules_of(plan_current(municipality_id=municipality_id, content=False))


def case_rules_of(version: PlanVersion | None) -> CaseRules:
    """The rules of one plan version, for a caller that has the version already. A version
    read without its content (plan_current(content=False)) has it read only when this process
    has not worked out its rules yet: Django loads a deferred field when it is first used."""
    if version is None:
        return rules_from_document(PlanDocument({}))
    key = (version.pk, version.content_hash)
    rules = _RULES.get(key)
    if rules is None:
        if len(_RULES) >= _RULES_KEPT:
            _RULES.clear()
        rules = _RULES[key] = rules_from_document(PlanDocument(read_only(version.content)))
    return rules
