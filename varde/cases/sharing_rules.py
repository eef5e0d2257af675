"""The sharing and consent rules of a plan as one table: docs/sharing-rules.md is this table
for Lunner's plan, written by `manage.py sharing_rules --write docs/sharing-rules.md`, and a
test fails when the file and the plan differ.
"""

from __future__ import annotations

from dataclasses import dataclass

from varde.cases.consent_rules import consent_rule_for
from varde.cases.rules import CaseRules, SharingAction

# School ages: the youngest pupil and the oldest before they are of age.
YOUNGEST, OLDEST = 6, 17


@dataclass(frozen=True)
class Band:
    low: int
    high: int

    @property
    def title(self) -> str:
        return f"{self.low}–{self.high}"


def age_bands(rules: CaseRules) -> list[Band]:
    """School ages cut where any rule changes: the age the pupil consents from, and each
    service's age under which a guardian consents too."""
    cuts = {rules.pupil_consents_from, *(r.guardians_under for r in rules.consent_rules)}
    cuts = sorted(c for c in cuts if YOUNGEST < c <= OLDEST)
    lows = [YOUNGEST, *cuts]
    highs = [c - 1 for c in cuts] + [OLDEST]
    return [Band(low, high) for low, high in zip(lows, highs, strict=True)]


def service_actions(rules: CaseRules) -> list[SharingAction]:
    """Every action of every service the rules name: the plan's actions, sharing by a legal
    basis, and sharing under consent for a service with a consent rule and no action."""
    found = list(rules.sharing_actions)
    services = [r.service for r in rules.consent_rules]
    for action in rules.sharing_actions:
        if action.service not in services:
            services.append(action.service)
    for basis in rules.legal_bases:
        for service in basis.services:
            if not any(a.service == service and a.legal_basis == basis.key for a in found):
                found.append(
                    SharingAction(
                        service=service,
                        title=f"{basis.title} ({basis.law})",
                        consent="none",
                        legal_basis=basis.key,
                        source=basis.source or basis.law,
                    )
                )
            if service not in services:
                services.append(service)
    for service in services:
        if not any(a.service == service and a.consent == "rule" for a in found):
            found.append(
                SharingAction(service=service, title="Dele saken med navn", consent="rule")
            )
    order = {service: i for i, service in enumerate(services)}
    return sorted(found, key=lambda a: (order[a.service], a.consent != "none"))


def cell(rules: CaseRules, action: SharingAction, band: Band) -> str:
    """Who must consent for a pupil of the band's ages."""
    low, high = rules.service_ages(action.service)
    if low is not None and band.high < int(low):
        return f"not taken (from {low})"
    if high is not None and band.low > int(high):
        return f"not taken (up to {high})"
    if action.consent == "none":
        return "no consent"
    rule = consent_rule_for(rules, action.service)
    pupil = band.low >= rules.pupil_consents_from
    guardian = band.high < rule.guardians_under
    guardians = (
        "each guardian with parental responsibility"
        if rules.guardians_consent == "all"
        else "a guardian"
    )
    if pupil and guardian:
        return f"pupil and {guardians}"
    return "pupil" if pupil else guardians


def _escape(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def sharing_table(rules: CaseRules) -> str:
    """The rules as Markdown: one table, every service × action × age band, the rule, its
    source, and what is for the municipality's legal review."""
    bands = age_bands(rules)
    lines = [
        "# Sharing and consent rules",
        "",
        "Generated from the plan's `casework` section (`manage.py sharing_rules`); do not edit.",
        "For each service and what it can be asked to do, who must consent at each age. A rule",
        "marked *review* is not in the plan; Varde applies it until the municipality's legal",
        "review says otherwise.",
        "",
        f"- The pupil consents from {rules.pupil_consents_from} years. Source: "
        f"{_escape(rules.pupil_consents_source or 'Varde')}."
        + (
            f" *Review:* {_escape(rules.pupil_consents_review)}"
            if rules.pupil_consents_review
            else ""
        ),
        f"- A consent is valid for at most {rules.consent_max_months} months.",
        (
            "- Where guardians consent and two share parental responsibility, each of them who "
            "may be contacted consents."
            if rules.guardians_consent == "all"
            else "- Where guardians consent, one of them is enough."
        )
        + f" Source: {_escape(rules.guardians_consent_source or 'Varde')}."
        + (
            f" *Review:* {_escape(rules.guardians_consent_review)}"
            if rules.guardians_consent_review
            else ""
        ),
        "- A service with no rule of its own: the pupil, and a guardian until 18."
        + (
            f" *Review:* {_escape(rules.default_consent_review)}"
            if rules.default_consent_review
            else ""
        ),
        "",
        "| Service | Action | "
        + " | ".join(f"Age {b.title}" for b in bands)
        + " | Source | Review |",
        "|---|---|" + "---|" * len(bands) + "---|---|",
    ]
    for action in service_actions(rules):
        rule = consent_rule_for(rules, action.service)
        source = action.source or (rule.source if action.consent == "rule" else "")
        review = action.review or (rule.review if action.consent == "rule" else "")
        title = action.title
        if action.consent == "rule" and rule.requires:
            title += " (needs: " + "; ".join(r.title for r in rule.requires) + ")"
        cells = [cell(rules, action, band) for band in bands]
        lines.append(
            "| "
            + " | ".join(
                [
                    _escape(rules.service_name(action.service)),
                    _escape(title),
                    *cells,
                    _escape(source or "Varde"),
                    _escape(review) or "–",
                ]
            )
            + " |"
        )
    return "\n".join(lines) + "\n"
