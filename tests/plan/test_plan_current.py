from __future__ import annotations

import copy

from varde.plan import selectors
from varde.plan.models import PlanVersion
from varde.plan.selectors import plan_current, plans_per_request
from varde.plan.services import plan_publish_content


def test_the_current_version_is_one_query_whether_or_not_its_content_was_seen_before(
    world, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(selectors, "_CONTENT", {})
    stored = PlanVersion.objects.get(municipality=world.lunner, status="published")
    for _ in range(2):
        with django_assert_num_queries(1):
            version = plan_current(municipality=world.lunner)
        assert version.pk == stored.pk and version.number == stored.number
        assert version.content == stored.content
        assert version.published_at == stored.published_at
    assert list(selectors._CONTENT) == [stored.content_hash]


def test_no_published_version_is_none(world):
    assert plan_current(municipality_id=world.lunner.pk + 1000) is None


def test_a_request_reads_the_version_once_and_sees_one_it_publishes(
    world, django_assert_num_queries
):
    with plans_per_request():
        with django_assert_num_queries(1):
            first = plan_current(municipality=world.lunner)
            assert plan_current(municipality_id=world.lunner.pk) is first
        content = copy.deepcopy(first.content)
        content["municipality"]["name"] = "Lunner kommune (ny versjon)"
        plan_publish_content(municipality=world.lunner, content=content)
        newer = plan_current(municipality=world.lunner)
    assert newer.number == first.number + 1
    assert newer.content["municipality"]["name"] == "Lunner kommune (ny versjon)"
    assert first.content["municipality"]["name"] != newer.content["municipality"]["name"]
    # Outside a request nothing is remembered.
    assert plan_current(municipality=world.lunner).number == newer.number


def test_content_already_decoded_is_not_read_again_but_a_new_versions_is(world, monkeypatch):
    monkeypatch.setattr(selectors, "_CONTENT", {})
    first = plan_current(municipality=world.lunner)
    # Mark the remembered content: if the next read took it from the database, the mark would
    # be gone.
    selectors._CONTENT[first.content_hash] = marked = {**first.content, "marked": True}
    assert plan_current(municipality=world.lunner).content is marked
    content = copy.deepcopy(first.content)
    content["municipality"]["name"] = "Lunner kommune (ny versjon)"
    plan_publish_content(municipality=world.lunner, content=content)
    newer = plan_current(municipality=world.lunner)
    assert "marked" not in newer.content
    assert newer.content["municipality"]["name"] == "Lunner kommune (ny versjon)"
