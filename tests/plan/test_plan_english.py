"""The plan in English: Lunner's plan is translated in full, the English pages show no bokmål
plan text, an untranslated field is shown in bokmål and marked, and a plan can carry more
languages, right-to-left ones laid out right to left."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import yaml
from django.template import Context, Template
from django.utils import translation

from tests.world import PLAN_FILE
from varde.plan.models import PlanVersion
from varde.plan.selectors import plan_current
from varde.plan.services import plan_publish_content
from varde.plan.translations import orphan_translations, untranslated_fields

# Pages and plan data, whatever the database: CI's SQLite job only.
pytestmark = pytest.mark.any_database

RAW = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))


def test_every_text_field_of_lunners_plan_has_an_english_translation():
    missing = untranslated_fields(RAW, "en")
    assert not missing, "Untranslated into English:\n" + "\n".join(missing)
    assert orphan_translations(RAW) == []


def english(client, url: str) -> str:
    client.cookies["django_language"] = "en"
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _strings(node, out: list[str]) -> None:
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, dict):
        for value in node.values():
            _strings(value, out)
    elif isinstance(node, list):
        for value in node:
            _strings(value, out)


def bokmal_sentences() -> set[str]:
    """Every longer bokmål text in the plan file, found by reading the YAML here rather than by
        the app's list of text fields: any string of four words or more outside the translations,
        unless the same string is also its own English (a name, an address). A word has letters, so
    a phone number is no sentence."""
    plan = {k: v for k, v in RAW.items() if k not in ("translations", "languages")}
    texts: list[str] = []
    _strings(plan, texts)
    english_texts: list[str] = []
    _strings(RAW["translations"], english_texts)
    same = set(english_texts)
    return {
        " ".join(t.split())
        for t in texts
        if sum(1 for word in t.split() if re.search(r"[^\W\d_]{2}", word)) >= 4 and t not in same
    }


def page_text(page: str) -> str:
    body = page.split("<main", 1)[1] if "<main" in page else page
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def public_pages(world) -> list[str]:
    content = plan_current(municipality=world.lunner).content
    pages = [
        "/k/lunner/",
        "/k/lunner/plan/",
        "/k/lunner/tjenester/",
        "/k/lunner/ring/",
        "/k/lunner/hvem-gjor-hva/",
        "/k/lunner/ressurser/",
        "/k/lunner/forelder/",
        "/k/lunner/elev/",
    ]
    pages += [f"/k/lunner/tjenester/{s['key']}/" for s in content["services"]]
    pages += [f"/k/lunner/ring/{s['key']}/" for s in content["situations"]]
    return pages


def test_the_english_pages_of_the_plan_directory_and_who_to_call_show_no_bokmal_plan_text(
    client, world
):
    sentences = bokmal_sentences()
    assert len(sentences) > 300  # the plan's paragraphs, steps, notes and sources
    found = {}
    for url in public_pages(world):
        page = english(client, url)
        assert 'class="untranslated"' not in page, url
        text = page_text(page)
        hits = [s for s in sentences if s in text]
        if hits:
            found[url] = hits[:3]
    assert not found, found


def republish(world, change) -> None:
    content = plan_current(municipality=world.lunner).content
    change(content)
    plan_publish_content(municipality=world.lunner, content=content, change_note="test")


def test_an_untranslated_field_is_shown_in_bokmal_with_a_visible_mark(client, world):
    path = "situations[acute_danger].title"
    republish(world, lambda c: c["translations"]["en"].pop(path))
    content = plan_current(municipality=world.lunner).content
    assert untranslated_fields(content, "en") == [path]
    page = english(client, "/k/lunner/ring/acute_danger/")
    assert '<span lang="nb" dir="ltr">Akutt fare for liv eller helse</span>' in page
    assert '<span class="untranslated">(bokmål)</span>' in page
    # The page title cannot hold markup: the bokmål text, plain.
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "Akutt fare for liv eller helse" in title and "<span" not in html.unescape(title)


def test_a_translation_of_an_older_bokmal_text_is_not_shown(client, world):
    def reword(content):
        situation = next(s for s in content["situations"] if s["key"] == "drug_sale")
        situation["title"] = "Mistanke om salg av rusmidler på skolen"

    republish(world, reword)
    page = english(client, "/k/lunner/ring/drug_sale/")
    assert "Mistanke om salg av rusmidler på skolen" in page
    assert "(bokmål)" in page
    assert untranslated_fields(plan_current(municipality=world.lunner).content, "en") == [
        "situations[drug_sale].title"
    ]


@pytest.mark.parametrize("code, direction", [("ar", "rtl"), ("pl", "ltr")])
def test_more_languages_are_data_and_right_to_left_ones_run_right_to_left(
    client, world, code, direction
):
    title = {"ar": "العمل الوقائي من المخدرات", "pl": "Profilaktyka uzależnień"}[code]

    def add(content):
        content["languages"].append({"code": code, "name": {"ar": "العربية", "pl": "Polski"}[code]})
        digest = content["translations"]["en"]["title"]["of"]
        content["translations"][code] = {"title": {"of": digest, "text": title}}

    republish(world, add)
    page = client.get(f"/k/lunner/plan/?sprak={code}").content.decode()
    assert (
        f'<h1 class="ds-heading" data-size="lg" lang="{code}" dir="{direction}"><bdi>{title}'
        in page
    )
    assert f'<div class="stack" lang="{code}" dir="{direction}">' in page
    # Everything else is not yet in that language: bokmål, marked, laid out left to right.
    assert page.count('<span lang="nb" dir="ltr">') > 100
    # The menus stay in the interface's language.
    assert '<html lang="nb"' in page
    front = client.get("/k/lunner/plan/").content.decode()
    assert f'href="?sprak={code}"' in front


def test_an_undeclared_language_or_a_misshapen_translation_is_refused(world):
    from varde.plan.schema import PlanInvalid, validate_plan

    content = plan_current(municipality=world.lunner).content
    content["translations"]["xx"] = {}
    content["translations"]["en"]["title"]["text"] = ["A", "list"]
    # A translation of a field the plan no longer has is kept, unused, and listed.
    content["translations"]["en"]["sections[nope].title"] = {"of": "0", "text": "Nope"}
    with pytest.raises(PlanInvalid) as caught:
        validate_plan(content)
    assert caught.value.errors == [
        "translations.en.title: må være en liste når feltet er en liste, ellers en tekst.",
        "translations.xx: språket er ikke med under languages.",
    ]
    assert orphan_translations(content) == ["en: sections[nope].title"]


def test_dates_in_english_read_weekday_day_month(client, world):
    version = PlanVersion.objects.get(municipality=world.lunner, number=1)
    version.published_at = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)
    version.save()
    page = english(client, "/k/lunner/plan/")
    assert "published 6 December 2026" in page
    client.cookies["django_language"] = "nb"
    assert "publisert 6. desember 2026" in client.get("/k/lunner/plan/").content.decode()
    # The weekday form the pages use for deadlines and "right number now".
    sunday = Template('{% load i18n %}{{ day|date:_("l j. F") }}')
    with translation.override("en"):
        assert sunday.render(Context({"day": dt.date(2026, 12, 6)})) == "Sunday 6 December"
    with translation.override("nb"):
        assert sunday.render(Context({"day": dt.date(2026, 12, 6)})) == "søndag 6. desember"
