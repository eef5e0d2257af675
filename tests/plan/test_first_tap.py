"""The worried teacher's first tap leads to registering the worry, then to the numbers."""

from __future__ import annotations

from django.urls import reverse

WORRIED = "/k/lunner/ring/worried/"


def words(response) -> str:
    return " ".join(response.content.decode().split())


def test_staff_start_with_registering_the_worry_and_then_the_numbers(client, world):
    client.force_login(world.teacher)
    page = words(client.get(WORRIED))
    first = page.index("Registrer en undring")
    assert first < page.index("tel:")
    assert 'href="/ansatt/elever/?undring=1"' in page


def test_picking_the_pupil_leads_to_the_worry_form(client, world):
    client.force_login(world.teacher)
    page = words(client.get("/ansatt/elever/", {"undring": "1", "q": world.pupil.last_name}))
    assert "Hvem er du bekymret for?" in page
    assert reverse("cases:worry_open", args=[world.pupil.pk]) in page
    assert f'href="{reverse("people:pupil", args=[world.pupil.pk])}"' not in page
    # Without it, the list leads to the pupil's page as before.
    page = words(client.get("/ansatt/elever/", {"q": world.pupil.last_name}))
    assert f'href="{reverse("people:pupil", args=[world.pupil.pk])}"' in page


def test_the_public_and_staff_of_another_municipality_see_the_numbers_only(client, world):
    assert "Registrer en undring" not in words(client.get(WORRIED))
    client.force_login(world.outsider)
    assert "Registrer en undring" not in words(client.get(WORRIED))


def test_in_acute_danger_112_stays_first(client, world):
    client.force_login(world.teacher)
    page = words(client.get("/k/lunner/ring/acute_danger/"))
    assert "Registrer en undring" not in page
    assert page.index('href="tel:112"') < page.index("Noe annet?")
