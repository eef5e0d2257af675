"""Rules for text people type: no hidden direction controls, and spreadsheet-safe CSV cells."""

from __future__ import annotations

import re

# The Unicode bidirectional embedding, override and isolate controls. U+202E (right-to-left
# override) reverses the text after it, so "Anne\u202eenitsirk" shows as "Annekristine".
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")

# A spreadsheet takes a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def has_bidi_controls(text: str) -> bool:
    """Whether `text` holds a bidirectional control character (U+202A–U+202E, U+2066–U+2069)."""
    return bool(_BIDI.search(text))


def csv_cell(value: object) -> str:
    """`value` as a CSV cell a spreadsheet shows as text: a leading =, +, -, @, tab or carriage
    return gets an apostrophe before it, so the cell is never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def tel_uri(phone: str) -> str:
    """A tel: URI for a phone number as written: "906 42 577" -> "tel:90642577"."""
    digits = re.sub(r"\D", "", phone)
    if not digits:
        raise ValueError(f"No digits in phone number {phone!r}.")
    # A leading + is part of an international number; every other symbol is only formatting.
    prefix = "+" if phone.strip().startswith("+") else ""
    return f"tel:{prefix}{digits}"


def tel_link(phone: str) -> str:
    """A tel: URI for a number that has digits, "" for one that has none."""
    return tel_uri(phone) if any(c.isdigit() for c in phone) else ""
