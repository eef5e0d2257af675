"""The pupil's view: in the pupil's words, or, when the pupil said nothing, why, chosen from
the plan's list. Quotation marks are shown once."""

from __future__ import annotations

from django.utils import timezone

from varde.cases.models import Conversation
from varde.cases.services import conversation_plan


def record(client, world, **fields):
    client.force_login(world.teacher)
    data = {"step": "record", "what_was_said": "Vi snakket om fraværet.", "weighing": "Lyttet."}
    return client.post(f"/ansatt/saker/{world.case.pk}/samtale/", {**data, **fields})


def planned(world) -> None:
    conversation_plan(
        actor=world.teacher, case=world.case, planned_for=timezone.now(), attendees="Tina"
    )


def test_an_empty_view_without_a_reason_is_refused_and_what_was_typed_is_kept(client, world):
    planned(world)
    response = record(client, world, pupil_view="")
    page = response.content.decode()
    assert response.status_code == 200
    assert "velg hvorfor eleven ikke har sagt noe" in page
    assert "Vi snakket om fraværet." in page
    assert Conversation.objects.get(case=world.case).held_at is None


def test_the_pupils_silence_is_recorded_with_the_reason_from_the_plan(client, world):
    planned(world)
    client.force_login(world.teacher)
    page = client.get(f"/ansatt/saker/{world.case.pk}/samtale/").content.decode()
    assert "Eleven ønsket ikke å si noe" in page
    assert record(client, world, pupil_view="", no_view_reason="did_not_want").status_code == 302
    conversation = Conversation.objects.get(case=world.case)
    assert conversation.held_at is not None and conversation.no_view_reason == "did_not_want"
    case_page = client.get(f"/ansatt/saker/{world.case.pk}/").content.decode()
    assert "Eleven ønsket ikke å si noe" in case_page


def test_a_reason_not_in_the_plan_is_refused(client, world):
    planned(world)
    response = record(client, world, pupil_view="", no_view_reason="made_up")
    assert response.status_code == 200
    assert Conversation.objects.get(case=world.case).held_at is None


def test_words_already_in_quotation_marks_are_quoted_once(client, world):
    planned(world)
    assert record(client, world, pupil_view="«Det går fint.»").status_code == 302
    page = client.get(f"/ansatt/saker/{world.case.pk}/").content.decode()
    assert "«Det går fint.»" in page and "««" not in page and "»»" not in page
    assert record(client, world, pupil_view="Det går fint.", version="2").status_code == 302
    page = client.get(f"/ansatt/saker/{world.case.pk}/").content.decode()
    assert "«<bdi>Det går fint.</bdi>»" in page
