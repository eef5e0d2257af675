"""A pupil asks the school nurse anonymously, the nurse answers from the inbox, and the pupil
reads the answer with the pickup code."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.utils import timezone

from varde.audit.models import AuditEntry
from varde.questions.models import PupilQuestion, QuestionTally
from varde.questions.services import question_answer

from .helpers import ANSWER, ASK, INBOX, QUESTION, as_user, ask, code_of, pupil

REPLY = "Det kan være farlig, også én gang. Kom gjerne innom kontoret mitt på tirsdag."


def test_a_pupil_asks_the_nurse_answers_from_the_inbox_and_the_pupil_reads_the_answer(world):
    browser = pupil()
    form = browser.get(ASK).content.decode()
    assert "Lunner ungdomsskole" in form and "116 111" in form and "112" in form
    sent = ask(browser, world, to_role="school_nurse")
    assert sent.status_code == 200
    receipt = sent.content.decode()
    assert "Spørsmålet er sendt" in receipt
    assert "116 111" in receipt and 'href="tel:116111"' in receipt and 'href="tel:112"' in receipt
    code = code_of(receipt)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    assert "no-store" in sent["Cache-Control"]

    hanne = as_user(world.nurse)
    inbox = hanne.get(INBOX).content.decode()
    assert "Anonyme spørsmål fra elever" in inbox and "1 spørsmål fra elever venter" in inbox
    question = PupilQuestion.objects.get()
    assert f"/ansatt/elevsporsmal/{question.pk}/" in inbox
    page = hanne.get(f"/ansatt/elevsporsmal/{question.pk}/").content.decode()
    assert QUESTION in page and "Cannabis" in page and "Helsesykepleier" in page
    answered = hanne.post(f"/ansatt/elevsporsmal/{question.pk}/", {"answer": REPLY})
    assert answered.status_code == 302 and answered["Location"] == INBOX

    before = browser.get(ANSWER).content.decode()
    assert "Skriv hentekoden" in before and "116 111" in before
    shown = browser.post(ANSWER, {"code": code.lower().replace("-", " ")})
    page = shown.content.decode()
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    assert QUESTION in page and REPLY in page and "Fra helsesykepleier" in page
    assert "Hanne" not in page
    assert "116 111" in page


def test_the_question_waits_for_its_answer_until_someone_answers(world):
    browser = pupil()
    code = code_of(ask(browser, world).content.decode())
    page = browser.post(ANSWER, {"code": code}).content.decode()
    assert "har ikke fått svar ennå" in page


def test_a_wrong_code_gets_a_clear_message_and_keeps_what_was_typed(world):
    browser = pupil()
    ask(browser, world)
    wrong = browser.post(ANSWER, {"code": "AAAA-BBBB-CCCC-DDDD"})
    page = wrong.content.decode()
    assert wrong.status_code == 200
    assert "Vi fant ikke noe spørsmål med denne koden" in page and "30 dager" in page
    assert 'value="AAAA-BBBB-CCCC-DDDD"' in page
    malformed = browser.post(ANSWER, {"code": "ABC"}).content.decode()
    assert "Hentekoden har 16 tegn" in malformed
    empty = browser.post(ANSWER, {}).content.decode()
    assert "Skriv hentekoden din." in empty
    assert QUESTION not in page + malformed + empty


def test_the_code_is_kept_only_as_a_keyed_hash(world):
    browser = pupil()
    code = code_of(ask(browser, world).content.decode())
    stored = PupilQuestion.objects.get()
    normal = code.replace("-", "")
    assert normal not in stored.code_hash and len(stored.code_hash) == 64
    import hashlib

    assert stored.code_hash != hashlib.sha256(normal.encode()).hexdigest()


def test_bad_input_gets_clear_messages_and_the_text_stays(world):
    browser = pupil()
    page = ask(browser, world, topic="", question="  ", school=world.gran_school).content.decode()
    assert "Spørsmålet er ikke sendt ennå" in page
    assert "Velg skolen din fra listen." in page and "Velg et tema." in page
    assert "Skriv spørsmålet ditt." in page
    kept = ask(browser, world, topic="heroin-og-sånt").content.decode()
    assert "Velg et tema fra listen." in kept and QUESTION in kept
    empty = browser.post(ASK, {}).content.decode()
    assert "Velg skolen din." in empty and "Skriv spørsmålet ditt." in empty
    assert not PupilQuestion.objects.exists()


def test_a_question_to_a_role_nobody_holds_at_the_school_is_refused_with_the_text_kept(world):
    from tests.world import grant, make_user
    from varde.people.roles import Role

    # Harestua has a Kjentmann but no school nurse in Varde.
    grant(make_user("kim@lunner.test", "Kim Kjentmann"), Role.KJENTMANN, school=world.other_school)
    browser = pupil()
    page = ask(browser, world, to_role="school_nurse", school=world.other_school).content.decode()
    assert "Skolen har ingen helsesykepleier som svarer her ennå" in page and QUESTION in page
    assert ask(browser, world, school=world.other_school).status_code == 200
    assert PupilQuestion.objects.filter(school=world.other_school).count() == 1


def test_a_form_sent_too_fast_or_not_from_the_page_is_refused_with_the_text_kept(world):
    browser = pupil()
    fast = ask(browser, world, wait=0).content.decode()
    assert "Det gikk veldig fort" in fast and QUESTION in fast
    forged = browser.post(
        ASK,
        {
            "school": world.school.pk,
            "to_role": "any",
            "topic": "alkohol",
            "question": QUESTION,
            "token": "falsk",
        },
    ).content.decode()
    assert "Skjemaet var ikke fra denne siden" in forged and QUESTION in forged
    stale = ask(browser, world, wait=13 * 3600).content.decode()
    assert "Siden har vært åpen lenge" in stale and QUESTION in stale
    assert not PupilQuestion.objects.exists()


def test_the_rate_limit_refuses_with_a_clear_message_and_the_text_stays(world):
    browser = pupil()
    hour = timezone.now().replace(minute=5, second=0, microsecond=0)
    with time_machine.travel(hour, tick=False):
        for _ in range(20):
            assert "Hentekoden din" in ask(browser, world).content.decode()
        refused = ask(browser, world, question="Spørsmål nummer tjueen").content.decode()
        assert "fått veldig mange spørsmål denne timen" in refused
        assert "Spørsmål nummer tjueen" in refused and "116 111" in refused
        # Other schools are not held up by one school's flood.
        from tests.world import grant, make_user
        from varde.people.roles import Role

        grant(make_user("kim@lunner.test", "Kim K"), Role.KJENTMANN, school=world.other_school)
        assert "Hentekoden din" in ask(browser, world, school=world.other_school).content.decode()
    assert PupilQuestion.objects.filter(school=world.school).count() == 20
    with time_machine.travel(hour + dt.timedelta(hours=1), tick=False):
        assert "Hentekoden din" in ask(browser, world).content.decode()


def test_urgent_questions_come_first_in_the_inbox(world):
    browser = pupil()
    ask(browser, world, question="Første, ikke travelt.")
    ask(browser, world, question="Andre, haster: jeg trenger hjelp nå.", urgent=True)
    ask(browser, world, question="Tredje, ikke travelt.")
    inbox = as_user(world.kjentmann).get(INBOX).content.decode()
    urgent = inbox.index("Andre, haster")
    assert urgent < inbox.index("Tredje") and urgent < inbox.index("Første")
    assert "1 av dem haster" in inbox
    # Answered questions go below those still waiting, urgent or not.
    question = PupilQuestion.objects.get(urgent=True)
    question_answer(actor=world.kjentmann, question=question, answer="Ring 116 111 nå.")
    inbox = as_user(world.kjentmann).get(INBOX).content.decode()
    assert inbox.index("Andre, haster") > inbox.index("Første")


def test_two_advisers_answering_at_once_the_second_is_told_and_keeps_the_text(world):
    ask(pupil(), world)
    question = PupilQuestion.objects.get()
    kari, hanne = as_user(world.kjentmann), as_user(world.nurse)
    assert kari.get(f"/ansatt/elevsporsmal/{question.pk}/").status_code == 200
    assert hanne.post(f"/ansatt/elevsporsmal/{question.pk}/", {"answer": REPLY}).status_code == 302
    late = kari.post(
        f"/ansatt/elevsporsmal/{question.pk}/", {"answer": "Mitt svar, skrevet lenge."}
    )
    page = late.content.decode()
    assert late.status_code == 200 and "allerede besvart" in page
    assert "Mitt svar, skrevet lenge." in page and REPLY in page
    question.refresh_from_db()
    assert question.answer == REPLY and question.answered_by == world.nurse


def test_an_empty_answer_gets_a_message(world):
    ask(pupil(), world)
    question = PupilQuestion.objects.get()
    page = as_user(world.nurse).post(f"/ansatt/elevsporsmal/{question.pk}/", {"answer": " "})
    assert page.status_code == 200 and "Skriv svaret ditt." in page.content.decode()
    assert PupilQuestion.objects.get().answered_at is None


def test_every_read_and_write_by_an_adviser_is_audited_without_a_pupil(world):
    ask(pupil(), world)
    question = PupilQuestion.objects.get()
    before = AuditEntry.objects.count()
    hanne = as_user(world.nurse)
    hanne.get(INBOX)
    hanne.get(f"/ansatt/elevsporsmal/{question.pk}/")
    hanne.post(f"/ansatt/elevsporsmal/{question.pk}/", {"answer": REPLY})
    entries = AuditEntry.objects.filter(object_type="pupil_question").order_by("seq")
    assert [(e.action, e.reason) for e in entries] == [
        ("read", "Spørsmål fra elever, liste"),
        ("read", "Spørsmål fra elev"),
        ("read", "Spørsmål fra elev"),
        ("update", "Svar på spørsmål fra elev"),
    ]
    assert all(e.pupil_id is None and e.actor == world.nurse for e in entries)
    assert all(e.school_id == world.school.pk for e in entries)
    assert AuditEntry.objects.count() > before


def test_the_topic_is_counted_for_the_month(world):
    ask(pupil(), world, topic="alkohol")
    ask(pupil(), world, topic="alkohol")
    tally = QuestionTally.objects.get()
    assert (tally.topic, tally.hidden, tally.count) == ("alkohol", False, 2)
    assert tally.month == timezone.localdate().replace(day=1)
