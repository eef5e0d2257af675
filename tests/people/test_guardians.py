"""The guardian register: imported with the pupils, sealed at rest, shown where a principal
must call, restrictions first, each read audited."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.lib.test_canary import raw_database_bytes
from tests.people.test_import import apply, born, csv_text, snapshot
from varde.audit.models import AuditEntry
from varde.people.importer import import_apply, import_decode, import_parse
from varde.people.models import Guardian, Pupil

HEADER = (
    "type;id;fornavn;etternavn;fodselsdato;skole;trinn;elev_id;relasjon;telefon;epost;"
    "foreldreansvar;bor_med_eleven;sprak;tolk;sperre;sperre_grunn"
)
PUPILS = [
    f"elev;E1;Petter;Smart;{born(13)};TU;8;;;;;;;;;;",
    f"elev;E2;Siri;Smart;{born(10)};TB;5;;;;;;;;;;",
]
GUARDIANS = [
    "foresatt;F1;Mona;Smart;;;;E1;mor;906 42 577;mona@example.no;ja;ja;;;;",
    "foresatt;F1;Mona;Smart;;;;E2;mor;906 42 577;mona@example.no;ja;ja;;;;",
    "foresatt;F2;Arne;Smart;;;;E1;far;+47 412 34 567;;ja;nei;;;ikke kontakt;Besøksforbud",
    "foresatt;F3;Layla;Haddad;;;;E2;fosterforelder;915 55 555;;nei;ja;arabisk;ja;;",
]


def text(rows: list[str], *, bom: bool = False, delimiter: str = ";") -> str:
    return ("\ufeff" if bom else "") + csv_text(rows, header=HEADER, delimiter=delimiter)


def test_guardians_import_from_a_semicolon_file_with_a_bom(testvik):
    data = text(PUPILS + GUARDIANS, bom=True).encode("utf-8")
    report = import_apply(municipality=testvik, text=import_decode(data=data), actor=None)
    assert report.errors == [] and report.applied
    assert report.guardians.as_dict() == {"created": 4, "updated": 0, "unchanged": 0}
    petter = Pupil.objects.get(external_id="E1")
    mona, arne = Guardian.objects.filter(pupil=petter).order_by("external_id")
    assert (mona.name, mona.relation, mona.phone) == ("Mona Smart", "mother", "906 42 577")
    assert mona.tel == "tel:90642577" and mona.parental_responsibility
    assert (arne.restriction, arne.restriction_reason) == ("no_contact", "Besøksforbud")
    assert arne.restriction_set_by and arne.restriction_set_at and not arne.lives_with_pupil
    layla = Guardian.objects.get(pupil__external_id="E2", external_id="F3")
    assert layla.needs_interpreter and layla.language == "arabisk"
    assert not layla.parental_responsibility
    # The same file again changes nothing.
    before = snapshot()
    again = import_apply(municipality=testvik, text=import_decode(data=data), actor=None)
    assert again.guardians.as_dict() == {"created": 0, "updated": 0, "unchanged": 4}
    assert Guardian.objects.count() == 4
    assert snapshot()["pupils"] == before["pupils"]


def test_guardians_from_a_comma_file(testvik):
    report = apply(testvik, [], header=HEADER)  # nothing: a header alone
    assert report.errors == []
    report = import_apply(
        municipality=testvik, text=text(PUPILS + GUARDIANS, delimiter=","), actor=None
    )
    assert report.errors == [] and Guardian.objects.count() == 4


def test_names_phones_and_reasons_are_sealed_at_rest(testvik):
    import_apply(municipality=testvik, text=text(PUPILS + GUARDIANS), actor=None)
    raw = raw_database_bytes()
    for secret in ("Mona Smart", "906 42 577", "mona@example.no", "Besøksforbud", "arabisk"):
        assert secret.encode() not in raw, secret


def test_a_guardian_no_longer_in_the_file_is_removed_and_changes_are_audited(testvik):
    import_apply(municipality=testvik, text=text(PUPILS + GUARDIANS), actor=None)
    moved = GUARDIANS[0].replace("906 42 577", "900 00 001")
    rows = PUPILS + [moved, GUARDIANS[1], GUARDIANS[3]]
    report = import_apply(municipality=testvik, text=text(rows), actor=None)
    assert report.guardians.as_dict() == {"created": 0, "updated": 1, "unchanged": 2}
    assert report.guardians_removed == 1
    assert not Guardian.objects.filter(external_id="F2").exists()
    assert Guardian.objects.get(pupil__external_id="E1", external_id="F1").phone == "900 00 001"
    actions = set(
        AuditEntry.objects.filter(object_type="guardian").values_list("action", flat=True)
    )
    assert actions == {"create", "update", "delete"}
    assert not AuditEntry.objects.filter(object_type="guardian", pupil_id__isnull=True).exists()
    # A pupil with no guardian rows in the file keeps the guardians Varde has.
    report = import_apply(municipality=testvik, text=text(PUPILS), actor=None)
    assert report.guardians_removed == 0 and Guardian.objects.count() == 3


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("foresatt;F9;Ny;Person;;;;E404;mor;;;;;;;;", "Fant ingen elev med elev-ID «E404»"),
        ("foresatt;F9;Ny;Person;;;;E1;onkel;;;;;;;;", "Ukjent relasjon «onkel»"),
        ("foresatt;F9;Ny;Person;;;;E1;mor;;;kanskje;;;;;", "«foreldreansvar» må være «ja» eller"),
        ("foresatt;F9;Ny;Person;;;;E1;mor;;;;;;;ikke kontakt;", "Skriv hvorfor i kolonnen"),
        ("foresatt;F9;Ny;Person;;;;E1;mor;;;;;;;flyttet;", "Ukjent sperre «flyttet»"),
        ("foresatt;F9;Ny;Person;;;;;mor;;;;;;;;", "Mangler verdi i kolonnen «elev_id»."),
        ("foresatt;F9;Ny;Person;;;;E1;mor;;ikke-epost;;;;;;", "ikke-epost"),
    ],
)
def test_a_bad_guardian_row_is_reported_with_its_line(testvik, row, message):
    report = import_parse(municipality=testvik, text=text([*PUPILS, row]))
    assert [e.line for e in report.errors] == [4]
    assert message in report.errors[0].message, report.errors[0].message
    assert (
        import_apply(municipality=testvik, text=text([*PUPILS, row]), actor=None).applied is False
    )
    assert Guardian.objects.count() == 0


def test_one_guardian_twice_for_one_pupil_is_an_error(testvik):
    report = import_parse(municipality=testvik, text=text([*PUPILS, GUARDIANS[0], GUARDIANS[0]]))
    assert [(e.line, e.message) for e in report.errors] == [
        (5, "Foresatt-ID «E1/F1» står to ganger i filen (linje 4 og 5).")
    ]


# Where a principal needs them.


def register(world) -> tuple[Guardian, Guardian, Guardian]:
    """Petter's mother (responsibility, needs an interpreter), his father (must not be
    contacted) and a step-parent without parental responsibility."""
    mother = Guardian.objects.create(
        pupil=world.pupil,
        external_id="G1",
        name="Mona Elev",
        relation="mother",
        phone="906 42 577",
        parental_responsibility=True,
        language="somali",
        needs_interpreter=True,
    )
    father = Guardian.objects.create(
        pupil=world.pupil,
        external_id="G2",
        name="Arne Elev",
        relation="father",
        phone="412 34 567",
        parental_responsibility=True,
        restriction="no_contact",
        restriction_reason="Besøksforbud",
        restriction_set_by="Anne Admin",
    )
    other = Guardian.objects.create(
        pupil=world.pupil,
        external_id="G3",
        name="Stein Steffar",
        relation="guardian",
        phone="999 99 999",
        parental_responsibility=False,
    )
    return mother, father, other


def test_the_parents_step_of_the_intoxication_routine_shows_whom_to_call(client, world):
    from tests.incidents.helpers import start_intoxicated

    register(world)
    incident = start_intoxicated(client, world, world.principal)
    page = client.get(f"/ansatt/hendelser/{incident.pk}/").content.decode()
    step = page[page.index('id="step-parents"') :]
    step = step[: step.index('id="step-follow_up"')]
    # The plan's reminder to consult the pupil first, then the guardians.
    assert step.index("i samråd med eleven") < step.index("Mona Elev")
    # Responsibility first; the father's restriction above his name and number, no tel: link.
    assert step.index("Mona Elev") < step.index("Arne Elev") < step.index("Stein Steffar")
    assert step.index("Skal ikke kontaktes om eleven") < step.index("Arne Elev")
    assert 'href="tel:90642577"' in step and 'href="tel:41234567"' not in step
    assert "412 34 567" in step and "Besøksforbud" in step  # the principal sees why
    assert "Trenger tolk" in step and "aldri eleven" in step
    reads = AuditEntry.objects.filter(object_type="guardian", action="read")
    assert reads.count() == 3 and set(reads.values_list("pupil_id", flat=True)) == {world.pupil.pk}


def test_the_case_and_pupil_pages_show_the_guardians_and_only_leadership_sees_why(client, world):
    register(world)
    client.force_login(world.teacher)
    for url in (f"/ansatt/saker/{world.case.pk}/foresatte/", f"/ansatt/elever/{world.pupil.pk}/"):
        page = client.get(url).content.decode()
        assert "Mona Elev" in page and "Skal ikke kontaktes om eleven" in page, url
        assert "Besøksforbud" not in page, url
    client.force_login(world.principal)
    assert "Besøksforbud" in client.get(f"/ansatt/elever/{world.pupil.pk}/").content.decode()


def test_nobody_outside_the_pupils_school_reads_a_guardian(client, world):
    from varde.people.access import guardians_for

    register(world)
    for user in (world.slt, world.outsider, world.deactivated):
        assert guardians_for(user, world.pupil, reason="test") == []
    assert not AuditEntry.objects.filter(object_type="guardian").exists()
    assert len(guardians_for(world.teacher2, world.pupil, reason="test")) == 3


def test_the_parents_decision_names_who_is_told_and_by_whom(client, world):
    from varde.cases.models import ParentDecision

    mother, father, other = register(world)
    client.force_login(world.teacher)
    url = f"/ansatt/saker/{world.case.pk}/foresatte/"
    page = client.get(url).content.decode()
    # The father must not be contacted: he is not offered.
    assert f'value="{mother.pk}"' in page and f'name="tell" value="{father.pk}"' not in page
    response = client.post(
        url,
        {
            "step": "decide",
            "choice": "inform_now",
            "reason": "Eleven samtykker.",
            "tell": [str(mother.pk)],
            "told_by": "Tina Lærer, sammen med eleven",
        },
    )
    assert response.status_code == 302
    decision = ParentDecision.objects.get(case=world.case)
    assert list(decision.tell.all()) == [mother] and decision.told_by.startswith("Tina")
    shown = client.get(url).content.decode()
    assert "Skal få vite det:" in shown and "Tina Lærer, sammen med eleven" in shown
    # A guardian the form does not offer is refused, and nothing is saved.
    refused = client.post(
        url, {"step": "decide", "choice": "inform_now", "reason": "x", "tell": [str(father.pk)]}
    )
    assert refused.status_code == 200 and ParentDecision.objects.count() == 1


def test_a_contact_with_a_guardian_who_needs_an_interpreter_records_whether_one_was_used(
    client, world
):
    from varde.cases.models import ParentContact

    mother, _father, _other = register(world)
    client.force_login(world.teacher)
    url = f"/ansatt/saker/{world.case.pk}/foresatte/"
    fields = {
        "step": "contact",
        "at": "01.12.2026 10:15",
        "guardian": str(mother.pk),
        "channel": "telefon",
        "summary": "Mor ble informert.",
    }
    page = client.post(url, fields).content.decode()
    assert "Mona Elev trenger tolk. Velg om det ble brukt kvalifisert tolk." in page
    assert "Mor ble informert." in page and not ParentContact.objects.exists()
    assert client.post(url, {**fields, "interpreter": "qualified"}).status_code == 302
    contact = ParentContact.objects.get()
    assert (contact.guardian, contact.with_whom, contact.interpreter) == (
        mother,
        "Mona Elev",
        "qualified",
    )
    assert "kvalifisert tolk ble brukt" in client.get(url).content.decode()
    # Someone else by name still works, and a name or a guardian is needed.
    other = {**fields, "guardian": "", "with_whom": "Bestemor"}
    assert client.post(url, other).status_code == 302
    empty = client.post(url, {**fields, "guardian": ""}).content.decode()
    assert "Velg hvem du nådde, eller skriv navnet." in empty


def test_two_guardians_sharing_responsibility_both_consent_and_the_page_shows_who_has(
    client, world
):
    """Petter is 15 (born 14 March 2011): for the school health service his guardians consent
    too (under 16), and under the plan data's rule each guardian with parental responsibility
    who may be contacted must (casework.consent.guardians.required: all)."""
    from varde.cases.consent_rules import consent_check

    mother, father, _other = register(world)
    father.restriction = ""  # both may be contacted now
    father.save()
    client.force_login(world.teacher)
    url = f"/ansatt/saker/{world.case.pk}/samtykke/"
    base = {
        "service": "skolehelsetjenesten",
        "scope": "Bekymringen.",
        "valid_from": "01.12.2026",
        "valid_until": "30.11.2027",
    }
    assert client.post(url, {**base, "giver": "pupil"}).status_code == 302
    assert client.post(url, {**base, "giver": "guardian", "guardian": mother.pk}).status_code == 302
    check = consent_check(case=world.case, service="skolehelsetjenesten", on=dt.date(2026, 12, 2))
    assert not check.ok and check.guardians_missing == (father.pk,)
    page = client.get(url).content.decode()
    assert "Mona Elev</bdi>: har samtykket" in page and "Arne Elev</bdi>: <strong>har ikke" in page
    assert "Mangler samtykke fra 1 foresatt med foreldreansvar." in page
    # The step-parent without parental responsibility is not asked.
    assert "Stein Steffar</bdi>: " not in page
    assert client.post(url, {**base, "giver": "guardian", "guardian": father.pk}).status_code == 302
    check = consent_check(case=world.case, service="skolehelsetjenesten", on=dt.date(2026, 12, 2))
    assert check.ok
    from varde.cases.models import Consent

    assert {c.guardian for c in Consent.objects.filter(giver="guardian")} == {mother, father}
    assert Consent.objects.get(guardian=father).giver_name == "Arne Elev"


def test_the_archive_package_names_the_guardians_and_whom_the_school_told(
    world, settings, tmp_path
):
    """The package is the case as it stood: its manifest lists the register's guardians, with
    a restriction where there is one, and the reading is audited."""
    import io
    import json
    import zipfile

    from tests.cases.test_archive import close
    from varde.cases.archive import archive_package, case_archive
    from varde.cases.services import parents_decide

    settings.DATA_DIR = tmp_path
    mother, father, other = register(world)
    parents_decide(
        actor=world.teacher,
        case=world.case,
        choice="inform_now",
        reason="Eleven vil at mor får vite.",
        obligations=[],
        tell=[mother.pk],
        told_by="Tina Lærer",
    )
    case = close(world.case)
    case = case_archive(actor=world.teacher, case=case)
    package = zipfile.ZipFile(io.BytesIO(archive_package(actor=world.teacher, case=case)))
    manifest = json.loads(package.read("manifest.json"))
    assert manifest["guardians"] == [
        {
            "name": "Mona Elev",
            "relation": "mother",
            "parental_responsibility": True,
            "restriction": None,
        },
        {
            "name": "Arne Elev",
            "relation": "father",
            "parental_responsibility": True,
            "restriction": "no_contact",
        },
        {
            "name": "Stein Steffar",
            "relation": "guardian",
            "parental_responsibility": False,
            "restriction": None,
        },
    ]
    assert (
        AuditEntry.objects.filter(
            object_type="guardian", reason="Arkivpakke: foresatte", actor=world.teacher
        ).count()
        == 3
    )


def test_a_second_phone_number_is_imported_and_shown_as_a_call_link(client, world):
    from varde.people.importer import import_apply

    text = (
        "type;id;fornavn;etternavn;elev_id;relasjon;telefon;Annen telefon\n"
        f"foresatt;G9;Kari;Elev;{world.pupil.external_id};mor;906 42 577;22 33 44 55\n"
    )
    report = import_apply(municipality=world.lunner, text=text, actor=world.admin)
    assert report.errors == [] and report.applied
    guardian = Guardian.objects.get(pupil=world.pupil, external_id="G9")
    assert guardian.phone_other == "22 33 44 55"
    client.force_login(world.teacher)
    page = client.get(f"/ansatt/elever/{world.pupil.pk}/").content.decode()
    assert 'href="tel:22334455"' in page and "Annen telefon: <bdi>22 33 44 55</bdi>" in page
