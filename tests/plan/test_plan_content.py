"""The loaded plan holds everything in the source document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from varde.plan.document import PlanDocument
from varde.plan.selectors import plan_current

# The plan as Lunner published it; the data in varde/plan/content/lunner.yaml comes from it.
SOURCE = (
    Path(__file__).resolve().parents[2] / "docs" / "source" / "lunner-rusforebyggende-arbeid.txt"
)

# The headings of the source document, in order, as they stand there.
HEADINGS = [
    "Rusforebyggende arbeid",
    "Planen bygger på",
    "Innledning",
    "Lunnermodellen",
    "Dette skal vi bruke i Lunner-skolen",
    "«Utsett!» fra KORUS (Kompetansesenter for rusfeltet)",
    "«Kjentmann»: Opplæring for ansatte i skolen (KORUS)",
    "Skolens rutine for oppfølging ved bruk av rus",
    "Hvem gjør hva i det rusforebyggende arbeidet?",
    "Foreldre / foresatte",
    "Skolens overordnede ansvar",
    "Lærerens rolle",
    "Samarbeid skole- hjem",
    "Hvem har relevant kompetanse på rus i Lunnerskolen?",
    "Kjentmann",
    "LOS i ungdomsskolene",
    "Skolens samarbeidspartnere i det rusforebyggende arbeidet",
    "Skolehelsetjenesten",
    "Pedagogisk psykologisk tjeneste (PPT)",
    "UngHadeland",
    "Barnevernet",
    "Familieteam",
    "Kommunepsykolog",
    "Fastleger",
    "Psykisk helse og rustjeneste (fra 16 år)",
    "Rådgivende enhet for russaker",
    "Barne- og ungdomspsykiatrisk poliklinikk (BUP)",
    "Politiet",
    "Samordning av lokale rus- og kriminalitetsforebyggende tiltak (SLT)",
    "Politiråd",
    "Ressurser og nettsider",
    "Vedlegg",
    "Samarbeidsrutinen for arbeid med SLT i skolene",
]

PHONE = re.compile(r"(?<!\d)(\d{2} \d{2} \d{2} \d{2}|\d{3} \d{3}|0\d{4})(?!\d)")


def normalise(text: str) -> str:
    """Compare headings without the PDF's stray spaces, colons and full stops."""
    text = re.sub(r"\s+", " ", text.replace("\u00ad", "")).replace("- ", "-")
    return text.strip().rstrip(".:").strip().casefold()


@pytest.fixture
def document(world) -> PlanDocument:
    return PlanDocument(plan_current(municipality=world.lunner).content)


def source_lines() -> list[str]:
    return [
        line.strip() for line in SOURCE.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


@pytest.mark.any_database
def test_every_listed_heading_stands_in_the_source():
    lines = {normalise(line) for line in source_lines()}
    missing = [h for h in HEADINGS if normalise(h) not in lines]
    assert missing == []


def test_every_heading_of_the_source_is_a_title_in_the_plan(document):
    titles = {normalise(h.title) for h in document.headings()}
    missing = [h for h in HEADINGS if normalise(h) not in titles]
    print(f"plan headings: {len(HEADINGS)} checked, {len(missing)} missing")
    assert missing == []


def test_every_phone_number_of_the_source_is_a_contact_in_the_plan(document):
    numbers = set(PHONE.findall(SOURCE.read_text(encoding="utf-8")))
    assert {"02800", "64 99 32 70", "116 111"} <= numbers
    in_plan = {re.sub(r"\D", "", n) for n in document.phone_numbers()}
    missing = sorted(n for n in numbers if re.sub(r"\D", "", n) not in in_plan)
    print(f"plan phone numbers: {len(numbers)} checked, {len(missing)} missing")
    assert missing == []


def test_every_word_of_the_source_is_in_the_plan(document):
    words = lambda text: set(re.findall(r"[\wæøåÆØÅ]+", text.casefold()))  # noqa: E731
    plan_words = words(document.all_text())
    # Line-end hyphenation in the source: "undrings-" + "skjemaet" is one word.
    source = SOURCE.read_text(encoding="utf-8").replace("undrings-skjemaet", "undringsskjemaet")
    missing = sorted(words(source) - plan_words)
    print(f"plan words: {len(words(source))} checked, {len(missing)} missing")
    assert missing == []


def test_the_three_routines_have_steps_and_someone_responsible(document):
    assert [r["key"] for r in document.routines] == ["worry", "intoxicated", "drug_sale"]
    for routine in document.routines:
        assert routine["steps"] and routine["responsible"] and routine["responsible_roles"]


def test_age_limits_are_data(document):
    assert document.service("psykisk_helse_rus")["age_min"] == 16
    assert document.service("bup")["age_max"] == 17
