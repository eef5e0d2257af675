"""The plan editor made of forms: one form per item of the plan, in seven parts.

Each part of the plan (its text, the services, "who to call now", the routines, Lunnermodellen,
consent, the year plan template) lists items, and each item is edited on a page of its own: a
main form over the item's own fields and a formset per list inside it (text blocks, contacts,
steps). This module holds those forms and the pure functions that read an item out of the
plan's content and write the cleaned data back. No request in here: the views in
editor_views.py take the working copy, call these, and store the result as the draft.

A form changes only what it shows. `ItemForm.write` puts back the fields that changed and
nothing else, and a formset's rows start from copies of the entries they came from, so every
key the form does not show (the plan's `translations`, an acute routine's `avert`, a consent
rule's `requires`) is kept exactly, and saving a form unchanged leaves the plan byte-identical.

Items are addressed by their key. A section nested inside another is addressed by its own key:
section keys are unique across the whole plan's sections (the editor refuses a new one that is
not), and the first section with the key, depth first, is the one edited. A part's own fields
(the plan's title, the year plan's reminder) are the item SETTINGS_KEY, which holds a hyphen
and so is never the key of an item the editor makes.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from varde.lib.holidays import CALENDAR_DAYS, COUNTS, SCHOOL_DAYS
from varde.lib.text import has_bidi_controls
from varde.people.roles import Role
from varde.plan.hours import DAY_KEYS, HoursError, parse_hours
from varde.plan.models import content_hash
from varde.plan.schema import INCLUDES, SHARING_CONSENT, STEP_FACTS, STEP_FORMS, YEARPLAN_KINDS

SETTINGS_KEY = "om-delen"
# Keys an item cannot have: the part's own fields, and the address of a new item.
RESERVED_KEYS = frozenset({SETTINGS_KEY, "ny"})
KEY = re.compile(r"[a-z0-9_]{1,40}")
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
# Lists longer than this are not the plan's: a formset refuses more rows.
MAX_ROWS = 100
_NORDIC = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})


# ----------------------------------------------------------------------------- fields


def refuse_bidi(value: str) -> None:
    """The one check of every text field of the editor: the plan's names and texts are shown on
    every page and in the archive PDF, and a direction control could make one look like another."""
    if has_bidi_controls(value):
        raise ValidationError(
            _(
                "Teksten inneholder et usynlig tegn som snur skriveretningen (U+202A–U+202E "
                "eller U+2066–U+2069). Fjern tegnet og lagre på nytt."
            ),
            code="bidi",
        )


class TextField(forms.CharField):
    """A text of the plan: refused with direction controls, with line breaks as "\\n" whatever
    the browser sent, so an unchanged text compares equal to the plan's."""

    def __init__(
        self,
        *,
        label: Promise,
        required: bool = True,
        long: bool = False,
        rows: int = 4,
        max_length: int | None = None,
        required_message: Promise | None = None,
        **kwargs: Any,
    ) -> None:
        widget = (
            forms.Textarea(attrs={"rows": rows, "class": "ds-input"})
            if long
            else forms.TextInput(attrs={"class": "ds-input"})
        )
        messages = {"required": required_message or _("Fyll ut dette feltet.")}
        super().__init__(
            label=label,
            required=required,
            widget=widget,
            max_length=max_length or (20_000 if long else 1_000),
            validators=[refuse_bidi],
            error_messages=messages,
            **kwargs,
        )

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return text.replace("\r\n", "\n").replace("\r", "\n")


def number_field(label: Promise, low: int, high: int, **kwargs: Any) -> forms.IntegerField:
    message = _("Skriv et helt tall fra %(low)s til %(high)s.") % {"low": low, "high": high}
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        required=kwargs.pop("required", False),
        widget=forms.NumberInput(attrs={"class": "ds-input"}),
        error_messages={
            "invalid": message,
            "min_value": message,
            "max_value": message,
            "required": message,
        },
        **kwargs,
    )


def choice_field(
    label: Promise, choices: Any, *, required: bool = True, radio: bool = False, **kwargs: Any
) -> forms.ChoiceField:
    widget = (
        forms.RadioSelect(attrs={"class": "ds-input"})
        if radio
        else forms.Select(attrs={"class": "ds-input"})
    )
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=widget,
        error_messages={
            "required": _("Velg en av dem."),
            "invalid_choice": _("Velg en av dem i listen."),
        },
        **kwargs,
    )


def checkboxes(label: Promise, choices: Any, **kwargs: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "ds-input"}),
        error_messages={"invalid_choice": _("Velg blant dem som står der.")},
        **kwargs,
    )


def checkbox(label: Promise, **kwargs: Any) -> forms.BooleanField:
    return forms.BooleanField(
        label=label,
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "ds-input"}),
        **kwargs,
    )


def key_field() -> forms.CharField:
    return forms.CharField(
        label=_("Nøkkel"),
        help_text=_("Brukes av Varde. Tom: lages av navnet. Små bokstaver a–z, tall og _."),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"class": "ds-input", "spellcheck": "false"}),
        validators=[refuse_bidi],
        error_messages={"max_length": _("Høyst 40 tegn.")},
    )


def key_from(text: str) -> str:
    """A key made from a title: "Barne- og ungdomspsykiatri" -> "barne_og_ungdomspsykiatri"."""
    key = slugify(text.translate(_NORDIC)).replace("-", "_")[:40].strip("_")
    return key or "uten_navn"


def unique_key(base: str, taken: set[str] | frozenset[str]) -> str:
    key, number = base, 2
    while key in taken:
        key = f"{base[:36]}_{number}"
        number += 1
    return key


# ----------------------------------------------------------------------------- choices

ROLE_CHOICES = list(Role.choices)
INCLUDE_CHOICES = [
    ("routines", _("Rutinene")),
    ("duties", _("Hvem gjør hva")),
    ("services", _("Tjenestene")),
    ("resources", _("Ressurser og nettsider")),
    ("attachments", _("Vedleggene")),
    ("lunnermodellen", _("Lunnermodellen")),
]
BLOCK_CHOICES = [
    ("p", _("Avsnitt")),
    ("list", _("Punktliste")),
    ("note", _("Merknad")),
    ("link", _("Lenke")),
    ("include", _("Innhold fra planen")),
]
WHEN_CHOICES = [
    ("always", _("Alltid")),
    ("open", _("Når kontakten er åpen")),
    ("closed", _("Når kontakten er stengt")),
]
STEP_FORM_CHOICES = [
    ("tick", _("Avkrysning")),
    ("police_call", _("Ring politiet")),
    ("follow_up", _("Oppfølging etterpå")),
]
COUNT_CHOICES = [(CALENDAR_DAYS, _("Kalenderdager")), (SCHOOL_DAYS, _("Skoledager"))]
FACT_CHOICES = [
    ("opened", _("Undringsskjemaet er fylt ut")),
    ("conversation_held", _("Undringssamtalen er holdt")),
    ("parents_decided", _("Det er bestemt om foresatte skal involveres")),
    ("parents_contacted", _("Foresatte er kontaktet")),
    ("decision", _("Det er tatt en beslutning på nivået")),
    ("measure_added", _("Et tiltak er avtalt på nivået")),
    ("measure_evaluated", _("Alle tiltak på nivået er evaluert")),
    ("consent_given", _("Samtykke er registrert på nivået")),
    ("invited", _("Noen er invitert inn på nivået")),
    ("referral", _("En henvisning er registrert på nivået")),
    ("shared_by_law", _("Opplysninger er delt etter loven på nivået")),
    ("coordinator", _("En koordinator er oppnevnt")),
    ("advice_answered", _("Et spørsmål om råd er besvart")),
    ("archived", _("Saken er arkivert")),
]
GUARDIAN_CHOICES = [
    ("all", _("Hver foresatt med foreldreansvar")),
    ("one", _("Én foresatt")),
]
CONSENT_CHOICES = [
    ("none", _("Uten samtykke")),
    ("rule", _("Etter tjenestens samtykkeregel")),
]
KIND_CHOICES = [
    ("parent_meeting", _("Foreldremøte")),
    ("pupil_talk", _("Elevforedrag eller -samtale")),
]
# The school year, August to June: the year plan has no meetings in July.
MONTH_CHOICES = [
    (str(m), name)
    for m, name in (
        (8, _("august")),
        (9, _("september")),
        (10, _("oktober")),
        (11, _("november")),
        (12, _("desember")),
        (1, _("januar")),
        (2, _("februar")),
        (3, _("mars")),
        (4, _("april")),
        (5, _("mai")),
        (6, _("juni")),
    )
]
GRADE_CHOICES = [(str(g), _("%(grade)s. trinn") % {"grade": g}) for g in range(1, 11)] + [
    ("11", _("Vg1")),
    ("12", _("Vg2")),
    ("13", _("Vg3")),
]

assert {k for k, _label in INCLUDE_CHOICES} == INCLUDES
assert {k for k, _label in FACT_CHOICES} == STEP_FACTS
assert {k for k, _label in STEP_FORM_CHOICES} == STEP_FORMS
assert {k for k, _label in COUNT_CHOICES} == set(COUNTS)
assert {k for k, _label in CONSENT_CHOICES} == set(SHARING_CONSENT)
assert {k for k, _label in KIND_CHOICES} == YEARPLAN_KINDS


def contact_choices(content: dict[str, Any]) -> list[tuple[str, str]]:
    """Every contact of the plan's services as (service.contact, "Service – label")."""
    return [
        (f"{s.get('key')}.{c.get('key')}", f"{s.get('name', s.get('key'))} – {c.get('label', '')}")
        for s in content.get("services") or []
        if isinstance(s, dict)
        for c in s.get("contacts") or []
        if isinstance(c, dict)
    ]


def service_choices(content: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (str(s.get("key")), str(s.get("name", s.get("key"))))
        for s in content.get("services") or []
        if isinstance(s, dict)
    ]


def legal_basis_choices(content: dict[str, Any]) -> list[tuple[str, str]]:
    bases = (content.get("casework") or {}).get("legal_bases") or []
    return [("", _("Ingen"))] + [
        (str(b.get("key")), str(b.get("title", b.get("key")))) for b in bases if isinstance(b, dict)
    ]


# ----------------------------------------------------------------------------- item forms


def _dig(item: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = item
    for step in path:
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False


class ItemForm(forms.Form):
    """A form over some keys of one mapping in the plan.

    `read` gives the initial values from the mapping; `write` puts back the values of the
    fields that changed (every field, for a new entry) and leaves every other key as it was.
    An empty value, or one equal to the plan's default, is written as the key left out.
    """

    # Field name -> path of keys in the item, where it is not just the field's name.
    paths: ClassVar[dict[str, tuple[str, ...]]] = {}
    # Values the plan takes when the key is left out.
    defaults: ClassVar[dict[str, Any]] = {}
    # Fields that steer the form and are not keys of the item.
    not_in_item: ClassVar[tuple[str, ...]] = ()
    # The field a new entry's key is made from when none is typed.
    key_source: ClassVar[str] = "title"
    # Fields set when an entry is made and shown, not edited, after: other parts refer to them.
    fixed_fields: ClassVar[tuple[str, ...]] = ("key",)

    def __init__(
        self,
        *args: Any,
        content: dict[str, Any] | None = None,
        new: bool | None = None,
        taken: frozenset[str] = frozenset(),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.content = content or {}
        # A formset's row is new when it came from no entry of the plan.
        self.is_new = ("_index" not in self.initial) if new is None else new
        self.taken = taken | RESERVED_KEYS
        # What names an entry the rest of the plan refers to is shown, not edited.
        self.fixed: list[tuple[Promise, str]] = []
        for name in self.fixed_fields:
            if name in self.fields and not self.is_new:
                field_ = self.fields.pop(name)
                self.fixed.append((field_.label, self.fixed_label(name, self.initial.get(name))))

    def fixed_label(self, name: str, value: Any) -> str:
        return str(value or "")

    @classmethod
    def read(cls, item: dict[str, Any]) -> dict[str, Any]:
        initial = {}
        for name in cls.base_fields:
            if name in cls.not_in_item:
                continue
            value = _dig(item, cls.paths.get(name, (name,)))
            if value is None:
                # A key left out means the plan's default, which the field starts at.
                value = cls.base_fields[name].initial
            initial[name] = [str(v) for v in value] if isinstance(value, list) else value
        return initial

    def fieldsets(self) -> list[tuple[Promise | None, Promise | None, list[forms.BoundField]]]:
        """The fields in groups for the page: (legend or None, help or None, fields)."""
        return [(None, None, [f for f in self if f.name not in ("ORDER", "DELETE")])]

    def row_controls(self) -> list[forms.BoundField]:
        return [self[name] for name in ("ORDER", "DELETE") if name in self.fields]

    def clean_key(self) -> str:
        key = self.cleaned_data.get("key") or ""
        if not key:
            return key
        if not KEY.fullmatch(key):
            raise ValidationError(_("Bruk bare små bokstaver a–z, tall og _ (høyst 40 tegn)."))
        if key in self.taken:
            raise ValidationError(
                _("Nøkkelen «%(key)s» er allerede brukt. Velg en annen.") % {"key": key}
            )
        return key

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "key" in self.fields and not data.get("key") and not self.has_error("key"):
            data["key"] = unique_key(key_from(str(data.get(self.key_source) or "")), self.taken)
        return data

    def content_changed(self) -> list[str]:
        """The fields that changed, leaving out a row's place and its removal."""
        return [n for n in self.changed_data if n not in ("ORDER", "DELETE")]

    def write(self, item: dict[str, Any]) -> None:
        names = list(self.fields) if self.is_new else self.content_changed()
        for name in names:
            if name in self.not_in_item or name in ("ORDER", "DELETE"):
                continue
            self.put(item, name, self.cleaned_data.get(name))

    def put(self, item: dict[str, Any], name: str, value: Any) -> None:
        path = self.paths.get(name, (name,))
        parent = item
        for step in path[:-1]:
            if not isinstance(parent.get(step), dict):
                if _is_empty(value):
                    return
                parent[step] = {}
            parent = parent[step]
        if _is_empty(value) or (name in self.defaults and value == self.defaults[name]):
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = value


class BlockForm(ItemForm):
    """One text block: a paragraph, a list, a note, a link or a part of the plan shown here."""

    kind = choice_field(_("Type"), BLOCK_CHOICES, initial="p")
    text = TextField(
        label=_("Tekst"),
        required=False,
        long=True,
        help_text=_("Punktliste: ett punkt per linje."),
    )
    title = TextField(
        label=_("Overskrift eller lenketekst"),
        required=False,
        help_text=_("Merknad: overskriften. Lenke: teksten som vises."),
    )
    url = forms.CharField(
        label=_("Lenkeadresse"),
        required=False,
        max_length=2_000,
        help_text=_("Bare for lenke, for eksempel https://korus.no."),
        widget=forms.URLInput(attrs={"class": "ds-input"}),
        validators=[refuse_bidi],
    )
    include = choice_field(
        _("Innhold fra planen"), [("", _("Velg"))] + INCLUDE_CHOICES, required=False
    )

    # The fields each kind of block uses; a block of the plan shows only its kind's fields.
    kind_fields: ClassVar[dict[str, tuple[str, ...]]] = {
        "p": ("text",),
        "list": ("text",),
        "note": ("title", "text"),
        "link": ("title", "url"),
        "include": ("include",),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.data.get(self.add_prefix("kind")) if self.is_bound else self.initial.get("kind")
        self.shown_kind = kind if kind in self.kind_fields and not self.is_new else ""
        if self.shown_kind == "note":
            self.fields["title"].label = _("Overskrift")
        elif self.shown_kind == "link":
            self.fields["title"].label = _("Lenketekst")
        if self.shown_kind:
            self.fields["kind"].help_text = _(
                "Bytter du type, kommer feltene for den etter lagring."
            )
            for name in ("text", "title", "url"):
                self.fields[name].help_text = ""
            if self.shown_kind == "list":
                self.fields["text"].help_text = _("Ett punkt per linje.")

    def fieldsets(self) -> list[tuple[Promise | None, Promise | None, list[forms.BoundField]]]:
        names = (
            "kind",
            *self.kind_fields.get(self.shown_kind, ("text", "title", "url", "include")),
        )
        return [(None, None, [self[name] for name in names])]

    @classmethod
    def read(cls, item: dict[str, Any]) -> dict[str, Any]:
        kind = next((k for k, _label in BLOCK_CHOICES if k in item), "p")
        body = item.get(kind)
        initial: dict[str, Any] = {"kind": kind, "text": "", "title": "", "url": "", "include": ""}
        if kind == "p":
            initial["text"] = body
        elif kind == "list":
            initial["text"] = "\n".join(str(i) for i in body or [])
        elif kind == "note" and isinstance(body, dict):
            initial.update(title=body.get("title") or "", text=body.get("text") or "")
        elif kind == "link" and isinstance(body, dict):
            initial.update(title=body.get("text") or "", url=body.get("url") or "")
        elif kind == "include":
            initial["include"] = body
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        text = data.get("text") or ""
        if kind == "p" and not text.strip():
            self.add_error("text", _("Skriv avsnittet."))
        elif kind == "list" and not _lines(text):
            self.add_error("text", _("Skriv minst ett punkt, ett per linje."))
        elif kind == "note" and not text.strip():
            self.add_error("text", _("Skriv teksten i merknaden."))
        elif kind == "link" and not str(data.get("url") or "").startswith(("https://", "http://")):
            self.add_error("url", _("Lenken må begynne med https://."))
        elif kind == "include" and not data.get("include"):
            self.add_error("include", _("Velg hva som skal vises her."))
        return data

    def write(self, item: dict[str, Any]) -> None:
        if not self.is_new and not self.content_changed():
            return
        data = self.cleaned_data
        kind = data["kind"]
        old = item.get(kind)
        for other in list(item):
            if other in {k for k, _label in BLOCK_CHOICES}:
                del item[other]
        if kind == "p":
            item["p"] = data["text"]
        elif kind == "list":
            item["list"] = _lines(data["text"])
        elif kind == "note":
            note = dict(old) if isinstance(old, dict) else {}
            _set_or_drop(note, "title", data.get("title"))
            note["text"] = data["text"]
            item["note"] = note
        elif kind == "link":
            link = dict(old) if isinstance(old, dict) else {}
            link["url"] = data["url"]
            _set_or_drop(link, "text", data.get("title"))
            item["link"] = link
        else:
            item["include"] = data["include"]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _set_or_drop(mapping: dict[str, Any], key: str, value: Any) -> None:
    if _is_empty(value):
        mapping.pop(key, None)
    else:
        mapping[key] = value


HOURS_MESSAGE = _("Skriv tidene som 08:00-15:30, flere skilt med komma.")
HOURS_HELP = _("Skriv tidene som 08:00-15:30, flere skilt med komma. Tom dag = stengt.")
DAY_LABELS = (
    _("Mandag"),
    _("Tirsdag"),
    _("Onsdag"),
    _("Torsdag"),
    _("Fredag"),
    _("Lørdag"),
    _("Søndag"),
)
HOURS_FIELDS = ("always_open", *DAY_KEYS, "closed_on_public_holidays", "exceptions")
_INTERVAL = re.compile(r"\d\d:\d\d\s*[-–]\s*\d\d:\d\d,?")


def _intervals(text: str) -> list[str]:
    return [
        part.strip().replace("–", "-").replace(" ", "") for part in text.split(",") if part.strip()
    ]


class ContactForm(ItemForm):
    """A contact of a service: its number, where the number comes from, and its opening hours."""

    key_source = "label"
    key = key_field()
    label = TextField(
        label=_("Navn på kontakten"), required_message=_("Skriv navnet på kontakten.")
    )
    phone = forms.CharField(
        label=_("Telefonnummer"),
        required=False,
        max_length=40,
        help_text=_("Slik det skal vises, for eksempel 64 99 32 70."),
        widget=forms.TextInput(attrs={"class": "ds-input", "type": "tel"}),
        validators=[refuse_bidi],
    )
    note = TextField(label=_("Merknad"), required=False)
    source = TextField(
        label=_("Kilde for nummeret"),
        required=False,
        help_text=_("Hvor nummeret kommer fra, for eksempel «Planen, Barnevernet»."),
    )
    review = TextField(label=_("Må bekreftes"), required=False, long=True, rows=2)
    always_open = checkbox(
        _("Døgnåpen"),
        initial=True,
        help_text=_("Svarer hele døgnet. Fjern krysset for å skrive åpningstider."),
    )
    mon = TextField(label=DAY_LABELS[0], required=False)
    tue = TextField(label=DAY_LABELS[1], required=False)
    wed = TextField(label=DAY_LABELS[2], required=False)
    thu = TextField(label=DAY_LABELS[3], required=False)
    fri = TextField(label=DAY_LABELS[4], required=False)
    sat = TextField(label=DAY_LABELS[5], required=False)
    sun = TextField(label=DAY_LABELS[6], required=False)
    closed_on_public_holidays = checkbox(_("Stengt på helligdager"))
    exceptions = TextField(
        label=_("Unntak"),
        required=False,
        long=True,
        rows=2,
        help_text=_(
            "Ett per linje: dato, tider og merknad. For eksempel 2026-12-24 10:00-14:00 Julaften, "
            "eller 2026-12-31 stengt Nyttårsaften."
        ),
    )
    hours_source = TextField(label=_("Kilde for åpningstidene"), required=False, long=True, rows=2)

    @classmethod
    def read(cls, item: dict[str, Any]) -> dict[str, Any]:
        initial = super().read(item)
        hours = item.get("hours")
        initial["always_open"] = hours is None
        hours = hours if isinstance(hours, dict) else {}
        weekly = hours.get("weekly")
        for day in DAY_KEYS:
            if hours and weekly is None:
                # Without a weekly table the contact is open around the clock on ordinary days.
                initial[day] = "00:00-24:00"
            else:
                initial[day] = ", ".join(str(i) for i in (weekly or {}).get(day) or [])
        initial["closed_on_public_holidays"] = hours.get("closed_on_public_holidays") is True
        initial["exceptions"] = "\n".join(_exception_line(e) for e in hours.get("exceptions") or [])
        return initial

    def fieldsets(self) -> list[tuple[Promise | None, Promise | None, list[forms.BoundField]]]:
        hours = [self[name] for name in (*HOURS_FIELDS, "hours_source")]
        rest = [f for f in self if f.name not in (*HOURS_FIELDS, "hours_source", "ORDER", "DELETE")]
        return [(None, None, rest), (_("Åpningstider"), HOURS_HELP, hours)]

    def clean_phone(self) -> str:
        phone = " ".join((self.cleaned_data.get("phone") or "").split())
        digits = sum(ch.isdigit() for ch in phone)
        if phone and "phone" in self.changed_data and not 3 <= digits <= 15:
            raise ValidationError(_("Telefonnummeret må ha fra 3 til 15 sifre."))
        return phone

    def _clean_day(self, day: str) -> list[str]:
        intervals = _intervals(self.cleaned_data.get(day) or "")
        try:
            parse_hours({"weekly": {day: intervals}})
        except HoursError:
            raise ValidationError(HOURS_MESSAGE) from None
        return intervals

    def clean_mon(self) -> list[str]:
        return self._clean_day("mon")

    def clean_tue(self) -> list[str]:
        return self._clean_day("tue")

    def clean_wed(self) -> list[str]:
        return self._clean_day("wed")

    def clean_thu(self) -> list[str]:
        return self._clean_day("thu")

    def clean_fri(self) -> list[str]:
        return self._clean_day("fri")

    def clean_sat(self) -> list[str]:
        return self._clean_day("sat")

    def clean_sun(self) -> list[str]:
        return self._clean_day("sun")

    def clean_exceptions(self) -> list[dict[str, Any]]:
        found = []
        for number, line in enumerate((self.cleaned_data.get("exceptions") or "").splitlines(), 1):
            if line.strip():
                found.append(_parse_exception_line(line, number))
        try:
            parse_hours({"exceptions": found})
        except HoursError as exc:
            raise ValidationError(str(exc)) from None
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("phone") and not (data.get("source") or "").strip():
            self.add_error("source", _("Skriv hvor nummeret kommer fra."))
        typed = [day for day in DAY_KEYS if data.get(day) and day in self.changed_data]
        if data.get("always_open") and typed:
            self.add_error(
                "always_open", _("Fjern krysset for «Døgnåpen» når du skriver åpningstider.")
            )
        if not data.get("always_open") and not (data.get("hours_source") or "").strip():
            self.add_error(
                "hours_source",
                _("Skriv hvor åpningstidene kommer fra, eller kryss av for «Døgnåpen»."),
            )
        return data

    def write(self, item: dict[str, Any]) -> None:
        changed = set(self.content_changed())
        for name in (n for n in self.fields if n not in HOURS_FIELDS):
            if name in ("ORDER", "DELETE") or not (self.is_new or name in changed):
                continue
            self.put(item, name, self.cleaned_data.get(name))
        if not (self.is_new or changed & set(HOURS_FIELDS)):
            return
        data = self.cleaned_data
        if data.get("always_open"):
            item.pop("hours", None)
            return
        hours = dict(item["hours"]) if isinstance(item.get("hours"), dict) else {}
        hours["weekly"] = {day: data[day] for day in DAY_KEYS if data.get(day)}
        _set_or_drop(hours, "closed_on_public_holidays", data.get("closed_on_public_holidays"))
        _set_or_drop(hours, "exceptions", data.get("exceptions"))
        item["hours"] = hours


def _exception_line(exception: Any) -> str:
    if not isinstance(exception, dict):
        return str(exception)
    day = exception.get("date")
    day = day.isoformat() if isinstance(day, dt.date) else str(day)
    hours = ", ".join(str(i) for i in exception.get("hours") or []) or str(_("stengt"))
    return " ".join(p for p in (day, hours, str(exception.get("note") or "")) if p)


def _parse_exception_line(line: str, number: int) -> dict[str, Any]:
    """ "2026-12-24 10:00-14:00, 16:00-18:00 Julaften" or "2026-12-31 stengt Nyttårsaften"."""
    day, _space, rest = line.strip().partition(" ")
    try:
        dt.date.fromisoformat(day)
        if not re.fullmatch(r"\d{4}-\d\d-\d\d", day):
            raise ValueError(day)
    except ValueError:
        raise ValidationError(
            _("Linje %(n)s: begynn med datoen som ÅÅÅÅ-MM-DD, for eksempel 2026-12-24.")
            % {"n": number}
        ) from None
    rest = rest.strip()
    intervals: list[str] = []
    first, _space, after = rest.partition(" ")
    if first.lower() == str(_("stengt")).lower():
        rest = after.strip()
    else:
        while (match := _INTERVAL.match(rest)) is not None:
            intervals += _intervals(match.group(0))
            rest = rest[match.end() :].strip()
        if not intervals:
            raise ValidationError(
                _("Linje %(n)s: skriv tidene som 08:00-15:30, eller «stengt».") % {"n": number}
            )
    exception: dict[str, Any] = {"date": day}
    if intervals:
        exception["hours"] = intervals
    if rest:
        exception["note"] = rest
    try:
        parse_hours({"exceptions": [exception]})
    except HoursError:
        raise ValidationError(
            _("Linje %(n)s: %(message)s") % {"n": number, "message": HOURS_MESSAGE}
        ) from None
    return exception


class CallStepForm(ItemForm):
    """A step of "who to call now": a contact, when it applies, and why."""

    contact = choice_field(_("Kontakt"), [])
    when = choice_field(_("Når"), WHEN_CHOICES, initial="always")
    of = choice_field(
        _("Hvis stengt: hvem sine åpningstider"),
        [],
        required=False,
        help_text=_("Tom: kontaktens egne."),
    )
    why = TextField(label=_("Hvorfor ringe"), required=False, long=True, rows=2)

    defaults: ClassVar[dict[str, Any]] = {"when": "always"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = contact_choices(self.content)
        self.fields["contact"].choices = [("", _("Velg"))] + choices
        self.fields["of"].choices = [("", _("Kontaktens egne"))] + choices


class SectionForm(ItemForm):
    key_source = "title"
    key = key_field()
    title = TextField(label=_("Overskrift"), required_message=_("Skriv en overskrift."))


class NewSectionForm(SectionForm):
    parent = choice_field(_("Plassering"), [], required=False)
    not_in_item = ("parent",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("Som eget kapittel, sist i planen"))] + [
            (s.get("key"), _("Under «%(title)s»") % {"title": "— " * depth + str(s.get("title"))})
            for s, depth in _walk_sections(self.content.get("sections") or [])
        ]


class TextSettingsForm(ItemForm):
    title = TextField(label=_("Planens tittel"), required_message=_("Skriv en tittel."))
    summary = TextField(label=_("Sammendrag"), required=False, long=True)


class ServiceForm(ItemForm):
    key_source = "name"
    key = key_field()
    name = TextField(label=_("Navn"), required_message=_("Skriv navnet på tjenesten."))
    summary = TextField(
        label=_("Kort om tjenesten"), required=False, long=True, rows=2, help_text=_("Én setning.")
    )
    who_may_contact = TextField(label=_("Hvem kan ta kontakt"), required=False, long=True, rows=2)
    how_to_refer = TextField(label=_("Slik henviser du"), required=False, long=True, rows=3)
    age_min = number_field(_("Fra alder"), 0, 30, help_text=_("Tom: ingen nedre grense."))
    age_max = number_field(
        _("Til og med alder"), 0, 30, help_text=_("Under 18 år skrives 17. Tom: ingen grense.")
    )
    source = TextField(label=_("Kilde"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("age_min"), data.get("age_max")
        if low is not None and high is not None and low > high:
            self.add_error("age_max", _("«Til og med» kan ikke være lavere enn «Fra»."))
        return data


class SituationForm(ItemForm):
    key = key_field()
    title = TextField(label=_("Situasjon"), required_message=_("Skriv situasjonen."))
    description = TextField(label=_("Beskrivelse"), required=False, long=True, rows=3)
    open_worry = checkbox(
        _("Ansatte kan registrere en undring herfra"),
        help_text=_("Vises før numrene for ansatte som kan registrere en undring."),
    )
    paths: ClassVar[dict[str, tuple[str, ...]]] = {"open_worry": ("staff_action",)}

    @classmethod
    def read(cls, item: dict[str, Any]) -> dict[str, Any]:
        initial = super().read(item)
        initial["open_worry"] = item.get("staff_action") == "open_worry"
        return initial

    def put(self, item: dict[str, Any], name: str, value: Any) -> None:
        if name == "open_worry":
            value = "open_worry" if value else None
        super().put(item, name, value)


class RoutineForm(ItemForm):
    key = key_field()
    title = TextField(
        label=_("Når gjelder rutinen"), long=True, rows=2, required_message=_("Skriv tittelen.")
    )
    responsible = TextField(label=_("Hvem har ansvaret"), required=False)
    responsible_roles = checkboxes(_("Roller med ansvar"), ROLE_CHOICES)


class RoutineStepForm(ItemForm):
    key = key_field()
    title = TextField(label=_("Steg"), long=True, rows=2, required_message=_("Skriv steget."))
    text = TextField(label=_("Forklaring"), required=False, long=True, rows=3)
    deadline_days = number_field(
        _("Frist i dager"), 0, 365, help_text=_("Dager etter at rutinen starter. Tom: ingen frist.")
    )
    contact = choice_field(_("Ringeknapp til"), [], required=False)
    form = choice_field(_("Slik krysses steget av"), STEP_FORM_CHOICES, initial="tick")
    guardians = checkbox(_("Vis elevens foresatte"))
    done_if_reporter = checkboxes(_("Gjort når den som starter rutinen er"), ROLE_CHOICES)
    defaults: ClassVar[dict[str, Any]] = {"form": "tick"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [("", _("Ingen"))] + contact_choices(self.content)


class ModelSettingsForm(ItemForm):
    title = TextField(label=_("Tittel"), required_message=_("Skriv en tittel."))


class LevelForm(ItemForm):
    title = TextField(label=_("Tittel"), required_message=_("Skriv en tittel."))
    description = TextField(label=_("Beskrivelse"), required=False, long=True, rows=3)


class LevelStepForm(ItemForm):
    key = key_field()
    title = TextField(label=_("Steg"), required_message=_("Skriv steget."))
    text = TextField(label=_("Forklaring"), required=False, long=True, rows=2)
    deadline_days = number_field(
        _("Frist i dager"), 0, 365, help_text=_("Fra dagen saken kom til nivået. Tom: ingen frist.")
    )
    deadline_counts = choice_field(_("Fristen telles i"), COUNT_CHOICES, initial=CALENDAR_DAYS)
    done_by = checkboxes(_("Steget er gjort når"), FACT_CHOICES, help_text=_("Ett av dem holder."))
    defaults: ClassVar[dict[str, Any]] = {"deadline_counts": CALENDAR_DAYS}


class ConsentSettingsForm(ItemForm):
    pupil_from_age = number_field(_("Eleven samtykker selv fra alder"), 0, 18, required=True)
    pupil_from_age_source = TextField(label=_("Kilde for alderen"), required=False)
    pupil_from_age_review = TextField(
        label=_("Må vurderes (alderen)"), required=False, long=True, rows=2
    )
    max_months = number_field(_("Et samtykke gjelder høyst (måneder)"), 1, 120)
    guardians_required = choice_field(
        _("Når foresatte samtykker"), GUARDIAN_CHOICES, required=False, radio=True
    )
    guardians_source = TextField(label=_("Kilde for foresattes samtykke"), required=False)
    guardians_review = TextField(
        label=_("Må vurderes (foresatte)"), required=False, long=True, rows=2
    )
    default_review = TextField(
        label=_("Regel for tjenester uten egen regel"), required=False, long=True, rows=3
    )
    paths: ClassVar[dict[str, tuple[str, ...]]] = {
        "guardians_required": ("guardians", "required"),
        "guardians_source": ("guardians", "source"),
        "guardians_review": ("guardians", "review"),
    }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        required = data.get("guardians_required")
        if required and not (data.get("guardians_source") or "").strip():
            self.add_error("guardians_source", _("Skriv kilden for regelen om foresatte."))
        if not required and (data.get("guardians_source") or data.get("guardians_review")):
            self.add_error("guardians_required", _("Velg hvem av de foresatte som samtykker."))
        return data


class ConsentRuleForm(ItemForm):
    service = choice_field(_("Tjeneste"), [])
    guardians_under = number_field(
        _("Foresatte samtykker også under alder"), 0, 18, help_text=_("For eksempel 16.")
    )
    source = TextField(label=_("Kilde"), required_message=_("Skriv kilden: planen eller loven."))
    review = TextField(label=_("Må vurderes"), required=False, long=True, rows=2)
    referral_title = TextField(
        label=_("Knapp for henvisning"),
        required=False,
        help_text=_("Når skolen ikke henviser selv, for eksempel «Be om henvisning til BUP»."),
    )

    fixed_fields = ("service",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "service" in self.fields:
            self.fields["service"].choices = [("", _("Velg"))] + service_choices(self.content)

    def fixed_label(self, name: str, value: Any) -> str:
        return dict(service_choices(self.content)).get(str(value), str(value or ""))

    def clean_service(self) -> str:
        service = self.cleaned_data.get("service") or ""
        if self.is_new and service in self.taken:
            raise ValidationError(_("Tjenesten har allerede en samtykkeregel."))
        return service


class ConsentActionForm(ItemForm):
    service = choice_field(_("Tjeneste"), [])
    title = TextField(label=_("Hva tjenesten kan bes om"), required_message=_("Skriv hva."))
    consent = choice_field(_("Samtykke"), CONSENT_CHOICES, radio=True)
    legal_basis = choice_field(_("Hjemmel"), [], required=False)
    source = TextField(label=_("Kilde"), required=False)
    review = TextField(label=_("Må vurderes"), required=False, long=True, rows=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("Velg"))] + service_choices(self.content)
        self.fields["legal_basis"].choices = legal_basis_choices(self.content)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("consent") == "none" and not (data.get("source") or "").strip():
            self.add_error("source", _("Deling uten samtykke må ha en kilde: planen eller loven."))
        return data


class YearplanSettingsForm(ItemForm):
    remind_days_before = number_field(
        _("Påminnelse, dager før møtet"), 0, 90, help_text=_("Den ansvarlige får en påminnelse.")
    )


class EventForm(ItemForm):
    key = key_field()
    kind = choice_field(_("Type"), KIND_CHOICES, initial="parent_meeting")
    title = TextField(label=_("Tittel"), required_message=_("Skriv en tittel."))
    theme = TextField(label=_("Tema"), long=True, rows=2, required_message=_("Skriv temaet."))
    grades = forms.TypedMultipleChoiceField(
        label=_("Trinn"),
        choices=GRADE_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "ds-input"}),
        error_messages={
            "required": _("Velg minst ett trinn."),
            "invalid_choice": _("Velg trinn i listen."),
        },
    )
    month = forms.TypedChoiceField(
        label=_("Måned"),
        choices=MONTH_CHOICES,
        coerce=int,
        widget=forms.Select(attrs={"class": "ds-input"}),
        error_messages={
            "required": _("Velg en måned."),
            "invalid_choice": _("Velg en måned i listen."),
        },
    )
    day = number_field(_("Dag i måneden"), 1, 28, help_text=_("1–28. Tom: skolen velger."))
    time = forms.CharField(
        label=_("Klokkeslett"),
        required=False,
        max_length=5,
        help_text=_("For eksempel 18:00."),
        widget=forms.TextInput(attrs={"class": "ds-input"}),
    )
    duration_minutes = number_field(_("Varighet i minutter"), 15, 600)
    called_by = TextField(
        label=_("Hvem innkaller"),
        long=True,
        rows=2,
        required_message=_("Skriv hvem som innkaller."),
    )
    public = checkbox(_("Vises for foreldre"), help_text=_("Med tid og sted på foreldresiden."))

    def clean_time(self) -> str:
        time = (self.cleaned_data.get("time") or "").strip().replace(".", ":")
        if time and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", time):
            raise ValidationError(_("Skriv klokkeslettet som tt:mm, for eksempel 18:00."))
        return time


class ContributorForm(ItemForm):
    who = TextField(label=_("Hvem"), required_message=_("Skriv hvem."))
    what = TextField(label=_("Bidrar med"), required_message=_("Skriv hva."))


# ----------------------------------------------------------------------------- formsets


class RowFormSet(forms.BaseFormSet):
    """Rows of one list inside an item. Each row knows the entry it came from."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "ORDER" in form.fields:
            form.fields["ORDER"].label = _("Plass")
            form.fields["ORDER"].widget.attrs["class"] = "ds-input"
            form.fields["ORDER"].error_messages["invalid"] = _("Skriv et helt tall.")
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Fjern")
            form.fields["DELETE"].widget.attrs["class"] = "ds-input"

    def kept_forms(self) -> Iterator[forms.Form]:
        for form in self.forms:
            if hasattr(form, "cleaned_data") and not form.cleaned_data.get("DELETE"):
                yield form

    def clean(self) -> None:
        seen: set[str] = set()
        for form in self.kept_forms():
            key = form.cleaned_data.get("key")
            if "key" not in form.fields or not key:
                continue
            if key in seen:
                raise ValidationError(_("Nøkkelen «%(key)s» er brukt to ganger.") % {"key": key})
            seen.add(key)


@dataclass(frozen=True)
class Rows:
    """A list inside an item, edited as a formset: `name` is its key in the item."""

    name: str
    form: type[ItemForm]
    title: Promise
    legend: Promise
    new_legend: Promise
    extra: int = 1

    def formset_class(self) -> type[RowFormSet]:
        return forms.formset_factory(
            self.form,
            formset=RowFormSet,
            extra=self.extra,
            can_order=True,
            can_delete=True,
            max_num=MAX_ROWS,
            absolute_max=MAX_ROWS,
            validate_max=True,
        )


BLOCKS = Rows("blocks", BlockForm, _("Tekst"), _("Tekstblokk"), _("Ny tekstblokk"))


@dataclass(frozen=True)
class Spec:
    """What edits an item: its main form and the lists inside it. `watched` names the keys
    whose change by someone else stops a save (None: all but the lists edited elsewhere)."""

    form: type[ItemForm]
    rows: tuple[Rows, ...] = ()
    watched: tuple[str, ...] | None = None
    elsewhere: tuple[str, ...] = ()

    def version(self, item: dict[str, Any]) -> str:
        """A short fingerprint of what this page edits, to notice a save in between."""
        shown = {
            k: v
            for k, v in item.items()
            if (self.watched is None or k in self.watched) and k not in self.elsewhere
        }
        return content_hash(shown)[:16]


class ItemForms:
    """An item's main form and formsets, bound to a POST or not."""

    def __init__(
        self,
        spec: Spec,
        *,
        item: dict[str, Any],
        content: dict[str, Any],
        data: Any = None,
        new: bool = False,
        taken: frozenset[str] = frozenset(),
    ) -> None:
        self.spec = spec
        self.new = new
        self.version = spec.version(item)
        self.form = spec.form(
            data,
            initial=None if new else spec.form.read(item),
            content=content,
            new=new,
            taken=taken,
        )
        self.formsets: list[tuple[Rows, RowFormSet, list[Any]]] = []
        for rows in spec.rows:
            entries = [] if new else list(item.get(rows.name) or [])
            initial = [{**rows.form.read(e), "_index": i} for i, e in enumerate(entries)]
            # A new row's key, made from its title, steers clear of the rows already there.
            keys = frozenset(str(e.get("key")) for e in entries if e.get("key"))
            formset = rows.formset_class()(
                data,
                prefix=rows.name,
                initial=initial,
                form_kwargs={"content": content, "taken": keys},
            )
            self.formsets.append((rows, formset, entries))

    def is_valid(self) -> bool:
        results = [self.form.is_valid()] + [fs.is_valid() for _r, fs, _e in self.formsets]
        return all(results)

    def has_changed(self) -> bool:
        return (
            self.new
            or self.form.has_changed()
            or any(fs.has_changed() for _r, fs, _e in self.formsets)
        )

    def apply(self, item: dict[str, Any]) -> None:
        """Write the cleaned data into `item`, which must be the one the forms were made from."""
        self.form.write(item)
        for rows, formset, entries in self.formsets:
            if not (self.new or formset.has_changed()):
                continue
            kept = []
            for form in formset.ordered_forms:
                index = form.initial.get("_index")
                entry = copy.deepcopy(entries[index]) if isinstance(index, int) else {}
                form.write(entry)
                kept.append(entry)
            if kept or rows.name in item or self.new:
                item[rows.name] = kept

    def row_errors(self) -> list[str]:
        """Errors inside the lists, for the summary at the top of the page."""
        found = []
        for rows, formset, _entries in self.formsets:
            found += [f"{rows.title}: {e}" for e in formset.non_form_errors()]
            for number, form in enumerate(formset.forms, 1):
                if not form.errors or getattr(form, "cleaned_data", {}).get("DELETE"):
                    continue
                for name, errors in form.errors.items():
                    label = form.fields[name].label if name in form.fields else ""
                    for error in errors:
                        found.append(
                            f"{rows.legend} {number}: {label}: {error}"
                            if label
                            else f"{rows.legend} {number}: {error}"
                        )
        return found


# ----------------------------------------------------------------------------- parts


@dataclass(frozen=True)
class Entry:
    """An item as a part's page lists it."""

    key: str
    title: str
    children: tuple[Entry, ...] = ()

    @property
    def editable(self) -> bool:
        """Whether the key can stand in an address; a plan imported as YAML may hold others."""
        return SLUG.fullmatch(self.key) is not None


@dataclass(frozen=True)
class Group:
    """Items under one heading of a part's page, and how a new one is added."""

    title: Promise | None
    entries: tuple[Entry, ...]
    add_label: Promise | None = None
    add_kind: str = ""


def _walk_sections(sections: list[Any], depth: int = 0) -> Iterator[tuple[dict[str, Any], int]]:
    for section in sections:
        if isinstance(section, dict):
            yield section, depth
            yield from _walk_sections(section.get("sections") or [], depth + 1)


def _get_list(content: dict[str, Any], path: tuple[str, ...]) -> list[Any]:
    value = _dig(content, path)
    return value if isinstance(value, list) else []


def _make_list(content: dict[str, Any], path: tuple[str, ...]) -> list[Any]:
    parent = content
    for step in path[:-1]:
        if not isinstance(parent.get(step), dict):
            parent[step] = {}
        parent = parent[step]
    if not isinstance(parent.get(path[-1]), list):
        parent[path[-1]] = []
    return parent[path[-1]]


def _make_mapping(content: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    parent = content
    for step in path:
        if not isinstance(parent.get(step), dict):
            parent[step] = {}
        parent = parent[step]
    return parent


@dataclass(frozen=True)
class Part:
    """A part of the plan: its items, and the forms that edit them.

    The base class serves a plain list of mappings with keys (services, situations, routines,
    year plan events) at `path` in the content; the parts shaped otherwise override.
    """

    slug: str
    title: Promise
    summary: Promise
    item_spec: Spec
    path: tuple[str, ...] = ()
    title_key: str = "title"
    add_label: Promise | None = None
    settings: Spec | None = None
    settings_path: tuple[str, ...] = ()
    settings_title: Promise | None = None

    def groups(self, content: dict[str, Any]) -> list[Group]:
        entries = tuple(
            Entry(str(i.get("key")), str(i.get(self.title_key) or i.get("key")))
            for i in _get_list(content, self.path)
            if isinstance(i, dict)
        )
        return [Group(None, entries, self.add_label)]

    def find(self, content: dict[str, Any], key: str) -> dict[str, Any] | None:
        """The item with `key`, as a mapping inside `content` (changing it changes content)."""
        if key == SETTINGS_KEY:
            if self.settings is None:
                return None
            found = _dig(content, self.settings_path) if self.settings_path else content
            return found if isinstance(found, dict) else {}
        return next(
            (
                i
                for i in _get_list(content, self.path)
                if isinstance(i, dict) and i.get("key") == key
            ),
            None,
        )

    def attach(self, content: dict[str, Any], key: str, item: dict[str, Any]) -> None:
        """Put a part's own fields back when they were not in the plan yet."""
        if key == SETTINGS_KEY and self.settings_path:
            _make_mapping(content, self.settings_path[:-1])[self.settings_path[-1]] = item

    def spec(self, key: str) -> Spec:
        return self.settings if key == SETTINGS_KEY and self.settings else self.item_spec

    def item_title(self, item: dict[str, Any], key: str) -> str:
        if key == SETTINGS_KEY:
            return str(self.settings_title or self.title)
        return str(item.get(self.title_key) or key)

    # Adding and removing.
    def new_title(self, kind: str) -> Promise | None:
        return self.add_label

    def new_spec(self, kind: str) -> Spec | None:
        return self.item_spec if self.add_label else None

    def taken(self, content: dict[str, Any], kind: str) -> frozenset[str]:
        return frozenset(
            str(i.get("key")) for i in _get_list(content, self.path) if isinstance(i, dict)
        )

    def insert(self, content: dict[str, Any], item: dict[str, Any], form: ItemForm) -> str:
        _make_list(content, self.path).append(item)
        return str(item.get("key"))

    def can_remove(self, key: str) -> bool:
        return self.add_label is not None and key != SETTINGS_KEY

    def remove(self, content: dict[str, Any], key: str) -> None:
        items = _get_list(content, self.path)
        items[:] = [i for i in items if not (isinstance(i, dict) and i.get("key") == key)]


@dataclass(frozen=True)
class SectionsPart(Part):
    """The plan's text: sections inside sections, each addressed by its own key."""

    def groups(self, content: dict[str, Any]) -> list[Group]:
        def entries(sections: list[Any]) -> tuple[Entry, ...]:
            return tuple(
                Entry(
                    str(s.get("key")),
                    str(s.get("title") or s.get("key")),
                    entries(s.get("sections") or []),
                )
                for s in sections
                if isinstance(s, dict)
            )

        return [Group(None, entries(content.get("sections") or []), self.add_label)]

    def find(self, content: dict[str, Any], key: str) -> dict[str, Any] | None:
        if key == SETTINGS_KEY:
            return super().find(content, key)
        return next(
            (s for s, _d in _walk_sections(content.get("sections") or []) if s.get("key") == key),
            None,
        )

    def taken(self, content: dict[str, Any], kind: str) -> frozenset[str]:
        return frozenset(
            str(s.get("key")) for s, _d in _walk_sections(content.get("sections") or [])
        )

    def new_spec(self, kind: str) -> Spec | None:
        return Spec(NewSectionForm, (BLOCKS,))

    def insert(self, content: dict[str, Any], item: dict[str, Any], form: ItemForm) -> str:
        parent = self.find(content, form.cleaned_data.get("parent") or "")
        siblings = (
            parent.setdefault("sections", []) if parent else _make_list(content, ("sections",))
        )
        siblings.append(item)
        return str(item.get("key"))

    def remove(self, content: dict[str, Any], key: str) -> None:
        def prune(sections: list[Any]) -> None:
            sections[:] = [s for s in sections if not (isinstance(s, dict) and s.get("key") == key)]
            for section in sections:
                if isinstance(section, dict) and isinstance(section.get("sections"), list):
                    prune(section["sections"])

        prune(_get_list(content, ("sections",)))


@dataclass(frozen=True)
class LevelsPart(Part):
    """Lunnermodellen: its four levels are edited, not added or removed."""

    def groups(self, content: dict[str, Any]) -> list[Group]:
        entries = tuple(
            Entry(
                str(level.get("level")),
                _("Nivå %(n)s: %(title)s")
                % {"n": level.get("level"), "title": level.get("title", "")},
            )
            for level in _get_list(content, self.path)
            if isinstance(level, dict)
        )
        return [Group(None, entries)]

    def find(self, content: dict[str, Any], key: str) -> dict[str, Any] | None:
        if key == SETTINGS_KEY:
            return super().find(content, key)
        return next(
            (
                level
                for level in _get_list(content, self.path)
                if isinstance(level, dict) and str(level.get("level")) == key
            ),
            None,
        )

    def item_title(self, item: dict[str, Any], key: str) -> str:
        if key == SETTINGS_KEY:
            return super().item_title(item, key)
        return str(_("Nivå %(n)s") % {"n": key})


RULE, ACTION = "regel", "handling"


@dataclass(frozen=True)
class ConsentPart(Part):
    """Consent and sharing: the services' consent rules (addressed as regel-<service>) and
    what each service can be asked to do (handling-<number>, counted from 1)."""

    def _rules(self, content: dict[str, Any]) -> list[Any]:
        return _get_list(content, (*self.path, "services"))

    def _actions(self, content: dict[str, Any]) -> list[Any]:
        return _get_list(content, (*self.path, "actions"))

    def groups(self, content: dict[str, Any]) -> list[Group]:
        names = dict(service_choices(content))
        rules = tuple(
            Entry(
                f"{RULE}-{r.get('service')}",
                names.get(str(r.get("service")), str(r.get("service"))),
            )
            for r in self._rules(content)
            if isinstance(r, dict)
        )
        actions = tuple(
            Entry(
                f"{ACTION}-{n}",
                f"{names.get(str(a.get('service')), a.get('service'))}: {a.get('title', '')}",
            )
            for n, a in enumerate(self._actions(content), 1)
            if isinstance(a, dict)
        )
        return [
            Group(_("Samtykkeregler per tjeneste"), rules, _("Ny samtykkeregel"), RULE),
            Group(_("Hva tjenestene kan bes om"), actions, _("Ny handling"), ACTION),
        ]

    def find(self, content: dict[str, Any], key: str) -> dict[str, Any] | None:
        if key == SETTINGS_KEY:
            return super().find(content, key)
        kind, _dash, rest = key.partition("-")
        if kind == RULE:
            return next(
                (
                    r
                    for r in self._rules(content)
                    if isinstance(r, dict) and str(r.get("service")) == rest
                ),
                None,
            )
        if kind == ACTION and rest.isdigit() and len(rest) < 6:
            actions = self._actions(content)
            index = int(rest) - 1
            found = actions[index] if 0 <= index < len(actions) else None
            return found if isinstance(found, dict) else None
        return None

    def spec(self, key: str) -> Spec:
        if key == SETTINGS_KEY:
            return super().spec(key)
        return CONSENT_ACTION if key.startswith(ACTION) else CONSENT_RULE

    def item_title(self, item: dict[str, Any], key: str) -> str:
        if key == SETTINGS_KEY:
            return super().item_title(item, key)
        if key.startswith(ACTION):
            return str(item.get("title") or key)
        return str(item.get("service") or key)

    def new_spec(self, kind: str) -> Spec | None:
        return CONSENT_ACTION if kind == ACTION else CONSENT_RULE

    def new_title(self, kind: str) -> Promise | None:
        return _("Ny handling") if kind == ACTION else _("Ny samtykkeregel")

    def taken(self, content: dict[str, Any], kind: str) -> frozenset[str]:
        if kind == ACTION:
            return frozenset()
        return frozenset(str(r.get("service")) for r in self._rules(content) if isinstance(r, dict))

    def insert(self, content: dict[str, Any], item: dict[str, Any], form: ItemForm) -> str:
        if isinstance(form, ConsentActionForm):
            actions = _make_list(content, (*self.path, "actions"))
            actions.append(item)
            return f"{ACTION}-{len(actions)}"
        _make_list(content, (*self.path, "services")).append(item)
        return f"{RULE}-{item.get('service')}"

    def can_remove(self, key: str) -> bool:
        return key != SETTINGS_KEY

    def remove(self, content: dict[str, Any], key: str) -> None:
        found = self.find(content, key)
        for items in (self._rules(content), self._actions(content)):
            items[:] = [i for i in items if i is not found]


CONSENT_RULE = Spec(ConsentRuleForm)
CONSENT_ACTION = Spec(ConsentActionForm)
CALL_STEPS = Rows(
    "steps", CallStepForm, _("Hvem ringer du, i rekkefølge"), _("Steg"), _("Nytt steg")
)
CONTACTS = Rows(
    "contacts", ContactForm, _("Kontakter og telefonnumre"), _("Kontakt"), _("Ny kontakt")
)
ROUTINE_STEPS = Rows("steps", RoutineStepForm, _("Steg"), _("Steg"), _("Nytt steg"))
LEVEL_STEPS = Rows("steps", LevelStepForm, _("Steg"), _("Steg"), _("Nytt steg"))
CONTRIBUTORS = Rows(
    "contributors", ContributorForm, _("Hvem bidrar"), _("Bidrag"), _("Nytt bidrag")
)

PARTS: dict[str, Part] = {
    part.slug: part
    for part in (
        SectionsPart(
            "tekst",
            _("Planens tekst"),
            _("Tittel, sammendrag og kapitlene med tekst."),
            Spec(SectionForm, (BLOCKS,), elsewhere=("sections",)),
            add_label=_("Nytt kapittel"),
            settings=Spec(TextSettingsForm, watched=("title", "summary")),
            settings_title=_("Tittel og sammendrag"),
        ),
        Part(
            "tjenester",
            _("Tjenester og telefonnumre"),
            _("Samarbeidspartnerne, numrene og åpningstidene."),
            Spec(ServiceForm, (BLOCKS, CONTACTS)),
            path=("services",),
            title_key="name",
            add_label=_("Ny tjeneste"),
        ),
        Part(
            "ring",
            _("Hvem ringer jeg nå?"),
            _("Situasjonene og hvem som ringes, etter åpningstid."),
            Spec(SituationForm, (CALL_STEPS,)),
            path=("situations",),
            add_label=_("Ny situasjon"),
        ),
        Part(
            "rutiner",
            _("Rutiner"),
            _("Skolens rutiner, steg for steg, med frister."),
            Spec(RoutineForm, (ROUTINE_STEPS, BLOCKS)),
            path=("routines",),
            add_label=_("Ny rutine"),
        ),
        LevelsPart(
            "lunnermodellen",
            _("Lunnermodellen"),
            _("Nivå 0–3 med steg, frister og hva som fullfører dem."),
            Spec(LevelForm, (LEVEL_STEPS,)),
            path=("lunnermodellen", "levels"),
            settings=Spec(ModelSettingsForm, (BLOCKS,), elsewhere=("levels",)),
            settings_path=("lunnermodellen",),
            settings_title=_("Tittel og innledning"),
        ),
        ConsentPart(
            "samtykke",
            _("Deling og samtykke"),
            _("Hvem som samtykker, og hva som deles med og uten samtykke."),
            CONSENT_RULE,
            path=("casework", "consent"),
            settings=Spec(ConsentSettingsForm, elsewhere=("services", "actions")),
            settings_path=("casework", "consent"),
            settings_title=_("Alder, foresatte og standardregel"),
        ),
        Part(
            "arshjul",
            _("Årshjulet (mal)"),
            _("Foreldremøter og elevforedrag per trinn."),
            Spec(EventForm, (CONTRIBUTORS,)),
            path=("yearplan", "events"),
            add_label=_("Nytt møte"),
            settings=Spec(YearplanSettingsForm, elsewhere=("events",)),
            settings_path=("yearplan",),
            settings_title=_("Påminnelse"),
        ),
    )
}


def part_items(content: dict[str, Any]) -> Iterator[tuple[Part, str]]:
    """Every (part, key) the editor can open in `content`, part settings included."""
    for part in PARTS.values():
        if part.settings is not None:
            yield part, SETTINGS_KEY

        def walk(entries: tuple[Entry, ...]) -> Iterator[str]:
            for entry in entries:
                yield entry.key
                yield from walk(entry.children)

        for group in part.groups(content):
            for key in walk(group.entries):
                yield part, key
