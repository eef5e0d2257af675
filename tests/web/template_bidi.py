"""Find the places in Varde's templates that show text a person typed or imported without
isolating it, so a direction control in it (U+202E) could reverse the words around it.

Which outputs are a person's text is taken from the models, not from the templates: every
free text field (a CharField or TextField without fixed choices) and every link to a person,
pupil, school or municipality (shown by name), plus the names the views hand the pages.
An output of one of those must stand as `<bdi>{{ … }}</bdi>`; inside `<title>`, where no
markup is possible, as `&#x2068;{{ … }}&#x2069;` (first-strong isolate … pop isolate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "varde" / "templates"

# Fields that hold codes, keys, digests or fixed choices, never text a person wrote.
NOT_TYPED = frozenset(
    {
        "key",
        "service",
        "legal_basis",
        "avert_option",
        "template_key",
        "kind",
        "band",
        "age_band",
        "channel",
        "number",
        "external_id",
        "hash",
        "prev_hash",
        "last_hash",
        "content_hash",
        "archive_sha256",
        "token",
        "token_hash",
        "slug",
        "password",
        "message_id",
        "object_id",
        "object_type",
        "to",
        "url",
        "subject",
        "body",
        "mac",
        "prev_mac",
        "last_mac",
        "key_id",
    }
)

# Names the views and the plan hand the pages that are text a person typed: people's and
# schools' names, the plan's service names, level titles and legal bases, and the
# chronology's "who" and "what".
HANDED_TO_PAGES = frozenset(
    {
        "full_name",
        "get_short_name",
        "service_name",
        "name",
        "who",
        "what",
        "by",
        "user",
        "level_title",
        "basis",
    }
)


def typed_names() -> frozenset[str]:
    """The attribute names whose value is text a person typed or imported."""
    from django.apps import apps
    from django.db import models

    names: set[str] = set(HANDED_TO_PAGES)
    shown_by_name = {"User", "Pupil", "School", "Municipality", "SltRegion"}
    for model in apps.get_models():
        # The trend tallies hold counts and category codes, nothing a person typed, and the
        # trend page is checked on its own.
        if not model.__module__.startswith("varde.") or model._meta.app_label == "insights":
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField | models.TextField) and not field.choices:
                names.add(field.name)
            elif (
                isinstance(field, models.ForeignKey)
                and field.related_model.__name__ in shown_by_name
            ):
                names.add(field.name)
    return frozenset(names - NOT_TYPED)


# Outputs that look like typed text by their name but are not, or need no isolate, each with
# the reason: (template, output, where it stands as _in_markup says).
EXEMPT = {
    # The kind of a chronology entry ("Overføring avslått"): a fixed label of Varde's own.
    ("cases/chronology.html", "e.title", ""),
    # The PDFs' metadata titles end with the name, so nothing follows it to be turned; the
    # archive's own test reads it back exactly.
    ("cases/archive_pdf.html", "name", "text"),
    ("cases/concern_pdf.html", "name", "text"),
}


@dataclass(frozen=True)
class Bare:
    """An output of typed text that is not isolated."""

    template: str
    line: int
    output: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.output}"


_TAG = re.compile(r"{%.*?%}|{#.*?#}", re.S)
_OUTPUT = re.compile(r"{{\s*(.*?)\s*}}", re.S)
_BLOCKTRANS = re.compile(
    r"{%\s*blocktranslate\b(?P<args>.*?)%}(?P<body>.*?){%\s*endblocktranslate\s*%}", re.S
)
_ASSIGN = re.compile(r"(\w+)=((?:\"[^\"]*\"|'[^']*'|[^\s])+)")


def _variable(expression: str) -> str:
    """The last name of an output's variable: `case.pupil.full_name|upper` gives full_name."""
    variable = expression.split("|", 1)[0].strip()
    if variable[:1] in "\"'" or not variable:
        return ""
    return variable.split(".")[-1]


def _inside(plain: str, opening: str, closing: str) -> bool:
    opened = [m.start() for m in re.finditer(opening, plain)]
    closed = [m.start() for m in re.finditer(closing, plain)]
    return bool(opened) and (not closed or closed[-1] < opened[-1])


def _in_markup(text: str, at: int) -> str:
    """Where position `at` of a template lies: "tag" (inside an HTML tag's attributes),
    "text" (where HTML holds text only: a <title>, the page's title block, an <option>),
    or "" (page text)."""
    if _inside(text[:at], r"{%\s*block title\s*%}", r"{%\s*endblock"):
        return "text"
    plain = _TAG.sub(lambda m: " " * len(m.group()), text[:at])
    last_open, last_close = plain.rfind("<"), plain.rfind(">")
    if last_open > last_close and re.match(r"<\s*[A-Za-z/!]", plain[last_open:]):
        return "tag"
    if _inside(plain, r"<title\b", r"</title>") or _inside(plain, r"<option\b", r"</option>"):
        return "text"
    return ""


def _isolated(text: str, start: int, end: int, where: str) -> bool:
    if where == "text":
        return text[:start].endswith("&#x2068;") and text[end:].startswith("&#x2069;")
    return text[:start].endswith("<bdi>") and text[end:].startswith("</bdi>")


def bare_outputs(paths: list[Path], typed: frozenset[str], *, root: Path = TEMPLATES) -> list[Bare]:
    """Every output of typed text in `paths` (templates under `root`) that is not isolated."""
    found: list[Bare] = []
    for path in paths:
        text = path.read_text()
        name = str(path.relative_to(root))
        translated: list[tuple[int, int]] = []
        for block in _BLOCKTRANS.finditer(text):
            translated.append(block.span())
            assigned = dict(_ASSIGN.findall(block.group("args")))
            where = _in_markup(text, block.start())
            for output in _OUTPUT.finditer(block.group("body")):
                expression = assigned.get(output.group(1), output.group(1))
                if _variable(expression) not in typed:
                    continue
                if (name, output.group(1), where) in EXEMPT:
                    continue
                start = block.start("body") + output.start()
                end = block.start("body") + output.end()
                if not _isolated(text, start, end, where):
                    line = text.count("\n", 0, start) + 1
                    found.append(Bare(name, line, f"{output.group()} ({expression})"))
        for output in _OUTPUT.finditer(text):
            if any(a <= output.start() < b for a, b in translated):
                continue
            if _variable(output.group(1)) not in typed:
                continue
            where = _in_markup(text, output.start())
            if where == "tag" or (name, output.group(1), where) in EXEMPT:
                continue
            if not _isolated(text, output.start(), output.end(), where):
                line = text.count("\n", 0, output.start()) + 1
                found.append(Bare(name, line, output.group()))
    return found
