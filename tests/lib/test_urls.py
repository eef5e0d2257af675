"""Remembered URLs are the URLs Django reverses, under any script prefix or URL configuration."""

from __future__ import annotations

import pytest
from django.template import engines
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from varde.lib.urls import CachedURLNode, reverse_cached

NAMES = [
    ("web:home", ()),
    ("web:start", ()),
    ("cases:case", (7,)),
    ("cases:case", (8,)),
    ("cases:measure_evaluation", (7, 3)),
    ("plan:call_now", ("lunner",)),
    ("plan:call_now", ("gran",)),
]


def test_remembered_urls_are_djangos() -> None:
    for _ in range(2):
        for name, args in NAMES:
            assert reverse_cached(name, args) == reverse(name, args=args)


def test_a_script_prefix_is_part_of_the_url() -> None:
    plain = reverse_cached("cases:case", (7,))
    set_script_prefix("/varde/")
    try:
        assert (
            reverse_cached("cases:case", (7,))
            == "/varde" + plain
            == reverse("cases:case", args=(7,))
        )
    finally:
        clear_script_prefix()
    assert reverse_cached("cases:case", (7,)) == plain


@override_settings(ROOT_URLCONF="tests.lib.urls_other")
def test_another_url_configuration_is_asked_for_its_own_urls() -> None:
    assert reverse_cached("only-here", (5,)) == "/andre/5/"
    with pytest.raises(NoReverseMatch):
        reverse_cached("web:home")


def test_other_arguments_are_reversed_as_usual() -> None:
    class Id:
        def __str__(self) -> str:
            return "9"

    assert reverse_cached("cases:case", (Id(),)) == reverse("cases:case", args=(9,))
    assert reverse_cached("cases:case", kwargs={"pk": 9}) == reverse("cases:case", args=(9,))
    with pytest.raises(NoReverseMatch):
        reverse_cached("cases:case", ("ikke-et-tall",))


def test_the_url_tag_renders_as_djangos() -> None:
    template = engines["django"].from_string(
        "{% url 'cases:case' pk %}|{% url 'cases:case' pk=pk %}|"
        "{% url 'nowhere' as missing %}[{{ missing }}]|{% url 'plan:call_now' slug %}"
    )
    assert isinstance(template.template.nodelist[0], CachedURLNode)
    case = reverse("cases:case", args=(12,))
    call_now = reverse("plan:call_now", args=("lunner",))
    assert template.render({"pk": 12, "slug": "lunner"}) == f"{case}|{case}|[]|{call_now}"
    with pytest.raises(NoReverseMatch):
        engines["django"].from_string("{% url 'nowhere' %}").render({})
