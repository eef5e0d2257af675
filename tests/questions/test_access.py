"""Only the advisers at the question's school reach it; everyone else gets 404, exactly as for a
question that does not exist."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.world import grant, make_user
from varde.audit.models import AuditEntry
from varde.people.models import RoleAssignment
from varde.people.roles import Role
from varde.questions.models import PupilQuestion

from .helpers import INBOX, QUESTION, as_user, ask, pupil


@pytest.fixture
def question(world) -> PupilQuestion:
    ask(pupil(), world)
    return PupilQuestion.objects.get()


def staff_urls(pk: object) -> list[tuple[str, str, dict]]:
    return [
        ("get", f"/ansatt/elevsporsmal/{pk}/", {}),
        ("post", f"/ansatt/elevsporsmal/{pk}/", {"answer": "Et svar fra en som ikke skal svare."}),
        ("post", f"/ansatt/elevsporsmal/{pk}/skjul/", {"reason": "spam"}),
    ]


def outsiders(world) -> dict[str, object]:
    harestua_nurse = make_user("hilde@lunner.test", "Hilde Helsesykepleier")
    grant(harestua_nurse, Role.SCHOOL_NURSE, school=world.other_school)
    gran_nurse = make_user("gro@gran.test", "Gro Helsesykepleier")
    grant(gran_nurse, Role.SCHOOL_NURSE, school=world.gran_school)
    return {
        "a teacher at the school": world.teacher,
        "the principal": world.principal,
        "another school's nurse": harestua_nurse,
        "another municipality's nurse": gran_nurse,
        "the SLT coordinator": world.slt,
        "the municipal administrator": world.admin,
        "someone from another municipality": world.outsider,
    }


def test_a_teacher_another_schools_nurse_and_others_get_404_on_the_staff_urls(world, question):
    for who, user in outsiders(world).items():
        client = as_user(user)
        for method, url, data in staff_urls(question.pk):
            response = getattr(client, method)(url, data)
            assert response.status_code == 404, (who, method, url)
        assert QUESTION not in client.get(INBOX).content.decode(), who
    stored = PupilQuestion.objects.get()
    assert stored.answered_at is None and stored.hidden_at is None
    assert not AuditEntry.objects.filter(object_type="pupil_question").exists()


def test_a_question_that_does_not_exist_answers_the_same_404(world, question):
    nurse = as_user(world.nurse)
    for pk in (question.pk + 1000, "0", "99999999999999999999"):
        for method, url, data in staff_urls(pk):
            assert getattr(nurse, method)(url, data).status_code == 404, (method, url)


def test_anonymous_and_deactivated_users_are_sent_to_the_login_page(world, question):
    """As every staff page does (tests/authz/matrix.yaml): the login page, for a question that
    exists and one that does not alike, and nothing is read or changed."""
    deactivated = Client()
    deactivated.force_login(world.deactivated)
    for client in (Client(), deactivated):
        for pk in (question.pk, question.pk + 1000):
            for method, url, data in staff_urls(pk):
                response = getattr(client, method)(url, data)
                assert response.status_code == 302, (method, url)
                assert response["Location"].startswith("/konto/login/")
    assert PupilQuestion.objects.get().answered_at is None
    assert not AuditEntry.objects.filter(object_type="pupil_question").exists()


def test_a_question_to_the_nurse_is_not_shown_to_the_kjentmann(world):
    ask(pupil(), world, to_role="school_nurse")
    question = PupilQuestion.objects.get()
    kari = as_user(world.kjentmann)
    assert kari.get(f"/ansatt/elevsporsmal/{question.pk}/").status_code == 404
    assert QUESTION not in kari.get(INBOX).content.decode()
    assert as_user(world.nurse).get(f"/ansatt/elevsporsmal/{question.pk}/").status_code == 200


def test_an_adviser_who_loses_the_role_loses_the_questions_at_once(world, question):
    hanne = as_user(world.nurse)
    assert hanne.get(f"/ansatt/elevsporsmal/{question.pk}/").status_code == 200
    RoleAssignment.objects.filter(user=world.nurse, role=Role.SCHOOL_NURSE).delete()
    assert hanne.get(f"/ansatt/elevsporsmal/{question.pk}/").status_code == 404
    page = hanne.get(INBOX).content.decode()
    assert "Anonyme spørsmål fra elever" not in page


def test_the_inbox_of_staff_who_advise_nowhere_has_no_pupil_section(world, question):
    page = as_user(world.teacher).get(INBOX).content.decode()
    assert "Anonyme spørsmål fra elever" not in page and QUESTION not in page


def test_the_hide_url_takes_only_post(world, question):
    response = as_user(world.nurse).get(f"/ansatt/elevsporsmal/{question.pk}/skjul/")
    assert response.status_code == 405


def test_extra_posted_fields_are_ignored(world):
    browser = pupil()
    ask(browser, world)
    question = PupilQuestion.objects.get()
    as_user(world.nurse).post(
        f"/ansatt/elevsporsmal/{question.pk}/",
        {"answer": "Svar.", "school": world.gran_school.pk, "answered_by": world.teacher.pk},
    )
    stored = PupilQuestion.objects.get()
    assert stored.school == world.school and stored.answered_by == world.nurse
