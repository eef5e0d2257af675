"""One tap from the start page to each routine; one tap from an incident to a worry case."""

from __future__ import annotations

import re

from tests.incidents.helpers import start_intoxicated
from varde.cases.models import Case, CaseEvent


def test_the_start_page_opens_both_routines_first_for_staff_of_a_school(client, world):
    client.force_login(world.teacher)
    page = client.get("/ansatt/").content.decode()
    main = page[page.index("<main") :]
    links = re.findall(r'<a [^>]*href="(/ansatt/[^"]*)"', main)
    assert links[:2] == ["/ansatt/hendelser/ny/ruset/", "/ansatt/hendelser/ny/salg/"]


def test_staff_without_a_school_get_no_routine_buttons(client, world):
    for persona in (world.admin, world.slt, world.outsider):
        client.force_login(persona)
        assert "/ansatt/hendelser/ny/" not in client.get("/ansatt/").content.decode()


def test_the_worry_form_is_filled_in_from_the_incident(client, world):
    incident = start_intoxicated(client, world)
    client.post(f"/ansatt/hendelser/{incident.pk}/steg/talk/", {"talk-note": "Sa han røykte hasj"})
    url = f"/ansatt/elever/{world.pupil.pk}/undring/?hendelse={incident.pk}"
    page = client.get(url).content.decode()
    assert "Elev ruset på skolen" in page and "Sa han røykte hasj" in page
    form = {
        "observed": "Ruset i skoletiden, se hendelsen.",
        "observed_on": incident.started_at.strftime("%d.%m.%Y"),
        "seriousness": "4",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    incident.refresh_from_db()
    assert incident.case == case and case.pupil == world.pupil
    assert CaseEvent.objects.filter(case=case, kind="note").exists()


def test_an_incident_the_user_may_not_see_leaves_the_worry_form_empty(client, world):
    client.force_login(world.kjentmann)
    url = f"/ansatt/elever/{world.pupil.pk}/undring/?hendelse={world.incident.pk}"
    page = client.get(url).content.decode()
    assert "Elev ruset på skolen" not in page
