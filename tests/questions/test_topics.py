"""The SLT coordinator sees how many pupils asked about each topic per month, with the trend
page's small-count rules, and never what they wrote."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from varde.audit.models import AuditEntry
from varde.insights.suppression import SMALL_LABEL
from varde.questions.models import QuestionTally

from .helpers import QUESTION, as_user, ask, pupil

# Counts suppressed by the trends page's rules give the same answer on every database: CI runs
# them in the SQLite job only.
pytestmark = pytest.mark.any_database

URL = "/ansatt/innsikt/elevsporsmal/"
YEAR = "?fra=2026&til=2026"
JUNE = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


def tally(world, month: int, topic: str, count: int, *, hidden: bool = False) -> None:
    QuestionTally.objects.create(
        school=world.school, month=dt.date(2026, month, 1), topic=topic, hidden=hidden, count=count
    )


def cells(page: str) -> list[str]:
    return re.findall(r"<td>([^<]*)</td>", page)


def test_the_slt_coordinator_sees_topics_per_month_with_small_counts_hidden(world):
    tally(world, 3, "alkohol", 12)
    tally(world, 3, "cannabis", 2)
    tally(world, 4, "annet", 1, hidden=True)
    with time_machine.travel(JUNE, tick=False):
        ask(pupil(), world, topic="venner_familie")
        response = as_user(world.slt).get(URL + YEAR)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Spørsmål fra elever per måned og tema" in page
    for heading in ("Alkohol", "Cannabis (hasj og marihuana)", "Skjult som misbruk", "mars 2026"):
        assert heading in page, heading
    shown = cells(page)
    assert SMALL_LABEL.replace("<", "&lt;") in shown
    assert not {"1", "2", "3", "4"} & set(shown), shown
    assert QUESTION not in page
    entry = AuditEntry.objects.filter(object_type="insights").latest("seq")
    assert entry.actor == world.slt and entry.detail["figures"] == "pupil_questions"
    assert entry.pupil_id is None


def test_counts_of_five_or_more_are_shown(world):
    tally(world, 3, "alkohol", 6)
    tally(world, 3, "cannabis", 5)
    with time_machine.travel(JUNE, tick=False):
        page = as_user(world.slt).get(URL + YEAR).content.decode()
    shown = cells(page)
    assert "6" in shown and "5" in shown and "11" in shown


def test_the_principal_sees_the_school_and_the_advisers_and_teachers_do_not(world):
    with time_machine.travel(JUNE, tick=False):
        assert as_user(world.principal).get(URL).status_code == 200
        assert as_user(world.admin).get(URL).status_code == 200
        for user in (world.teacher, world.kjentmann, world.nurse, world.outsider):
            assert as_user(user).get(URL).status_code == 404, user
        anonymous = Client().get(URL)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/konto/login/")
        # A school outside the principal's reach answers like one that does not exist.
        principal = as_user(world.principal)
        assert principal.get(f"{URL}?skole={world.gran_school.pk}").status_code == 404


def test_a_bad_filter_gets_a_message(world):
    with time_machine.travel(JUNE, tick=False):
        page = as_user(world.slt).get(URL + "?fra=2026&til=2024").content.decode()
    assert "Fra-året kan ikke komme etter til-året." in page
