"""Abuse hidden by an adviser is counted and read by nobody; questions and answers are deleted
after the plan's number of days, never before, and the deletion is logged."""

from __future__ import annotations

import copy
import datetime as dt

import time_machine

from varde.audit.models import AuditEntry
from varde.plan.selectors import plan_current
from varde.plan.services import plan_publish_content
from varde.questions.models import PupilQuestion, QuestionTally
from varde.questions.services import questions_purge_due
from varde.reminders.tasks import periodic_run

from .helpers import ANSWER, INBOX, as_user, ask, code_of, pupil

THREAT = "Jeg skal ta rektor etter skolen i morgen."


def test_hidden_abuse_is_counted_and_not_shown(world):
    browser = pupil()
    code = code_of(ask(browser, world, question=THREAT, topic="annet").content.decode())
    ask(browser, world, question="Hvor lenge kan man kjenne lukt av hasj?")
    question = PupilQuestion.objects.get(topic="annet")
    kari = as_user(world.kjentmann)
    url = f"/ansatt/elevsporsmal/{question.pk}/"
    assert THREAT in kari.get(url).content.decode()

    refused = kari.post(f"{url}skjul/", {})
    assert refused.status_code == 200
    assert "Velg hvorfor spørsmålet skal skjules." in refused.content.decode()
    hidden = kari.post(f"{url}skjul/", {"reason": "threat"})
    assert hidden.status_code == 302 and hidden["Location"] == INBOX

    # Nobody reads it again: not the one who hid it, not the nurse, not from the database.
    for adviser in (world.kjentmann, world.nurse):
        client = as_user(adviser)
        assert client.get(url).status_code == 404
        inbox = client.get(INBOX).content.decode()
        assert THREAT not in inbox and "1 spørsmål er skjult som misbruk" in inbox
        assert "lukt av hasj" in inbox
    stored = PupilQuestion.objects.get(pk=question.pk)
    assert stored.question == "" and stored.hidden_reason == "threat"
    assert stored.hidden_at is not None
    # Counted as hidden, not under its topic.
    counts = {(t.topic, t.hidden): t.count for t in QuestionTally.objects.all()}
    assert counts[("annet", True)] == 1 and counts[("annet", False)] == 0
    # Hiding twice changes nothing; the pupil is told it is not answered.
    assert kari.post(f"{url}skjul/", {"reason": "spam"}).status_code == 404
    page = browser.post(ANSWER, {"code": code}).content.decode()
    assert "skjult" in page and THREAT not in page
    entry = AuditEntry.objects.filter(object_type="pupil_question", action="update").get()
    assert entry.detail == {"reason": "threat"} and entry.pupil_id is None


def test_an_answered_question_hidden_later_loses_its_answer_too(world):
    ask(pupil(), world)
    question = PupilQuestion.objects.get()
    hanne = as_user(world.nurse)
    hanne.post(f"/ansatt/elevsporsmal/{question.pk}/", {"answer": "Et svar."})
    hanne.post(f"/ansatt/elevsporsmal/{question.pk}/skjul/", {"reason": "spam"})
    stored = PupilQuestion.objects.get()
    assert stored.question == "" and stored.answer == ""


def test_questions_and_answers_are_deleted_after_the_plans_days_and_not_before(world):
    asked = dt.datetime(2026, 3, 2, 10, 50, tzinfo=dt.UTC)
    with time_machine.travel(asked, tick=False):
        browser = pupil()
        code = code_of(ask(browser, world).content.decode())
    question = PupilQuestion.objects.get()
    as_user(world.nurse).post(f"/ansatt/elevsporsmal/{question.pk}/", {"answer": "Svar."})
    # 30 days after the question was sent (10:50:05), and to the second before 30 days have
    # passed since the end of its hour, it is still there.
    for moment in (
        asked + dt.timedelta(days=30),
        dt.datetime(2026, 4, 1, 10, 59, 59, tzinfo=dt.UTC),
    ):
        with time_machine.travel(moment, tick=False):
            assert periodic_run()["pupil_questions_removed"] == 0
            assert "Svar." in browser.post(ANSWER, {"code": code}).content.decode()
    with time_machine.travel(dt.datetime(2026, 4, 1, 11, 0, tzinfo=dt.UTC), tick=False):
        assert periodic_run()["pupil_questions_removed"] == 1
        assert periodic_run()["pupil_questions_removed"] == 0
        assert questions_purge_due() == 0
    assert not PupilQuestion.objects.exists()
    gone = browser.post(ANSWER, {"code": code}).content.decode()
    assert "Vi fant ikke noe spørsmål med denne koden" in gone
    entry = AuditEntry.objects.get(object_type="pupil_question", action="delete")
    assert entry.actor is None and entry.actor_label.startswith("Varde – automatisk")
    assert entry.object_id == str(question.pk) and entry.pupil_id is None
    assert entry.detail == {"days": 30}
    # The month's count stays for the SLT coordinator.
    assert QuestionTally.objects.get().count == 1


def test_the_days_come_from_the_plan(world):
    content = copy.deepcopy(plan_current(municipality=world.lunner).content)
    content["casework"]["advice"]["anonymous_questions"]["delete_after_days"] = 7
    plan_publish_content(municipality=world.lunner, content=content, change_note="7 dager")
    asked = dt.datetime(2026, 3, 2, 10, 50, tzinfo=dt.UTC)
    with time_machine.travel(asked, tick=False):
        ask(pupil(), world)
    with time_machine.travel(dt.datetime(2026, 3, 9, 10, 59, tzinfo=dt.UTC), tick=False):
        assert questions_purge_due() == 0
    with time_machine.travel(dt.datetime(2026, 3, 9, 11, 0, tzinfo=dt.UTC), tick=False):
        assert questions_purge_due() == 1


def test_the_receipt_tells_the_pupil_when_the_question_is_deleted(world):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 50, tzinfo=dt.UTC), tick=False):
        receipt = ask(pupil(), world).content.decode()
    assert "slettes 1. april 2026" in receipt
