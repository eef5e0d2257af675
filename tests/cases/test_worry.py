from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection

from varde.audit.models import AuditEntry
from varde.cases.models import Case, Conversation

CANARY = "KANARI-9f3c1e-observasjon"


def worry(**extra):
    data = {
        "observed": f"{CANARY}: lukt av cannabis i garderoben 24.11, trøtt i timene.",
        "observed_on": "24.11.2026",
        "place": "Garderoben",
        "duration": "Tre uker",
        "seriousness": "3",
        "who_knows": "Kontaktlærer",
        "parents_thoughts": "Snakke med eleven først.",
    }
    data.update(extra)
    return data


def open_case(client, world) -> Case:
    client.force_login(world.teacher)
    response = client.post(f"/ansatt/elever/{world.pupil.pk}/undring/", worry())
    assert response.status_code == 302
    return Case.objects.filter(pupil=world.pupil).latest("pk")


def test_a_teacher_opens_a_worry_and_owns_it(client, world):
    case = open_case(client, world)
    assert case.owner == world.teacher and case.level == 0
    page = client.get(f"/ansatt/saker/{case.pk}/").content.decode()
    assert "Neste steg" in page and "lukt av cannabis" in page
    assert (
        AuditEntry.objects.filter(
            object_type="case", object_id=str(case.pk), action="create"
        ).count()
        == 1
    )


def test_the_next_steps_and_deadlines_come_from_the_plan(client, world):
    case = open_case(client, world)
    page = client.get(f"/ansatt/saker/{case.pk}/").content.decode()
    assert "Gjennomfør en undringssamtale" in page or "undringssamtale" in page
    assert "frist" in page


def test_bad_input_gets_a_message_and_saves_nothing(client, world):
    client.force_login(world.teacher)
    response = client.post(
        f"/ansatt/elever/{world.pupil.pk}/undring/",
        worry(observed="", observed_on="31.02.2026", seriousness="9"),
    )
    assert response.status_code == 200
    assert "Undringen er ikke lagret" in response.content.decode()
    assert Case.objects.count() == 2


@pytest.mark.parametrize(
    "persona", ["teacher2", "kjentmann", "nurse", "admin", "slt", "outsider", "deactivated"]
)
def test_staff_without_a_need_to_know_get_404(client, world, persona):
    case = open_case(client, world)
    other = client.__class__()
    other.force_login(getattr(world, persona))
    assert other.get(f"/ansatt/saker/{case.pk}/").status_code in (404, 302)
    assert other.get("/ansatt/saker/999999/").status_code in (404, 302)


def test_the_principal_sees_the_case(client, world):
    case = open_case(client, world)
    other = client.__class__()
    other.force_login(world.principal)
    assert other.get(f"/ansatt/saker/{case.pk}/").status_code == 200


def test_a_teacher_in_another_municipality_cannot_open_a_worry_about_our_pupil(client, world):
    client.force_login(world.outsider)
    response = client.post(f"/ansatt/elever/{world.pupil.pk}/undring/", worry())
    assert response.status_code == 404
    assert Case.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_observation_never_stands_in_plain_text_in_the_database(client, world):
    open_case(client, world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT observed FROM cases_case")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and not any(CANARY in value for value in stored)
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite" and Path(str(name)).exists():
        connection.close()
        for path in Path(str(name)).parent.glob(Path(str(name)).name + "*"):
            assert CANARY.encode() not in path.read_bytes()


def test_the_owner_plans_and_records_the_conversation_with_the_pupils_own_words(client, world):
    client.force_login(world.teacher)
    url = f"/ansatt/saker/{world.case.pk}/samtale/"
    response = client.post(
        url,
        {
            "step": "plan",
            "planned_for": "02.12.2026 10:15",
            "attendees": "Tina, Petter",
            "trusted_adult": "Helsesykepleier",
        },
    )
    assert response.status_code == 302
    response = client.post(
        url,
        {
            "step": "record",
            "what_was_said": "Vi snakket om fravær.",
            "pupil_view": "Jeg har bare vært sliten, det er ikke noe mer.",
            "weighing": "15 år, moden; tillagt stor vekt.",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/ansatt/saker/{world.case.pk}/").content.decode()
    assert "Jeg har bare vært sliten" in page
    assert "Undringssamtale gjennomført" in page
    with connection.cursor() as cursor:
        cursor.execute("SELECT pupil_view FROM cases_conversation")
        (stored,) = cursor.fetchone()
    assert "sliten" not in stored


def test_recording_before_planning_says_what_is_missing(client, world):
    client.force_login(world.teacher)
    response = client.post(
        f"/ansatt/saker/{world.case.pk}/samtale/",
        {"step": "record", "what_was_said": "x", "pupil_view": "y", "weighing": "z"},
    )
    assert response.status_code == 200
    assert "Planlegg samtalen først" in response.content.decode()
    assert not Conversation.objects.filter(case=world.case).exists()


def test_a_bad_time_keeps_nothing_and_explains(client, world):
    client.force_login(world.teacher)
    response = client.post(
        f"/ansatt/saker/{world.case.pk}/samtale/",
        {"step": "plan", "planned_for": "i morgen", "attendees": ""},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Planen er ikke lagret" in page
    assert not Conversation.objects.filter(case=world.case).exists()


def test_the_start_page_shows_overdue_steps_first(client, world):
    import time_machine

    from varde.cases.services import case_open

    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)):
        old = case_open(
            actor=world.teacher,
            pupil=world.pupil,
            observed="Gammel undring",
            observed_on=dt.date(2026, 11, 1),
            seriousness=2,
        )
    client.force_login(world.teacher)
    page = client.get("/ansatt/").content.decode()
    first_case = page.index("/ansatt/saker/")
    assert page[first_case:].startswith(f"/ansatt/saker/{old.pk}/")
    assert "Forfalt" in page


def test_the_start_page_runs_the_same_number_of_queries_for_more_cases(client, world):
    from django.test.utils import CaptureQueriesContext

    from varde.cases.services import case_open

    client.force_login(world.teacher)
    client.get("/ansatt/")
    with CaptureQueriesContext(connection) as few:
        client.get("/ansatt/")
    for n in range(15):
        case_open(
            actor=world.teacher,
            pupil=world.pupil,
            observed=f"Undring {n}",
            observed_on=dt.date(2026, 11, 1),
            seriousness=2,
        )
    with CaptureQueriesContext(connection) as many:
        client.get("/ansatt/")
    assert len(many) == len(few)


def test_a_colleague_does_not_see_the_case_on_the_start_page(client, world):
    client.force_login(world.teacher2)
    assert f"/ansatt/saker/{world.case.pk}/" not in client.get("/ansatt/").content.decode()
