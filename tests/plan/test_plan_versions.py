from __future__ import annotations

import pytest

from tests.world import PLAN_FILE
from varde.plan.models import PlanVersion
from varde.plan.selectors import plan_current
from varde.plan.services import plan_dump_yaml, plan_load_file


def edited_plan_text(world, old: str, new: str) -> str:
    text = plan_dump_yaml(plan_current(municipality=world.lunner).content)
    assert old in text
    return text.replace(old, new, 1)


def test_loading_the_same_file_twice_changes_nothing(world):
    version, created = plan_load_file(path=PLAN_FILE)
    assert not created
    assert PlanVersion.objects.filter(municipality=world.lunner).count() == 1


def test_an_administrator_edits_and_publishes_a_new_version(client, world):
    client.force_login(world.admin)
    text = edited_plan_text(world, "906 42 577", "906 42 500")
    response = client.post("/ansatt/plan/rediger/", {"text": text, "change_note": "Nytt nummer"})
    assert response.status_code == 302
    # The public still sees version 1 until the draft is published.
    assert "tel:90642577" in client.get("/k/lunner/tjenester/barnevern/").content.decode()
    client.post("/ansatt/plan/publiser/", {"change_note": "Nytt nummer"})
    page = client.get("/k/lunner/tjenester/barnevern/").content.decode()
    assert "tel:90642500" in page and "Planversjon 2" in page
    old = client.get("/k/lunner/plan/versjon/1/").content.decode()
    assert "eldre versjon" in old and "906 42 577" in old


def test_broken_yaml_is_refused_with_its_line_and_the_draft_is_kept(client, world):
    client.force_login(world.admin)
    good = edited_plan_text(world, "906 42 577", "906 42 500")
    client.post("/ansatt/plan/rediger/", {"text": good, "change_note": "første"})
    response = client.post(
        "/ansatt/plan/rediger/", {"text": "title: [unclosed\n", "change_note": ""}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Utkastet er ikke lagret" in page and "linje" in page
    draft = PlanVersion.objects.get(municipality=world.lunner, status="draft")
    assert draft.change_note == "første"


def test_a_bad_opening_time_gets_a_clear_message(client, world):
    client.force_login(world.admin)
    text = edited_plan_text(world, "08:00-15:30", "08:00-25:30")
    page = client.post("/ansatt/plan/rediger/", {"text": text}).content.decode()
    assert "25:30" in page
    assert not PlanVersion.objects.filter(status="draft").exists()


def test_a_situation_pointing_at_a_missing_contact_is_refused(client, world):
    client.force_login(world.admin)
    text = edited_plan_text(world, "contact: barnevern.vakt", "contact: barnevern.finnes_ikke")
    page = client.post("/ansatt/plan/rediger/", {"text": text}).content.decode()
    assert "barnevern.finnes_ikke" in page


def test_publishing_without_a_draft_says_so(client, world):
    client.force_login(world.admin)
    response = client.post("/ansatt/plan/publiser/", {"change_note": "Ny"}, follow=True)
    assert "ikke noe utkast" in response.content.decode()
    assert PlanVersion.objects.filter(municipality=world.lunner).count() == 1


def test_a_teacher_cannot_edit_the_plan(client, world):
    client.force_login(world.teacher)
    assert client.get("/ansatt/plan/rediger/").status_code == 404
    assert client.post("/ansatt/plan/publiser/").status_code == 404


@pytest.mark.parametrize(
    "text",
    [
        "1" * 5000,  # a number longer than Python turns text into (4,300 digits)
        "title: Plan\nversion_date: 2026-02-31\n",  # a date that does not exist
    ],
)
def test_a_value_that_cannot_be_read_is_refused_and_the_draft_is_kept(client, world, text):
    client.force_login(world.admin)
    good = edited_plan_text(world, "906 42 577", "906 42 500")
    client.post("/ansatt/plan/rediger/", {"text": good, "change_note": "første"})
    response = client.post("/ansatt/plan/rediger/", {"text": text, "change_note": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Utkastet er ikke lagret" in page and "et tall eller en dato som ikke kan leses" in page
    draft = PlanVersion.objects.get(municipality=world.lunner, status="draft")
    assert draft.change_note == "første"
