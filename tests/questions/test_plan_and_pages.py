"""The plan's data for pupils' questions is checked before it is saved, and read as the plan
says; every question page shows whom to call when it cannot wait; the inbox costs the same
with ten questions as with many."""

from __future__ import annotations

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.world import _plan_content
from varde.plan.schema import PlanInvalid, validate_plan
from varde.questions.codes import code_hash, code_normal
from varde.questions.models import PupilQuestion
from varde.questions.rules import question_rules

from .helpers import ANSWER, ASK, INBOX, as_user, ask, code_of, pupil

# Plan data and pages give the same answer on every database: CI runs them in the SQLite job
# only.
pytestmark = pytest.mark.any_database


def plan_with(**changes: object) -> dict:
    content = copy.deepcopy(_plan_content())
    content["casework"]["advice"]["anonymous_questions"].update(changes)
    return content


def errors_of(content: dict) -> str:
    with pytest.raises(PlanInvalid) as raised:
        validate_plan(content)
    return "\n".join(raised.value.errors)


def test_lunners_plan_takes_questions_for_30_days_with_six_topics(world):
    rules = question_rules(municipality_id=world.lunner.pk)
    assert rules.delete_after_days == 30 and rules.per_school_per_hour == 20
    assert [key for key, _title in rules.topics] == [
        "alkohol",
        "cannabis",
        "snus_nikotin",
        "andre_rusmidler",
        "venner_familie",
        "annet",
    ]
    assert rules.roles == ("kjentmann", "school_nurse")
    validate_plan(_plan_content())


def test_the_plan_is_refused_with_a_clear_message_for_bad_question_rules():
    where = "casework.advice.anonymous_questions"
    assert f"{where}.delete_after_days: må være et helt tall fra 1 til 365." in errors_of(
        plan_with(delete_after_days=0)
    )
    assert f"{where}.per_school_per_hour" in errors_of(plan_with(per_school_per_hour="mange"))
    assert f"{where}.topics: må ha minst ett tema." in errors_of(plan_with(topics=[]))
    assert "«key» kan bare ha små bokstaver" in errors_of(
        plan_with(topics=[{"key": "Rus Og Sånt", "title": "Rus"}])
    )
    assert "finner ikke kontakten «nodetater.finnes_ikke»" in errors_of(
        plan_with(call=[{"contact": "nodetater.finnes_ikke"}])
    )
    assert f"{where}.call: må ha minst ett nummer" in errors_of(plan_with(call=[]))
    assert f"{where}.source" in errors_of(plan_with(source=""))


def test_a_plan_without_the_section_has_no_question_pages(world):
    from varde.plan.selectors import plan_current
    from varde.plan.services import plan_publish_content

    content = copy.deepcopy(plan_current(municipality=world.lunner).content)
    del content["casework"]["advice"]["anonymous_questions"]
    plan_publish_content(municipality=world.lunner, content=content, change_note="uten")
    assert pupil().get(ASK).status_code == 404
    assert pupil().get(ANSWER).status_code == 404
    assert pupil().get("/k/finnes-ikke/elev/sporsmal/").status_code == 404


def test_every_question_page_shows_116_111_and_112(world):
    browser = pupil()
    receipt = ask(browser, world).content.decode()
    pages = {
        "ask": browser.get(ASK).content.decode(),
        "receipt": receipt,
        "code form": browser.get(ANSWER).content.decode(),
        "wrong code": browser.post(ANSWER, {"code": "x"}).content.decode(),
        "answer": browser.post(ANSWER, {"code": code_of(receipt)}).content.decode(),
    }
    for name, page in pages.items():
        assert 'href="tel:116111"' in page and 'href="tel:112"' in page, name
        assert "Kan det ikke vente?" in page, name


def test_codes_read_lookalike_letters_as_digits():
    assert code_normal("k7qm-3xpa-9dft-wh2r") == "K7QM3XPA9DFTWH2R"
    assert code_normal("O1IL 0000 0000 0000") == "0111000000000000"
    assert code_normal("K7QM-3XPA-9DFT-WH2") is None
    assert code_normal("UUUU-UUUU-UUUU-UUUU") is None
    assert code_hash("k7qm 3xpa 9dft wh2r") == code_hash("K7QM-3XPA-9DFT-WH2R")


def more_questions(world, start: int, stop: int) -> None:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    PupilQuestion.objects.bulk_create(
        PupilQuestion(
            school=world.school,
            topic="alkohol",
            urgent=bool(i % 3),
            asked_at=now,
            question=f"Spørsmål {i}",
            code_key="k",
            code_hash=f"{i:064d}",
        )
        for i in range(start, stop)
    )


def queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(INBOX).status_code == 200
    return sum(1 for q in captured.captured_queries if "audit_auditentry" not in q["sql"])


def test_the_inbox_asks_the_same_number_of_queries_for_10_and_300_pupil_questions(world):
    kari = as_user(world.kjentmann)
    more_questions(world, 0, 10)
    kari.get(INBOX)
    with_ten = queries(kari)
    more_questions(world, 10, 300)
    assert queries(kari) == with_ten
