"""Sharing and consent rules as the plan and the law say, each with its source.

What the plan says is written here from its text (the sections on BUP, the child welfare
service, the psykisk helse og rustjeneste and the duty to avert), not read from the plan data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from varde.cases.consent_rules import consent_check
from varde.cases.rules import case_rules, rules_from_document
from varde.cases.sharing_rules import sharing_table
from varde.people.models import Pupil
from varde.plan.document import PlanDocument

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "varde" / "plan" / "content" / "lunner.yaml"
DOC = ROOT / "docs" / "sharing-rules.md"


def lunner_rules():
    return rules_from_document(PlanDocument(yaml.safe_load(PLAN.read_text(encoding="utf-8"))))


def rows() -> dict[tuple[str, str], list[str]]:
    """The table of docs/sharing-rules.md, by (service, action)."""
    found = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| ") and not line.startswith("| Service"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            found[(cells[0], cells[1])] = cells[2:]
    return found


@pytest.mark.any_database
def test_the_table_in_the_docs_is_the_plans(tmp_path):
    """docs/sharing-rules.md is generated from the plan: change one, and this fails until
    `manage.py sharing_rules --write docs/sharing-rules.md` is run."""
    assert DOC.read_text(encoding="utf-8") == sharing_table(lunner_rules())
    written = tmp_path / "rules.md"
    call_command("sharing_rules", "--write", str(written))
    assert written.read_text(encoding="utf-8") == DOC.read_text(encoding="utf-8")


@pytest.mark.any_database
def test_the_table_says_what_the_plan_says():
    table = rows()
    bup = next(v for (s, a), v in table.items() if s.endswith("(BUP)") and "Henvisning" in a)
    bup_action = next(a for (s, a) in table if s.endswith("(BUP)") and "Henvisning" in a)
    # Referred by a GP, a psychologist or the child welfare leader, with a statement; under 16
    # the guardians consent too, from 16 the young person alone.
    assert "fastlege, psykolog eller barnevernsleder" in bup_action.lower()
    assert "uttalelse" in bup_action.lower()
    ages = ["6–11", "12–15", "16–17"]
    by_age = dict(zip(ages, bup[:3], strict=True))
    # "foresattes samtykke": each guardian with parental responsibility
    # (casework.consent.guardians).
    assert by_age["12–15"] == "pupil and each guardian with parental responsibility"
    assert by_age["16–17"] == "pupil"
    assert "BUP" in bup[3] and bup[4] == "–"
    # The child welfare service: anonymous consultation and the duty to inform need no consent.
    anonymous = table[("Barnevernet", "Drøfte saken anonymt")]
    assert anonymous[:3] == ["no consent"] * 3 and "Barnevernet" in anonymous[3]
    duty = table[("Barnevernet", "Melde bekymring (opplysningsplikten)")]
    assert duty[:3] == ["no consent"] * 3 and duty[3] == "Barnevernsloven § 13-2"
    # The duty to avert, to the police: no consent.
    avert = table[("Politiet", "Varsle for å avverge en alvorlig straffbar handling")]
    assert avert[:3] == ["no consent"] * 3 and "Straffeloven § 196" in avert[3]
    # The psykisk helse og rustjeneste takes young people from 16.
    service = "Psykisk helse og rustjeneste (fra 16 år)"
    follow_up = table[(service, "Individuell oppfølging etter søknad")]
    assert follow_up[:2] == ["not taken (from 16)"] * 2
    # Every rule that asks for consent and is not the plan's is marked for review.
    for (service_name, action), cells in table.items():
        if cells[4] == "–":
            assert cells[3] != "Varde", (service_name, action)


def test_a_rule_the_plan_does_not_give_says_so_where_it_is_applied(client, world):
    """Consent to the police and to the child welfare service for named cooperation is
    Varde's rule, not the plan's: the check says so, and the referral page shows it."""
    today = dt.date.today()
    rules = case_rules(municipality_id=world.case.municipality_id)
    for service in ("politiet", "barnevern", "skolehelsetjenesten", "unghadeland"):
        check = consent_check(case=world.case, service=service, on=today, rules=rules)
        assert check.review, service
    bup = consent_check(case=world.case, service="bup", on=today, rules=rules)
    assert not bup.review and "BUP" in bup.source
    client.force_login(world.teacher)
    page = " ".join(
        client.get(f"/ansatt/saker/{world.case.pk}/henvisning/", {"tjeneste": "politiet"})
        .content.decode()
        .split()
    )
    assert "Til kommunens juridiske vurdering" in page
    page = " ".join(
        client.get(f"/ansatt/saker/{world.case.pk}/henvisning/", {"tjeneste": "bup"})
        .content.decode()
        .split()
    )
    # The school does not refer to BUP: it asks the GP, writes the statement, or first
    # discusses the case in the consultation team.
    assert "Be om henvisning til BUP" in page
    assert "konsultasjonsteam" in page
    assert "Fastlege, psykolog eller barnevernsleder er bedt om å henvise" in page


def test_under_16_the_guardians_consent_to_bup_as_well(world):
    rules = case_rules(municipality_id=world.case.municipality_id)
    pupil = Pupil.objects.get(pk=world.case.pupil_id)
    on_15th = dt.date(pupil.birth_date.year + 15, 6, 1)
    on_16th = dt.date(pupil.birth_date.year + 16, 6, 1)
    assert consent_check(case=world.case, service="bup", on=on_15th, rules=rules).needs_guardian
    assert not consent_check(case=world.case, service="bup", on=on_16th, rules=rules).needs_guardian
