"""Which municipality a staff member's pages show, and that most staff cost no query for it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.world import grant
from varde.people.models import User
from varde.people.roles import Role
from varde.people.selectors import staff_municipality


def fresh(user: User) -> User:
    """The user as a new request reads them, with no roles cached yet."""
    return User.objects.get(pk=user.pk)


@pytest.mark.django_db
def test_staff_at_the_schools_of_one_municipality_get_it_from_their_roles_without_a_query(
    world,
) -> None:
    for person in (world.teacher, world.principal, world.nurse):
        user = fresh(person)
        assert user.assignments  # read as every request reads them, in the middleware
        with CaptureQueriesContext(connection) as queries:
            assert staff_municipality(user) == world.lunner
        assert len(queries) == 0, person


@pytest.mark.django_db
def test_the_municipal_administrator_gets_their_municipality(world) -> None:
    assert staff_municipality(fresh(world.admin)) == world.lunner


@pytest.mark.django_db
def test_two_municipalities_or_a_region_are_settled_by_the_database_as_before(world) -> None:
    grant(world.teacher, Role.TEACHER, school=world.gran_school)
    both = fresh(world.teacher)
    assert staff_municipality(both) == world.gran  # "Gran kommune" before "Lunner kommune"
    world.gran.is_fictional = True
    world.gran.save()
    assert staff_municipality(fresh(world.teacher)) == world.lunner
    assert staff_municipality(fresh(world.slt)) == world.lunner
