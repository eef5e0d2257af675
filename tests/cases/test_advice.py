"""Asking the school's Kjentmann or school nurse for advice, named or anonymous."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

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
    advice_answer(actor=world.kjentmann, question=question, answer="Første svar.")
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
    advice_answer(actor=world.kjentmann, question=question, answer="Svar.")
    assert AuditEntry.objects.filter(
        actor=world.kjentmann, action="update", object_type="advice", pupil_id=None
    ).exists()


def test_the_adviser_sees_how_many_questions_wait(world):
    ask(world)
    ask(world, question="Et spørsmål til.")
    assert "2 venter på svar" in as_user(world.kjentmann).get("/ansatt/").content.decode()
    assert "Spørsmål om råd" not in as_user(world.teacher).get("/ansatt/").content.decode()
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


def many_questions(world, count: int) -> list[AdviceRequest]:
    """Questions asked of the Kjentmann, the newest first; every fourth still waits.

    The newer a question, the later it was answered, so putting the earliest answer first
    would give another order than putting the newest question first.
    """
    now = timezone.now()
    return AdviceRequest.objects.bulk_create(
        AdviceRequest(
            case=world.case,
            asked_by=world.teacher,
            adviser=world.kjentmann,
            age_band="13–15 år",
            asked_at=now - dt.timedelta(days=1, minutes=i),
            question=f"Spørsmål nummer {i}",
            answer="" if i % 4 == 0 else "Svar.",
            answered_at=None if i % 4 == 0 else now - dt.timedelta(minutes=i),
        )
        for i in range(count)
    )


def inbox_order(questions: list[AdviceRequest]) -> list[int]:
    waiting = [q.pk for q in questions if q.answered_at is None]
    answered = [q.pk for q in questions if q.answered_at is not None]
    return waiting + answered


def shown_on(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/ansatt/rad/(\d+)/"', html)]


def inbox_reads(world) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            actor=world.kjentmann, action="read", object_type="advice"
        ).values_list("object_id", flat=True)
    )


def test_the_inbox_shows_50_questions_a_page_unanswered_first_then_newest(world):
    expected = inbox_order(many_questions(world, 120))
    response = as_user(world.kjentmann).get("/ansatt/rad/")
    html = response.content.decode()
    assert response.status_code == 200
    assert shown_on(html) == expected[:50]
    assert html.count(">Venter<") == 30 and html.count(">Besvart<") == 20
    assert "30 spørsmål venter på svaret ditt" in html
    assert re.search(r'<nav aria-label="Sider"[^>]*>', html)
    assert 'href="?side=2"' in html and "Side 1 av 3" in html


def test_the_last_page_of_the_inbox_shows_the_last_20_questions(world):
    expected = inbox_order(many_questions(world, 120))
    html = as_user(world.kjentmann).get("/ansatt/rad/?side=3").content.decode()
    assert shown_on(html) == expected[100:]
    assert "Side 3 av 3" in html and 'href="?side=2"' in html
    assert "30 spørsmål venter på svaret ditt" in html


@pytest.mark.parametrize("side", ["abc", "", "1.5", "\x00"])
def test_a_page_number_that_is_not_a_number_shows_the_first_page(world, side):
    expected = inbox_order(many_questions(world, 120))
    response = as_user(world.kjentmann).get("/ansatt/rad/", {"side": side})
    assert response.status_code == 200
    assert shown_on(response.content.decode()) == expected[:50]


def test_a_page_past_the_end_shows_the_last_page(world):
    expected = inbox_order(many_questions(world, 120))
    response = as_user(world.kjentmann).get("/ansatt/rad/?side=99")
    assert response.status_code == 200
    assert shown_on(response.content.decode()) == expected[100:]


def test_the_inbox_audits_only_the_questions_on_the_page(world):
    expected = inbox_order(many_questions(world, 120))
    kari = as_user(world.kjentmann)
    kari.get("/ansatt/rad/")
    assert sorted(inbox_reads(world)) == sorted(str(pk) for pk in expected[:50])
    AuditEntry.objects.filter(actor=world.kjentmann).delete()
    kari.get("/ansatt/rad/?side=3")
    assert sorted(inbox_reads(world)) == sorted(str(pk) for pk in expected[100:])


def test_the_inbox_asks_the_same_number_of_queries_for_10_and_120_questions(world):
    def queries() -> int:
        # The audit trail's bulk insert is split by the driver's parameter limit, as in
        # tests/perf/test_constant_queries.py: those statements are not questions the page asks.
        with CaptureQueriesContext(connection) as captured:
            response = kari.get("/ansatt/rad/")
        assert response.status_code == 200
        sql = [q["sql"] for q in captured.captured_queries]
        return sum(1 for s in sql if not s.startswith('INSERT INTO "audit_auditentry"'))

    kari = as_user(world.kjentmann)
    many_questions(world, 10)
    kari.get("/ansatt/rad/")  # warm: plan, session and translations are read once per process
    with_ten = queries()
    AdviceRequest.objects.all().delete()
    many_questions(world, 120)
    assert queries() == with_ten
