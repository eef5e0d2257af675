"""No combination of shown numbers reveals a hidden one.

The reader in these tests is careful: they know every line adds up to its total, that "<5" is
1 to 4 and ":" is 5 or more, and they read every shown number. A hidden entry is revealed if
only one value fits. The check here does not reuse the module's max-flow: it walks every
closed path of hidden entries through the table's lines and tries moving one step along it,
recomputing every total from the cells, which is how a reader with pencil and paper would find
a second table that fits what is shown.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from varde.insights.suppression import (
    HIDDEN_LABEL,
    SMALL_LABEL,
    THRESHOLD,
    Protected,
    State,
    protect,
    with_totals,
)

# Plain Python: the database under the test does not matter.
pytestmark = pytest.mark.any_database

Position = tuple[int, int]


def labels(protected: Protected) -> list[list[str]]:
    return [[e.label for e in row] for row in protected.entries]


def fits_what_is_shown(table: list[list[int]], shown: list[list[str]]) -> bool:
    """Would a reader accept `table` (cells only) as the one behind the shown labels?"""
    for row, shown_row in zip(with_totals(table), shown, strict=True):
        for value, label in zip(row, shown_row, strict=True):
            if label == SMALL_LABEL and not 1 <= value < THRESHOLD:
                return False
            if label == HIDDEN_LABEL and value < THRESHOLD:
                return False
            if label not in (SMALL_LABEL, HIDDEN_LABEL) and value != int(label):
                return False
    return True


def movable(values: list[list[int]], shown: list[list[str]]) -> set[Position]:
    """Entries that differ in some other table that fits what is shown.

    Any other table that fits differs from the true one by whole numbers on the hidden
    cells, and can be reached by steps that each move every hidden cell by -1, 0 or +1
    and still fit (a difference splits into closed paths through the lines, and one step
    along a path stays within every bound the path's ends stay within). So trying every
    such single step finds every entry that is not pinned down. Rows are tried one at a
    time, keeping only steps that leave a shown row total as it is.
    """
    rows, columns = len(values), len(values[0])
    true_full = with_totals(values)
    per_row = []
    for r in range(rows):
        hidden = [c for c in range(columns) if shown[r][c] in (SMALL_LABEL, HIDDEN_LABEL)]
        total_shown = shown[r][columns] not in (SMALL_LABEL, HIDDEN_LABEL)
        options = []
        for deltas in itertools.product((-1, 0, 1), repeat=len(hidden)):
            if total_shown and sum(deltas) != 0:
                continue
            options.append(dict(zip(((r, c) for c in hidden), deltas, strict=True)))
        per_row.append(options)
    found: set[Position] = set()
    for parts in itertools.product(*per_row):
        table = [row[:] for row in values]
        for part in parts:
            for (r, c), delta in part.items():
                table[r][c] += delta
        if table == values or not fits_what_is_shown(table, shown):
            continue
        full = with_totals(table)
        found |= {
            (r, c)
            for r in range(rows + 1)
            for c in range(columns + 1)
            if full[r][c] != true_full[r][c]
        }
    return found


def can_differ(values: list[list[int]], shown: list[list[str]], position: Position) -> bool:
    return position in movable(values, shown)


def revealed(values: list[list[int]], protected: Protected) -> list[Position]:
    free = movable(values, labels(protected))
    return [
        (r, c)
        for r, row in enumerate(protected.entries)
        for c, entry in enumerate(row)
        if entry.state is not State.SHOWN and (r, c) not in free
    ]


def naive(values: list[list[int]]) -> Protected:
    """Hide 1-4, then hide the smallest other entry of any line with one hidden: not enough."""
    from varde.insights.suppression import Entry, lines

    full = with_totals(values)
    states = [[State.SMALL if 0 < v < THRESHOLD else State.SHOWN for v in row] for row in full]
    changed = True
    while changed:
        changed = False
        for line in lines(len(full), len(full[0])):
            hidden = [p for p in line if states[p[0]][p[1]] is not State.SHOWN]
            others = [p for p in line if states[p[0]][p[1]] is State.SHOWN and full[p[0]][p[1]]]
            if len(hidden) == 1 and others:
                r, c = min(others, key=lambda p: full[p[0]][p[1]])
                states[r][c] = State.HIDDEN
                changed = True
    entries = tuple(
        tuple(Entry(v, s) for v, s in zip(row, srow, strict=True))
        for row, srow in zip(full, states, strict=True)
    )
    return Protected(entries=entries, withheld=False)


# Counts as a small municipality has them: mostly small, some zeros, a few large.
counts = st.one_of(st.integers(0, 4), st.integers(0, 4), st.integers(0, 40))
tables = st.integers(1, 3).flatmap(
    lambda rows: st.integers(1, 3).flatmap(
        lambda columns: st.lists(
            st.lists(counts, min_size=columns, max_size=columns), min_size=rows, max_size=rows
        )
    )
)


def test_two_small_counts_in_a_line_with_a_shown_total_are_worked_out_by_naive_suppression():
    values = [[1, 1, 10], [6, 7, 8]]
    # "<5" and "<5" adding up to 12 - 10 = 2 can only be 1 and 1.
    assert (0, 0) in revealed(values, naive(values))
    assert revealed(values, protect(values)) == []


def test_the_check_finds_a_lone_hidden_cell():
    values = [[2, 9], [8, 30]]
    shown = [["<5", "9", "11"], ["8", "30", "38"], ["10", "39", "49"]]
    assert not can_differ(values, shown, (0, 0))


@settings(max_examples=3000, deadline=None)
@given(tables)
def test_no_hidden_entry_can_be_worked_out_from_what_is_shown(values):
    protected = protect(values)
    if protected.withheld:
        assert all(e.shown is None for row in protected.entries for e in row)
        return
    assert revealed(values, protected) == []


@settings(max_examples=3000, deadline=None)
@given(tables)
def test_every_count_from_1_to_4_shows_as_under_5_and_no_line_has_one_hidden_entry(values):
    protected = protect(values)
    if protected.withheld:
        return
    for row in protected.entries:
        for entry in row:
            if 0 < entry.value < THRESHOLD:
                assert entry.label == "<5"
            if entry.state is State.SHOWN:
                assert entry.label == str(entry.value)
            else:
                assert entry.value > 0
    states = [[e.state for e in row] for row in protected.entries]
    from varde.insights.suppression import lines

    for line in lines(len(states), len(states[0])):
        assert sum(states[r][c] is not State.SHOWN for r, c in line) != 1


@settings(max_examples=1000, deadline=None)
@given(tables)
def test_the_grand_total_is_never_hidden_to_protect_others(values):
    protected = protect(values)
    grand = protected.grand_total
    if not protected.withheld:
        assert (grand.state is State.SHOWN) == (grand.value == 0 or grand.value >= THRESHOLD)
