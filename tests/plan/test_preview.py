"""The draft previewed before it is published: "who to call now" at a moment the editor picks,
beside the published plan's answer, and the whole draft as the public will see it."""

from __future__ import annotations

import copy

import pytest

from varde.plan.selectors import plan_current
from varde.plan.services import plan_draft_save, plan_dump_yaml

# Pages worked out from plan content give the same answer on every database: CI runs them in
# the SQLite job only.
pytestmark = pytest.mark.any_database


def contact(content: dict, service: str, key: str) -> dict:
    found = next(s for s in content["services"] if s["key"] == service)
    return next(c for c in found["contacts"] if c["key"] == key)


@pytest.fixture
def draft(world):
    """A draft with a new on-call number and the office open on Saturdays 10–14."""
    content = copy.deepcopy(plan_current(municipality=world.lunner).content)
    contact(content, "barnevern", "vakt")["phone"] = "64 99 32 71"
    contact(content, "barnevern", "office")["hours"]["weekly"]["sat"] = ["10:00-14:00"]
    return plan_draft_save(
        municipality=world.lunner,
        text=plan_dump_yaml(content),
        actor=world.admin,
        change_note="Nytt vaktnummer, åpent lørdag",
    )


def ask(client, day: str, time: str) -> str:
    query = {"day": day, "time": time, "situation": "worried"}
    return client.get("/ansatt/plan/forhandsvis/", query).content.decode()


def answers(page: str) -> tuple[str, str]:
    draft, published = page.split('id="answer-2"')
    return draft, published


@pytest.mark.django_db
def test_saturday_evening_the_draft_gives_the_new_on_call_number(client, world, draft):
    client.force_login(world.admin)
    page = ask(client, "12.12.2026", "19:30")
    assert "Utkastet gir et annet svar enn den publiserte planen." in page
    in_draft, published = answers(page)
    assert "64 99 32 71" in in_draft and "64 99 32 70" not in in_draft
    assert "64 99 32 70" in published and "64 99 32 71" not in published


@pytest.mark.django_db
def test_saturday_noon_the_draft_opens_the_office(client, world, draft):
    client.force_login(world.admin)
    in_draft, published = answers(ask(client, "12.12.2026", "12:00"))
    assert "906 42 577" in in_draft and "906 42 577" not in published


@pytest.mark.django_db
def test_a_weekday_morning_gives_the_same_answer_in_both(client, world, draft):
    client.force_login(world.admin)
    assert "Utkastet gir samme svar" in ask(client, "07.12.2026", "10:00")


@pytest.mark.django_db
def test_a_time_that_is_not_a_time_is_explained(client, world, draft):
    client.force_login(world.admin)
    page = ask(client, "12.12.2026", "halv åtte")
    assert "Skriv klokkeslettet som tt:mm, for eksempel 19:30." in page
    assert 'id="answer-1"' not in page


@pytest.mark.django_db
def test_the_whole_draft_shows_as_the_public_will_see_it(client, world, draft):
    client.force_login(world.admin)
    page = client.get("/ansatt/plan/forhandsvis/planen/").content.decode()
    assert "Forhåndsvisning av utkastet" in page and "64 99 32 71" in page
    # Not published: the public plan still has the old number.
    assert "64 99 32 71" not in client.get("/k/lunner/plan/").content.decode()


@pytest.mark.django_db
def test_only_the_administrator_previews(client, world, draft):
    for user in (world.teacher, world.principal, world.slt, world.outsider):
        client.force_login(user)
        assert client.get("/ansatt/plan/forhandsvis/").status_code == 404
        assert client.get("/ansatt/plan/forhandsvis/planen/").status_code == 404
