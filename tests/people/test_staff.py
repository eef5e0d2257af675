from __future__ import annotations

from django.contrib.sessions.models import Session

from varde.audit.models import AuditEntry
from varde.people.models import RoleAssignment


def test_an_administrator_deactivates_a_teacher_who_is_logged_out_at_once(client, world):
    teacher_client = client.__class__()
    teacher_client.force_login(world.teacher)
    key = teacher_client.session.session_key
    client.force_login(world.admin)
    response = client.post(f"/ansatt/brukere/{world.teacher.pk}/aktiv/", {"active": "0"})
    assert response.status_code == 302
    world.teacher.refresh_from_db()
    assert not world.teacher.is_active
    assert not Session.objects.filter(session_key=key).exists()
    assert teacher_client.get("/ansatt/").status_code == 302
    entry = AuditEntry.objects.filter(object_type="user", object_id=str(world.teacher.pk)).last()
    assert entry.detail == {"sessions_ended": 1}


def test_an_administrator_reactivates_a_user(client, world):
    client.force_login(world.admin)
    client.post(f"/ansatt/brukere/{world.deactivated.pk}/aktiv/", {"active": "1"})
    world.deactivated.refresh_from_db()
    assert world.deactivated.is_active


def test_the_list_shows_only_the_administrators_municipality(client, world):
    client.force_login(world.admin)
    page = client.get("/ansatt/brukere/").content.decode()
    assert "Tina Lærer" in page and "Gunnar Gran" not in page


def test_staff_of_another_municipality_are_404(client, world):
    client.force_login(world.admin)
    response = client.post(f"/ansatt/brukere/{world.outsider.pk}/aktiv/", {"active": "0"})
    assert response.status_code == 404
    world.outsider.refresh_from_db()
    assert world.outsider.is_active


def test_a_principal_cannot_deactivate_anyone(client, world):
    client.force_login(world.principal)
    assert client.get("/ansatt/brukere/").status_code == 404
    response = client.post(f"/ansatt/brukere/{world.teacher.pk}/aktiv/", {"active": "0"})
    assert response.status_code == 404


def test_an_administrator_makes_a_new_person_slt_coordinator(client, world):
    from varde.people.models import User

    client.force_login(world.admin)
    response = client.post(
        "/ansatt/brukere/rolle/",
        {"email": "ny@lunner.test", "full_name": "Ny Koordinator", "role": "slt_coordinator"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="ny@lunner.test")
    assert user.slt_region_ids() == {world.lunner.slt_region_id}
    assert not user.has_usable_password()


def test_a_school_role_needs_a_school_of_the_municipality(client, world):
    client.force_login(world.admin)
    page = client.post(
        "/ansatt/brukere/rolle/",
        {"email": world.teacher2.email, "role": "kjentmann", "school": world.gran_school.pk},
    ).content.decode()
    assert "Rollen er ikke gitt" in page
    assert not world.teacher2.role_assignments.filter(role="kjentmann").exists()


def test_an_administrator_makes_a_teacher_kjentmann_and_removes_it_again(client, world):
    client.force_login(world.admin)
    client.post(
        "/ansatt/brukere/rolle/",
        {"email": world.teacher2.email, "role": "kjentmann", "school": world.school.pk},
    )
    assignment = world.teacher2.role_assignments.get(role="kjentmann")
    assert client.post(f"/ansatt/brukere/rolle/{assignment.pk}/fjern/").status_code == 302
    assert not world.teacher2.role_assignments.filter(role="kjentmann").exists()


def test_a_role_in_another_municipality_cannot_be_removed(client, world):
    client.force_login(world.admin)
    assignment = world.outsider.role_assignments.get()
    assert client.post(f"/ansatt/brukere/rolle/{assignment.pk}/fjern/").status_code == 404
    assert world.outsider.role_assignments.exists()


def add_staff(world, count: int, start: int = 0) -> None:
    from tests.world import grant, make_user
    from varde.people.roles import Role

    for n in range(start, start + count):
        person = make_user(f"extra{n}@lunner.test", f"Ekstra {n}", mfa=False)
        grant(person, Role.TEACHER, school=world.school)
        grant(person, Role.SLT_COORDINATOR, slt_region=world.lunner.slt_region)


def test_the_staff_list_runs_the_same_number_of_queries_for_more_people(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    add_staff(world, 1)
    client.force_login(world.admin)
    client.get("/ansatt/brukere/")  # the first request of a session saves it once more
    with CaptureQueriesContext(connection) as few:
        client.get("/ansatt/brukere/")
    add_staff(world, 20, start=1)
    with CaptureQueriesContext(connection) as many:
        client.get("/ansatt/brukere/")
    assert len(many) == len(few)


def test_a_regional_role_is_removed_only_by_an_administrator_of_every_municipality_in_it(
    client, world
):
    # Sigrid's SLT role covers Lunner and Gran; Lunner's administrator does not administer Gran.
    role = world.slt.role_assignments.get()
    client.force_login(world.admin)
    assert client.post(f"/ansatt/brukere/rolle/{role.pk}/fjern/").status_code == 404
    assert world.slt.role_assignments.filter(pk=role.pk).exists()
    page = client.get("/ansatt/brukere/").content.decode()
    assert f"/ansatt/brukere/rolle/{role.pk}/fjern/" not in page


def test_a_person_who_also_works_in_another_municipality_keeps_the_account(client, world):
    # Tina teaches at Lunner and is also given a role in Gran: Lunner alone cannot close it.
    grant = world.outsider.role_assignments.first()
    RoleAssignment.objects.create(
        user=world.teacher, role=grant.role, school=grant.school, municipality=grant.municipality
    )
    client.force_login(world.admin)
    response = client.post(f"/ansatt/brukere/{world.teacher.pk}/aktiv/", {"active": "0"})
    assert response.status_code == 404
    world.teacher.refresh_from_db()
    assert world.teacher.is_active
    page = client.get("/ansatt/brukere/").content.decode()
    assert f"/ansatt/brukere/{world.teacher.pk}/aktiv/" not in page
    assert "Har også roller i andre kommuner." in page
