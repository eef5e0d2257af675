"""A new school year in one import, on the demo data: grades move up as the file says, pupils
missing from the file have left, and an open case follows its pupil to a new school once that
school's leadership accepts it."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from varde.cases.models import Case, CaseParticipant, Handover
from varde.cases.services import case_open, handover_answer
from varde.people.demo import demo_load
from varde.people.importer import import_apply, import_parse
from varde.people.models import Municipality, Pupil, User

HEADER = "type;id;fornavn;etternavn;fodselsdato;skole;trinn"
# The grades each demo school teaches, from the school kinds (written out, not read from Varde).
TEACHES = {"FJ-KS": range(1, 11), "FJ-US": range(8, 11), "FJ-VGS": range(11, 14)}


@pytest.fixture
def demo(db):
    demo_load(stdout=io.StringIO(), cases=False)
    return Municipality.objects.get(slug="fjellvik")


def next_year_file(fjellvik, *, mover: Pupil, leaver: Pupil) -> tuple[str, dict[str, int]]:
    """Every Fjellvik pupil one grade up, at a school that teaches that grade (the mover from
    Fjellvik skole to the lower secondary school), without the leaver and those past grade 13;
    and the counts the import should report, counted from the file."""
    rows, counts = [], {"promoted": 0, "moved": 0, "left": 0}
    for pupil in Pupil.objects.filter(municipality=fjellvik, is_active=True).select_related(
        "school"
    ):
        grade = pupil.grade + 1
        if pupil == leaver or grade > 13:
            counts["left"] += 1
            continue
        school = pupil.school.external_id
        if pupil == mover:
            school = "FJ-US"
        elif grade not in TEACHES[school]:
            school = "FJ-VGS" if grade >= 11 else "FJ-US"
        counts["promoted"] += 1
        counts["moved"] += school != pupil.school.external_id
        rows.append(
            f"elev;{pupil.external_id};{pupil.first_name};{pupil.last_name};"
            f"{pupil.birth_date:%d.%m.%Y};{school};{grade}"
        )
    return "\n".join([HEADER, *rows]) + "\n", counts


def test_a_new_school_year_promotes_marks_leavers_and_moves_an_open_case(demo, client):
    teacher = User.objects.get(email="laerer.skole@fjellvik.demo")
    principal = User.objects.get(email="rektor@fjellvik.demo")
    mover = Pupil.objects.filter(school__external_id="FJ-KS", grade=7).first()
    assert mover is not None, "the demo has a 12-year-old in grade 7 at Fjellvik skole"
    leaver = Pupil.objects.filter(school__external_id="FJ-US").exclude(pk=mover.pk).first()
    case = case_open(
        actor=teacher,
        pupil=mover,
        observed="Har sett endring i atferd.",
        observed_on=timezone.localdate(),
        seriousness=1,
    )
    text, counts = next_year_file(demo, mover=mover, leaver=leaver)

    report = import_parse(municipality=demo, text=text, new_school_year=True)
    assert report.errors == []
    assert (report.promoted, report.moved, report.left) == (
        counts["promoted"],
        counts["moved"],
        counts["left"],
    )
    assert report.cases_moving == [(case.pk, "Fjellvik skole", "Fjellvik ungdomsskole")]
    # The dry run changed nothing.
    assert Pupil.objects.get(pk=mover.pk).school.external_id == "FJ-KS"
    assert not Handover.objects.exists()

    applied = import_apply(municipality=demo, text=text, actor=None, new_school_year=True)
    assert applied.applied and applied.errors == []
    assert not Pupil.objects.get(pk=leaver.pk).is_active
    assert Pupil.objects.get(pk=mover.pk).grade == 8
    offer = Handover.objects.get(case=case, state=Handover.State.WAITING)
    assert offer.to_user == principal and offer.to_school.external_id == "FJ-US"
    # Until the new school accepts, the case stays where it was.
    assert Case.objects.get(pk=case.pk).school.external_id == "FJ-KS"
    client.force_login(teacher)
    assert client.get(f"/ansatt/saker/{case.pk}/").status_code == 200

    handover_answer(actor=principal, handover=offer, accept=True)
    moved = Case.objects.get(pk=case.pk)
    assert moved.school.external_id == "FJ-US" and moved.owner == principal
    assert not CaseParticipant.objects.filter(case=moved).exists()
    # The old school keeps no access: its teacher and its principal get "not found".
    for user in (teacher, User.objects.get(email="rektor.skole@fjellvik.demo")):
        client.force_login(user)
        assert client.get(f"/ansatt/saker/{case.pk}/").status_code == 404, user

    # The same file again changes nothing more.
    again = import_parse(municipality=demo, text=text, new_school_year=True)
    assert (again.promoted, again.moved, again.left, again.cases_moving) == (0, 0, 0, [])


def test_a_case_cannot_follow_a_pupil_to_a_school_without_leadership(demo, tmp_path):
    teacher = User.objects.get(email="laerer@fjellvik.demo")
    pupil = Pupil.objects.filter(school__external_id="FJ-US", grade=10).first()
    case_open(
        actor=teacher,
        pupil=pupil,
        observed="Bekymring.",
        observed_on=timezone.localdate(),
        seriousness=1,
    )
    row = (
        f"elev;{pupil.external_id};{pupil.first_name};{pupil.last_name};"
        f"{pupil.birth_date:%d.%m.%Y};FJ-VGS;11"
    )
    text = f"{HEADER}\n{row}\n"
    report = import_parse(municipality=demo, text=text)
    assert [(e.line, e.message) for e in report.errors] == [
        (
            2,
            "Eleven har en åpen sak som følger med til Fjellvik videregående skole, men skolen "
            "har ingen rektor eller inspektør i Varde til å ta imot den. Gi rollen først.",
        )
    ]
    path = tmp_path / "nytt-skolear.csv"
    path.write_text(text, "utf-8")
    with pytest.raises(CommandError):
        call_command(
            "import_people",
            "fjellvik",
            str(path),
            "--apply",
            "--new-school-year",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert Pupil.objects.get(pk=pupil.pk).school.external_id == "FJ-US"
