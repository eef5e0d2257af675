from __future__ import annotations

import copy

import pytest

from varde.cases.rules import case_rules, case_rules_of
from varde.plan.models import PlanVersion
from varde.plan.selectors import plan_current
from varde.plan.services import plan_publish_content


def test_the_current_version_is_one_query(world, django_assert_num_queries):
    stored = PlanVersion.objects.get(municipality=world.lunner, status="published")
    for _ in range(2):
        with django_assert_num_queries(1):
            version = plan_current(municipality=world.lunner)
        assert version.pk == stored.pk and version.number == stored.number
        assert version.content == stored.content
        assert version.published_at == stored.published_at


def test_no_published_version_is_none(world):
    assert plan_current(municipality_id=world.lunner.pk + 1000) is None


def test_a_newly_published_version_is_current_at_once(world):
    first = plan_current(municipality=world.lunner)
    content = copy.deepcopy(first.content)
    content["municipality"]["name"] = "Lunner kommune (ny versjon)"
    plan_publish_content(municipality=world.lunner, content=content)
    newer = plan_current(municipality=world.lunner)
    assert newer.number == first.number + 1
    assert newer.content["municipality"]["name"] == "Lunner kommune (ny versjon)"
    assert first.content["municipality"]["name"] != newer.content["municipality"]["name"]


def test_a_new_versions_rules_are_its_own(world):
    before = case_rules(municipality_id=world.lunner.pk)
    content = copy.deepcopy(plan_current(municipality=world.lunner).content)
    content["casework"]["retention"]["archived_days"] = before.archived_days + 7
    plan_publish_content(municipality=world.lunner, content=content)
    assert case_rules(municipality_id=world.lunner.pk).archived_days == before.archived_days + 7


def test_changing_a_versions_content_in_place_does_not_change_the_kept_rules(world):
    version = plan_current(municipality=world.lunner)
    rules = case_rules_of(version)
    steps = rules.level_steps(0)
    # A caller that changes the content it read cannot reach the kept copy...
    version.content["lunnermodellen"]["levels"][0]["steps"].clear()
    again = case_rules_of(plan_current(municipality=world.lunner))
    assert again.level_steps(0) == steps and steps
    # ...and the kept copy cannot be changed through the rules either.
    with pytest.raises(TypeError):
        again.document.content["title"] = "Endret"  # type: ignore[index]
    with pytest.raises(AttributeError):
        again.document.lunnermodellen["levels"][0]["steps"].append({})
