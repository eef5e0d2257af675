"""The forms a page shows, read from its HTML the way a browser reads them.

Valid data for a form is built from the form as it is rendered (its fields, hidden values and
the choices it offers) and from the field types of the Django form classes behind it, so a
field added to a form is filled (and fuzzed) without anyone editing the tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django import forms
from django.utils import timezone


@dataclass
class Input:
    name: str
    kind: str  # text, textarea, select, radio, checkbox, hidden, file, submit, ...
    value: str = ""
    options: list[str] = field(default_factory=list)  # a select's or a radio group's values
    required: bool = False


@dataclass
class HtmlForm:
    action: str  # the path it posts to, without the query
    method: str
    inputs: dict[str, Input] = field(default_factory=dict)

    def hidden(self) -> dict[str, str]:
        return {n: i.value for n, i in self.inputs.items() if i.kind == "hidden"}


class _Parser(HTMLParser):
    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[HtmlForm] = []
        self.form: HtmlForm | None = None
        self.select: Input | None = None
        self.textarea: Input | None = None
        self.textarea_fresh = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            action = urlsplit(urljoin(self.page_path, a.get("action", ""))).path
            self.form = HtmlForm(action=action, method=a.get("method", "get").lower())
            self.forms.append(self.form)
            return
        if self.form is None or (tag not in ("input", "select", "option", "textarea", "button")):
            return
        name = a.get("name", "")
        if "disabled" in a and tag != "option":
            return  # a browser sends nothing for a disabled field
        if tag == "button" and name and a.get("type", "submit").lower() == "submit":
            # A named submit button sends its value when it is the one pressed: a choice.
            self._option(name, "submit", a.get("value", ""))
        elif tag == "input" and name and a.get("type", "").lower() in ("submit", "image"):
            self._option(name, "submit", a.get("value", ""))
        elif tag == "input" and name:
            kind = a.get("type", "text").lower()
            known = self.form.inputs.get(name)
            if kind in ("radio", "checkbox") and known is not None:
                known.options.append(a.get("value", "on"))
                if "checked" in a:
                    known.value = a.get("value", "on")
                return
            if kind in ("button", "reset"):
                return
            entry = Input(name, kind, a.get("value", ""), required="required" in a)
            if kind in ("radio", "checkbox"):
                entry.options = [a.get("value", "on")]
                entry.value = a.get("value", "on") if "checked" in a else ""
            self.form.inputs[name] = entry
        elif tag == "select" and name:
            self.select = Input(name, "select", required="required" in a)
            self.form.inputs[name] = self.select
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            self.select.options.append(value)
            if "selected" in a:
                self.select.value = value
        elif tag == "textarea" and name:
            self.textarea = Input(name, "textarea", required="required" in a)
            self.textarea_fresh = True
            self.form.inputs[name] = self.textarea

    def _option(self, name: str, kind: str, value: str) -> None:
        assert self.form is not None
        known = self.form.inputs.setdefault(name, Input(name, kind))
        known.options.append(value)

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            # A browser drops the one line break that follows <textarea>.
            if self.textarea_fresh and data.startswith("\n"):
                data = data[1:]
            self.textarea_fresh = False
            self.textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def forms_on(html: str, page_path: str, method: str = "post") -> list[HtmlForm]:
    parser = _Parser(page_path)
    parser.feed(html)
    return [f for f in parser.forms if f.method == method.lower()]


def find_form(
    html: str, page_path: str, action: str, pick: dict[str, str], method: str = "post"
) -> HtmlForm | None:
    """The form on the page that sends to `action`, chosen by the values in `pick` (a hidden
    step, a button) when several do."""
    action = urlsplit(action).path
    for form in forms_on(html, page_path, method):
        if form.action == action and all(_offers(form, k, v) for k, v in pick.items()):
            return form
    return None


def _offers(form: HtmlForm, name: str, value: str) -> bool:
    entry = form.inputs.get(name)
    return entry is not None and (entry.value == value or value in entry.options)


def class_fields(classes: tuple[type[forms.BaseForm], ...]) -> dict[str, forms.Field]:
    found: dict[str, forms.Field] = {}
    for cls in classes:
        found.update(cls.base_fields)
    return found


def _field_for(name: str, fields: dict[str, forms.Field]) -> forms.Field | None:
    """The class field behind an HTML name, allowing for a form prefix ("talk-note")."""
    return fields.get(name) or fields.get(name.split("-", 1)[-1])


def valid_value(name: str, field_: forms.Field | None, entry: Input | None) -> object | None:
    """A value the field accepts; None to leave the field out."""
    today = timezone.localdate()
    if isinstance(field_, forms.MultipleChoiceField) or (entry and entry.kind == "checkbox"):
        # Confirmations and obligations: every box ticked.
        options = [o for o in (entry.options if entry else []) if o]
        if isinstance(field_, forms.BooleanField):
            return "on" if field_.required or (entry and entry.value) else None
        return options or None
    if entry is not None and entry.kind in ("select", "radio", "submit"):
        chosen = [o for o in entry.options if o]
        if entry.value and entry.kind in ("radio", "select"):
            return entry.value
        return chosen[0] if chosen else None
    if entry is not None and entry.kind == "month":
        return today.strftime("%Y-%m")
    if entry is not None and entry.kind == "hidden":
        return entry.value
    if isinstance(field_, forms.BooleanField):
        return None
    if isinstance(field_, forms.DateTimeField):
        moment = timezone.localtime() - dt.timedelta(minutes=1)
        return moment.strftime("%d.%m.%Y %H:%M")
    if isinstance(field_, forms.DateField):
        return today.strftime("%d.%m.%Y")
    if isinstance(field_, forms.TimeField):
        # Now: a time of day that is neither later than now nor before a record made just now.
        return timezone.localtime().strftime("%H:%M")
    if isinstance(field_, forms.EmailField):
        return f"ny.{timezone.now().timestamp():.0f}@lunner.test"
    if isinstance(field_, forms.IntegerField):
        if entry is not None and entry.value:
            return entry.value
        # The least the field allows (15 minutes, grade 1), or 1 where it sets no least.
        return str(field_.min_value if field_.min_value is not None else 1)
    if entry is not None and entry.value:
        return entry.value
    if isinstance(field_, forms.CharField) or entry is not None:
        text = "Gyldig tekst fra testen."
        limit = getattr(field_, "max_length", None)
        return text[:limit] if limit else text
    return None


def valid_data(
    form: HtmlForm, classes: tuple[type[forms.BaseForm], ...], pick: dict[str, str] | None = None
) -> dict[str, object]:
    """Data the form accepts: what it shows, with every empty field filled by its type, and
    the values in `pick` (the button pressed, the step chosen) as given."""
    fields = class_fields(classes)
    data: dict[str, object] = {}
    for name, entry in form.inputs.items():
        if name == "csrfmiddlewaretoken" or entry.kind == "file":
            continue
        value = valid_value(name, _field_for(name, fields), entry)
        if value is not None:
            data[name] = value
    data.update(pick or {})
    return data


def missing_fields(form: HtmlForm | None, classes: tuple[type[forms.BaseForm], ...]) -> list[str]:
    """Required fields of the form classes that the rendered form does not show. (A page
    may leave out an optional field that does not apply, such as a legal basis where no
    one needs one.)"""
    names = set(form.inputs if form else {})
    shown = names | {n.split("-", 1)[-1] for n in names}
    required = {name for name, f in class_fields(classes).items() if f.required}
    return sorted(required - shown)
