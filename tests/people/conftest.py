"""Testvik has two schools, «TU» and «TB». Nordby, next door, also has a school numbered
«TU», so lookups must stay inside the municipality being imported."""

from __future__ import annotations

import pytest

from varde.people.models import Municipality, School


@pytest.fixture
def testvik(db) -> Municipality:
    testvik = Municipality.objects.create(slug="testvik", name="Testvik kommune")
    School.objects.create(
        municipality=testvik, name="Testvik ungdomsskole", kind="lower_secondary", external_id="TU"
    )
    School.objects.create(
        municipality=testvik, name="Testvik barneskole", kind="primary", external_id="TB"
    )
    nordby = Municipality.objects.create(slug="nordby", name="Nordby kommune")
    School.objects.create(
        municipality=nordby, name="Nordby ungdomsskole", kind="lower_secondary", external_id="TU"
    )
    return testvik
