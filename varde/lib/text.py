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
