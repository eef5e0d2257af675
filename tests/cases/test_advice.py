"""Asking the school's Kjentmann or school nurse for advice, named or anonymous."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from varde.audit.models import AuditEntry
from varde.cases.advice import advice_answer, advice_ask
from varde.cases.models import AdviceRequest, CaseEvent, Conversation
from varde.cases.services import conversation_plan, conversation_record
from varde.people.roles import Role

QUESTION = "Eleven sier hen røyker hasj i helgene. Hvordan tar jeg det opp med foresatte?"
NOTES = "HEMMELIG-NOTAT: lukt av hasj i garderoben"


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ask(world, *, adviser=None, anonymous=True, question=QUESTION) -> AdviceRequest:
    return advice_ask(
        actor=world.teacher,
        case=world.case,
        adviser=adviser or world.kjentmann,
        question=question,
        anonymous=anonymous,
    )


def test_the_owner_asks_the_kjentmann_anonymously_by_default(world):
    tina = as_user(world.teacher)
    page = tina.get(f"/ansatt/saker/{world.case.pk}/rad/").content.decode()
    assert "Kari Kjentmann" in page and "Hanne Helsesykepleier" in page
    assert "13–15 år" in page
    response = tina.post(
        f"/ansatt/saker/{world.case.pk}/rad/",
        {"adviser": world.kjentmann.pk, "question": QUESTION, "anonymous": "anonymous"},
    )
    assert response.status_code == 302
    question = AdviceRequest.objects.get(case=world.case)
    assert question.anonymous and question.adviser == world.kjentmann
    assert question.age_band == "13–15 år"
    assert world.case.events.filter(kind=CaseEvent.Kind.ADVICE_ASKED).count() == 1


def test_the_form_starts_anonymous(world):
    page = as_user(world.teacher).get(f"/ansatt/saker/{world.case.pk}/rad/").content.decode()
    assert re.search(r'<input[^>]*value="anonymous"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="named"[^>]*checked', page)


def test_only_the_schools_advisers_can_be_asked(world):
    tina = as_user(world.teacher)
    for stranger in (world.teacher2, world.principal, world.outsider, world.admin):
        response = tina.post(
            f"/ansatt/saker/{world.case.pk}/rad/",
            {"adviser": stranger.pk, "question": QUESTION, "anonymous": "anonymous"},
        )
        assert response.status_code == 200
        assert "Spørsmålet er ikke sendt" in response.content.decode()
    assert not AdviceRequest.objects.exists()


def test_a_deactivated_adviser_is_not_offered(world):
    world.nurse.is_active = False
    world.nurse.save()
    page = as_user(world.teacher).get(f"/ansatt/saker/{world.case.pk}/rad/").content.decode()
    assert "Kari Kjentmann" in page and "Hanne Helsesykepleier" not in page


def test_an_empty_question_gets_a_message_and_nothing_is_sent(world):
    response = as_user(world.teacher).post(
        f"/ansatt/saker/{world.case.pk}/rad/",
        {"adviser": world.kjentmann.pk, "question": "", "anonymous": "anonymous"},
    )
    assert "Spørsmålet er ikke sendt" in response.content.decode()
    assert not AdviceRequest.objects.exists()


def test_posting_another_case_or_asker_is_ignored(world):
    as_user(world.teacher).post(
        f"/ansatt/saker/{world.case.pk}/rad/",
        {
            "adviser": world.kjentmann.pk,
            "question": QUESTION,
            "anonymous": "anonymous",
            "case": world.gran_case.pk,
            "asked_by": world.principal.pk,
            "adviser_id": world.nurse.pk,
        },
    )
    question = AdviceRequest.objects.get()
    assert question.case == world.case and question.asked_by == world.teacher
    assert question.adviser == world.kjentmann


def test_the_adviser_sees_an_anonymous_question_without_the_pupil(world):
    conversation_plan(
        actor=world.teacher,
        case=world.case,
        planned_for=world.case.opened_at,
        attendees="Tina og Petter",
    )
    conversation_record(
        actor=world.teacher,
        case=world.case,
        what_was_said=NOTES,
        pupil_view="Jeg vil ikke at mamma skal vite",
        weighing="Eleven er 15.",
    )
    question = ask(world)
    kari = as_user(world.kjentmann)
    for path in ("/ansatt/rad/", f"/ansatt/rad/{question.pk}/"):
        html = kari.get(path).content.decode()
        assert QUESTION[:40] in html and "13–15 år" in html
        for secret in ("Petter", world.pupil.full_name, NOTES, "Virket ruset", "mamma"):
            assert secret not in html, f"{path} shows {secret!r}"
        assert f"/saker/{world.case.pk}/" not in html
        assert f"Sak {world.case.pk}" not in html
    assert Conversation.objects.filter(case=world.case).exists()


def test_the_adviser_gets_no_case_access_by_being_asked(world):
    ask(world, anonymous=False)
    kari = as_user(world.kjentmann)
    assert kari.get(f"/ansatt/saker/{world.case.pk}/").status_code == 404
    assert kari.get(f"/ansatt/saker/{world.case.pk}/kronologi/").status_code == 404


def test_a_named_question_shows_the_pupil_but_no_link_to_a_case_the_adviser_cannot_see(world):
    question = ask(world, anonymous=False)
    html = as_user(world.kjentmann).get(f"/ansatt/rad/{question.pk}/").content.decode()
    assert "Petter Elev" in html
    assert f"/ansatt/saker/{world.case.pk}/" not in html


def test_the_inbox_names_the_pupil_of_a_named_question_only(world):
    ask(world, anonymous=False, question="Spørsmål med navn.")
    ask(world, question="Spørsmål uten navn.")
    html = as_user(world.kjentmann).get("/ansatt/rad/").content.decode()
    assert html.count("Petter Elev") == 1 and "Anonymt, elev 13–15 år" in html


def test_a_named_question_links_to_the_case_when_the_adviser_is_in_it(world):
    from varde.cases.consent import participant_invite

    participant_invite(actor=world.teacher, case=world.case, user=world.kjentmann)
    question = ask(world, anonymous=False)
    html = as_user(world.kjentmann).get(f"/ansatt/rad/{question.pk}/").content.decode()
    assert f'href="/ansatt/saker/{world.case.pk}/"' in html


@pytest.mark.parametrize(
    "persona", ["teacher", "teacher2", "principal", "nurse", "admin", "slt", "outsider"]
)
def test_anyone_but_the_adviser_gets_404_on_the_question(world, persona):
    question = ask(world)
    other = as_user(getattr(world, persona))
    assert other.get(f"/ansatt/rad/{question.pk}/").status_code == 404
    assert other.post(f"/ansatt/rad/{question.pk}/", {"answer": "Svar"}).status_code == 404
    assert other.get("/ansatt/rad/999999/").status_code == 404
    assert QUESTION[:30] not in other.get("/ansatt/rad/").content.decode()
    assert AdviceRequest.objects.get().answered_at is None


def test_an_adviser_who_loses_the_role_loses_the_question(world):
    question = ask(world)
    world.kjentmann.role_assignments.filter(role=Role.KJENTMANN).delete()
    kari = as_user(world.kjentmann)
    assert kari.get(f"/ansatt/rad/{question.pk}/").status_code == 404
    assert QUESTION[:30] not in kari.get("/ansatt/rad/").content.decode()


@pytest.mark.parametrize("persona", ["teacher2", "kjentmann", "nurse", "admin", "slt", "outsider"])
def test_outsiders_to_the_case_get_404_when_asking(world, persona):
    other = as_user(getattr(world, persona))
    assert other.get(f"/ansatt/saker/{world.case.pk}/rad/").status_code == 404
    response = other.post(
        f"/ansatt/saker/{world.case.pk}/rad/",
        {"adviser": world.kjentmann.pk, "question": QUESTION, "anonymous": "anonymous"},
    )
    assert response.status_code == 404
    assert not AdviceRequest.objects.exists()


def test_the_answer_is_kept_on_the_case_and_shown_on_the_case_page(world):
    question = ask(world)
    kari = as_user(world.kjentmann)
    response = kari.post(f"/ansatt/rad/{question.pk}/", {"answer": "Snakk med eleven først."})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer == "Snakk med eleven først." and question.answered_at
    page = as_user(world.teacher).get(f"/ansatt/saker/{world.case.pk}/").content.decode()
    assert QUESTION in page and "Snakk med eleven først." in page and "Besvart" in page


def test_a_second_answer_is_refused_and_the_text_kept(world):
    question = ask(world)
    advice_answer(actor=world.kjentmann, request=question, answer="Første svar.")
    response = as_user(world.kjentmann).post(
        f"/ansatt/rad/{question.pk}/", {"answer": "Andre svar, skrevet i en annen fane."}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "allerede svart" in html and "Andre svar, skrevet i en annen fane." in html
    question.refresh_from_db()
    assert question.answer == "Første svar."


def test_an_empty_answer_gets_a_message(world):
    question = ask(world)
    response = as_user(world.kjentmann).post(f"/ansatt/rad/{question.pk}/", {"answer": "  "})
    assert "Svaret er ikke sendt" in response.content.decode()
    question.refresh_from_db()
    assert question.answered_at is None


def test_reading_an_anonymous_question_is_audited_without_the_pupil(world):
    question = ask(world)
    as_user(world.kjentmann).get(f"/ansatt/rad/{question.pk}/")
    read = AuditEntry.objects.filter(
        object_type="advice", object_id=str(question.pk), action="read", actor=world.kjentmann
    )
    assert read.count() == 1
    assert read.get().pupil_id is None and read.get().school_id == world.school.pk
    assert not AuditEntry.objects.filter(actor=world.kjentmann, pupil_id=world.pupil.pk).exists()


def test_reading_a_named_question_is_audited_with_the_pupil(world):
    question = ask(world, anonymous=False)
    as_user(world.kjentmann).get(f"/ansatt/rad/{question.pk}/")
    assert AuditEntry.objects.filter(
        object_type="advice", actor=world.kjentmann, pupil_id=world.pupil.pk, action="read"
    ).exists()


def test_asking_and_answering_are_audited(world):
    question = ask(world)
    assert AuditEntry.objects.filter(
        actor=world.teacher, action="update", object_id=str(world.case.pk), reason="Råd spurt om"
    ).exists()
    advice_answer(actor=world.kjentmann, request=question, answer="Svar.")
    assert AuditEntry.objects.filter(
        actor=world.kjentmann, action="update", object_type="advice", pupil_id=None
    ).exists()


def test_the_adviser_sees_how_many_questions_wait(world):
    from django.template import Context, Template

    ask(world)
    ask(world, question="Et spørsmål til.")
    template = Template('{% include "cases/advice_link.html" %}')
    assert "2 venter på svar" in template.render(Context({"user": world.kjentmann}))
    assert "Spørsmål om råd" not in template.render(Context({"user": world.teacher}))
    inbox = as_user(world.kjentmann).get("/ansatt/rad/").content.decode()
    assert "2 spørsmål venter på svaret ditt" in inbox


def test_a_closed_case_takes_no_new_questions(world):
    from varde.cases.services import CaseRuleBroken

    world.case.status = "closed"
    world.case.save()
    with pytest.raises(CaseRuleBroken):
        ask(world)
    page = as_user(world.teacher).get(f"/ansatt/saker/{world.case.pk}/rad/").content.decode()
    assert "Saken er avsluttet" in page
