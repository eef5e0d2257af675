"""Who knows what at the school, who has read the routines, and SLT's coordinating level."""

from __future__ import annotations

import datetime as dt

from varde.audit.models import AuditEntry
from varde.people.models import RoleAssignment
from varde.plan.selectors import plan_current
from varde.plan.services import plan_publish_content
from varde.yearplan.models import RoutinesRead


def kari_role(world):
    return RoleAssignment.objects.get(user=world.kjentmann, role="kjentmann")


def test_staff_see_the_schools_kjentmann_and_nurse(world, client):
    client.force_login(world.teacher)
    page = client.get("/ansatt/kompetanse/").content.decode()
    assert "Kari Kjentmann" in page and "Hanne Helsesykepleier" in page
    assert "Tor Lærer" not in page
    assert "Endre for" not in page


def test_the_principal_records_kjentmann_training_and_staff_see_it(world, client):
    client.force_login(world.principal)
    response = client.post(
        f"/ansatt/kompetanse/{kari_role(world).pk}/", {"trained_on": "12.03.2025"}
    )
    assert response.status_code == 302
    nurse = RoleAssignment.objects.get(user=world.nurse, role="school_nurse")
    client.post(f"/ansatt/kompetanse/{nurse.pk}/", {"days_at_school": "tirsdag og torsdag"})
    assert AuditEntry.objects.filter(object_type="staff_competence").count() == 2
    client.force_login(world.teacher2)
    page = client.get("/ansatt/kompetanse/").content.decode()
    assert "Kjentmann-kurs 12. mars 2025" in page and "tirsdag og torsdag" in page


def test_a_training_date_in_the_future_is_refused_in_norwegian(world, client):
    client.force_login(world.principal)
    later = (dt.date.today() + dt.timedelta(days=40)).strftime("%d.%m.%Y")
    response = client.post(f"/ansatt/kompetanse/{kari_role(world).pk}/", {"trained_on": later})
    assert response.status_code == 200
    assert "Datoen kan ikke være fram i tid." in response.content.decode()


def test_a_teacher_and_the_outsider_cannot_change_the_list(world, client):
    for user in (world.teacher, world.outsider, world.slt):
        client.force_login(user)
        assert client.get(f"/ansatt/kompetanse/{kari_role(world).pk}/").status_code == 404


def test_staff_are_asked_to_confirm_the_routines_until_they_do(world, client):
    client.force_login(world.teacher)
    assert "Jeg har lest rutinene" in client.get("/ansatt/").content.decode()
    assert client.post("/ansatt/rutiner-lest/").status_code == 302
    assert "Jeg har lest rutinene" not in client.get("/ansatt/").content.decode()
    assert AuditEntry.objects.filter(object_type="routines_read").count() == 1


def test_a_new_plan_version_asks_again(world, client):
    client.force_login(world.teacher)
    client.post("/ansatt/rutiner-lest/")
    current = plan_current(municipality=world.lunner)
    content = {**current.content, "title": current.content["title"] + " (revidert)"}
    plan_publish_content(municipality=world.lunner, content=content, actor=world.admin)
    assert "Jeg har lest rutinene" in client.get("/ansatt/").content.decode()
    assert RoutinesRead.objects.filter(user=world.teacher).count() == 1


def test_leadership_sees_who_has_not_confirmed(world, client):
    client.force_login(world.teacher)
    client.post("/ansatt/rutiner-lest/")
    client.force_login(world.principal)
    page = client.get("/ansatt/kompetanse/").content.decode()
    section = page.split("Har ikke bekreftet")[1]
    assert "Tor Lærer" in section and "Tina Lærer" not in section
    assert "Dag Deaktivert" not in section


def test_a_teacher_does_not_see_who_has_not_confirmed(world, client):
    client.force_login(world.teacher2)
    assert "Har ikke bekreftet" not in client.get("/ansatt/kompetanse/").content.decode()


def test_the_outsider_sees_only_gran_and_cannot_pick_a_lunner_school(world, client):
    client.force_login(world.outsider)
    page = client.get("/ansatt/kompetanse/").content.decode()
    assert "Gran ungdomsskole" in page and "Kari Kjentmann" not in page
    assert client.get(f"/ansatt/kompetanse/?skole={world.school.pk}").status_code == 404


def test_staff_read_the_police_councils_priority_areas_and_the_slt_team(world, client):
    client.force_login(world.teacher)
    page = client.get("/ansatt/slt/").content.decode()
    assert "Foreldredialog og foreldrekompetanse" in page
    assert "SLT fagteam" in page and "Samarbeidsrutinen for arbeid med SLT i skolene" in page


def test_the_slt_coordinator_sees_lunners_coordination_though_gran_has_no_plan(world, client):
    client.force_login(world.slt)
    assert "Foreldredialog" in client.get("/ansatt/slt/").content.decode()


def test_a_new_plan_version_from_the_administrator_changes_the_priority_areas(world, client):
    current = plan_current(municipality=world.lunner)
    coordination = dict(current.content["coordination"])
    coordination["police_council"] = {
        "period": "2024–2027",
        "priority_areas": ["Færre unge som selger rusmidler"],
    }
    plan_publish_content(
        municipality=world.lunner,
        content={**current.content, "coordination": coordination},
        actor=world.admin,
    )
    client.force_login(world.teacher)
    page = client.get("/ansatt/slt/").content.decode()
    assert "Færre unge som selger rusmidler" in page and "2024–2027" in page
    assert "Foreldredialog" not in page
