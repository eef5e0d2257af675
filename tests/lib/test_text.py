from __future__ import annotations

import pytest

from varde.lib.text import csv_cell, has_bidi_controls

pytestmark = pytest.mark.any_database


@pytest.mark.parametrize(
    "control",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"],
)
def test_every_bidirectional_control_is_found(control):
    assert has_bidi_controls(f"Anne{control}enitsirk")


@pytest.mark.parametrize(
    "name", ["Anne Kristine", "Ærlig Åsmund Øverby", "محمد", "עברית", "Ana-María O'Neil"]
)
def test_names_in_any_script_without_controls_are_fine(name):
    assert not has_bidi_controls(name)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+47 22 00 00 00", "'+47 22 00 00 00"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Lunner ungdomsskole", "Lunner ungdomsskole"),
        ("<5", "<5"),
        (12, "12"),
        (None, ""),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_shown_as_text(value, cell):
    assert csv_cell(value) == cell
