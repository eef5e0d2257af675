"""Two versions of the plan side by side: each change named as the pages name it, readable by
a person who does not read YAML."""

from __future__ import annotations

import copy

import pytest

from varde.plan.compare import plan_changes
from varde.plan.selectors import plan_current
from varde.plan.services import plan_publish_content

# A comparison of two plan contents gives the same answer on every database: CI runs it in the
# SQLite job only.
pytestmark = pytest.mark.any_database


def contact(content: dict, service: str, key: str) -> dict:
    found = next(s for s in content["services"] if s["key"] == service)
    return next(c for c in found["contacts"] if c["key"] == key)


def changed_plan(world) -> tuple[dict, dict]:
    """Lunner's plan with the child welfare on-call number and the office's Saturday hours
    changed: the two edits the plan owner makes in the issue's example."""
    before = plan_current(municipality=world.lunner).content
    after = copy.deepcopy(before)
    contact(after, "barnevern", "vakt")["phone"] = "64 99 32 71"
    contact(after, "barnevern", "office")["hours"]["weekly"]["sat"] = ["10:00-14:00"]
    return before, after


@pytest.mark.django_db
def test_exactly_the_two_edited_fields_show_as_changed(world):
    before, after = changed_plan(world)
    changes = plan_changes(before, after)
    assert [(c.part, c.where, c.field, c.before, c.after, c.kind) for c in changes] == [
        (
            "Tjenester og telefonnumre",
            "Barnevernet › Lunner barneverntjeneste",
            "åpningstider › åpningstider per ukedag › lørdag",
            "",
            "10:00-14:00",
            "added",
        ),
        (
            "Tjenester og telefonnumre",
            "Barnevernet › Interkommunal barnevernsvakt",
            "telefonnummer",
            "64 99 32 70",
            "64 99 32 71",
            "changed",
        ),
    ]


def test_a_moved_item_is_not_a_change_of_everything_after_it():
    before = {"services": [{"key": "a", "name": "A"}, {"key": "b", "name": "B"}]}
    after = {"services": [{"key": "b", "name": "B"}, {"key": "a", "name": "A"}]}
    assert plan_changes(before, after) == []


def test_an_added_and_a_removed_item_are_one_row_each_by_name():
    before = {"situations": [{"key": "a", "title": "Akutt"}, {"key": "b", "title": "Råd"}]}
    after = {"situations": [{"key": "a", "title": "Akutt"}, {"key": "c", "title": "Ny"}]}
    rows = [(c.where, c.kind) for c in plan_changes(before, after)]
    assert rows == [("Råd", "removed"), ("Ny", "added")]


@pytest.mark.django_db
def test_the_comparison_page_shows_the_change_note_and_the_two_changes(client, world):
    _before, after = changed_plan(world)
    version, made = plan_publish_content(
        municipality=world.lunner, content=after, change_note="Nytt vaktnummer, åpent lørdag"
    )
    assert made
    page = client.get(f"/k/lunner/plan/sammenlign/?til={version.number}").content.decode()
    assert "Nytt vaktnummer, åpent lørdag" in page
    assert page.count('class="ds-card stack change"') == 2
    assert "<ins><bdi>64 99 32 71</bdi></ins>" in page
    assert "<del><bdi>64 99 32 70</bdi></del>" in page
    versions = client.get("/k/lunner/plan/versjoner/").content.decode()
    assert f"?til={version.number}" in versions and "Nytt vaktnummer, åpent lørdag" in versions


@pytest.mark.django_db
def test_a_version_that_does_not_exist_is_not_found(client, world):
    assert client.get("/k/lunner/plan/sammenlign/?fra=1&til=99").status_code == 404
    assert client.get("/k/lunner/plan/sammenlign/?til=x").status_code == 200
