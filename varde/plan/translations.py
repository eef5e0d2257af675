"""The plan in more languages than bokmål, as data.

The plan is written in bokmål. A translation lives in the plan's own `translations:` mapping,
one entry per text field, addressed by the field's path and tied to the bokmål text it was
made from:

    languages:
      - code: en
        name: English
    translations:
      en:
        services[barnevern].contacts[vakt].label:
          of: 5d41402a
          text: Inter-municipal child welfare on-call service

`of` is the start of the SHA-256 of the bokmål text. When the bokmål text changes, the old
translation no longer matches and the field falls back to bokmål, marked as such, until someone
translates it again: a translation is never shown for a text it was not made from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

SOURCE_LANGUAGE = "nb"
# Keys whose value is text a reader sees: a string, or a list of strings. Everything else in
# the plan (keys, references, phone numbers, hours, codes, URLs) is the same in every language.
TEXT_KEYS = frozenset(
    {
        "title",
        "summary",
        "description",
        "p",
        "list",
        "items",
        "text",
        "name",
        "label",
        "note",
        "why",
        "who",
        "what",
        "role",
        "theme",
        "called_by",
        "responsible",
        "intro",
        "law",
        "source",
        "review",
        "who_may_contact",
        "how_to_refer",
        "referral_title",
        "priority_areas",
    }
)
TEXT_SUFFIXES = ("_source", "_review")
# Parts of the plan that are not text to translate: the translations themselves, the list of
# languages, and the municipality's identity.
SKIPPED = frozenset({"translations", "languages", "schema"})
# Scripts written right to left, for languages a plan declares without saying `dir`.
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb"})


def is_text_key(key: str) -> bool:
    return key in TEXT_KEYS or key.endswith(TEXT_SUFFIXES)


def source_digest(value: str | list[str]) -> str:
    """The mark a translation carries of the bokmål text it was made from."""
    text = value if isinstance(value, str) else "\n".join(value)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class TextField:
    path: str
    value: str | list[str]


def _is_text(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list | tuple) and bool(value) and all(isinstance(v, str) for v in value)
    )


def _item_step(item: Any, index: int) -> str:
    if isinstance(item, Mapping) and isinstance(item.get("key"), str) and item["key"]:
        return f"[{item['key']}]"
    if isinstance(item, Mapping) and isinstance(item.get("level"), int):
        return f"[level-{item['level']}]"
    return f"[{index + 1}]"


def text_fields(content: dict[str, Any]) -> Iterator[TextField]:
    """Every text field of the plan with its path, in document order."""

    def walk(node: Any, path: str) -> Iterator[TextField]:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if not path and key in SKIPPED:
                    continue
                here = f"{path}.{key}" if path else str(key)
                if is_text_key(str(key)) and _is_text(value):
                    yield TextField(here, value)
                else:
                    yield from walk(value, here)
        elif isinstance(node, list | tuple):
            for index, item in enumerate(node):
                yield from walk(item, f"{path}{_item_step(item, index)}")

    yield from walk(content, "")


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    direction: str


def plan_languages(content: dict[str, Any]) -> list[Language]:
    """The languages the plan declares besides bokmål, in its order."""
    result = []
    for entry in content.get("languages") or []:
        if not isinstance(entry, Mapping) or not entry.get("code"):
            continue
        code = str(entry["code"])
        direction = entry.get("dir") or ("rtl" if code in RTL_LANGUAGES else "ltr")
        result.append(Language(code, str(entry.get("name") or code), str(direction)))
    return result


def _entries(content: Mapping[str, Any], language: str) -> Mapping[str, Any]:
    found = (content.get("translations") or {}).get(language)
    return found if isinstance(found, Mapping) else {}


def translation_for(entry: Any, value: str | list[str]) -> str | list[str] | None:
    """The translated text of one entry, if it was made from the current bokmål `value`."""
    if not isinstance(entry, Mapping) or entry.get("of") != source_digest(value):
        return None
    text = entry.get("text")
    if isinstance(value, str):
        return text if isinstance(text, str) and text.strip() else None
    if isinstance(text, list | tuple) and all(isinstance(t, str) for t in text) and text:
        return list(text)
    return None


def untranslated_fields(content: dict[str, Any], language: str) -> list[str]:
    """Paths of the text fields with no current translation into `language`."""
    entries = _entries(content, language)
    return [
        field.path
        for field in text_fields(content)
        if translation_for(entries.get(field.path), field.value) is None
    ]


def orphan_translations(content: Mapping[str, Any]) -> list[str]:
    """Translations of fields the plan no longer has, as "language: path"."""
    paths = {field.path for field in text_fields(content)}
    return [
        f"{language}: {path}"
        for language, entries in (content.get("translations") or {}).items()
        if isinstance(entries, Mapping)
        for path in entries
        if path not in paths
    ]


class Untranslated(str):
    """Bokmål shown where a translation is missing: it renders with its language and a visible
    mark. Filters that make a new string (`truncatechars`, `upper`) drop the mark; that is the
    price of keeping templates plain."""

    def __html__(self) -> SafeString:
        return format_html(
            '<span lang="nb" dir="ltr">{}</span> <span class="untranslated">({})</span>',
            str(self),
            gettext("bokmål"),
        )


def localize(content: dict[str, Any], language: str) -> dict[str, Any]:
    """The plan's content with every text field in `language`: its translation where there is
    a current one, else the bokmål text marked as untranslated. Bokmål gives the content as is."""
    if language == SOURCE_LANGUAGE:
        return content
    entries = _entries(content, language)

    def swap(field_path: str, value: str | list[str]) -> str | list[str]:
        found = translation_for(entries.get(field_path), value)
        if found is not None:
            return found
        if not isinstance(value, str):
            return [Untranslated(v) for v in value]
        return Untranslated(value)

    def walk(node: Any, path: str) -> Any:
        if isinstance(node, Mapping):
            result = {}
            for key, value in node.items():
                here = f"{path}.{key}" if path else str(key)
                if not path and key in SKIPPED:
                    result[key] = value
                elif is_text_key(str(key)) and _is_text(value):
                    result[key] = swap(here, value)
                else:
                    result[key] = walk(value, here)
            return result
        if isinstance(node, list | tuple):
            return [walk(item, f"{path}{_item_step(item, i)}") for i, item in enumerate(node)]
        return node

    return walk(content, "")


def reader_language(language: str | None = None) -> str:
    """The language code plan text is shown in: `language`, else the interface's."""
    code = (language or get_language() or SOURCE_LANGUAGE).split("-")[0]
    return SOURCE_LANGUAGE if code in ("nb", "no") else code


def content_for_reader(content: dict[str, Any], language: str | None = None) -> dict[str, Any]:
    """The plan's content as the reader of this page sees it, in their language."""
    return localize(content, reader_language(language))
