"""Disclosure control for the insights tables: no small count can be seen or worked out.

A table is its inner cells plus a total for each row, each column and the whole table.
Totals are computed from the true values. Then:

1. Primary suppression: every entry (cell or total) from 1 to 4 is hidden and shown as "<5".
   Zero is shown: a zero is about nobody, and "no worries this month" is worth knowing.
2. Complementary suppression: an entry of 5 or more is hidden too (shown as ":") when
   otherwise a hidden entry could be worked out from the shown ones.

"Worked out" is judged as a careful reader would: every row, column and the total row and
column add up, a "<5" lies between 1 and 4, a ":" is 5 or more (it was a shown count that
had to be hidden, never a zero), and shown numbers are exact. An entry is protected only if
it can take at least two values under all of that together. Each hidden entry's range is
computed exactly (a small max-flow over the table's lines), and the smallest shown entry in
the line of an exposed entry is hidden next, until every hidden entry is protected.

The whole-table total is never hidden to protect others, so tables of the same records
(worries by month and worries by level) agree on it. A table whose total is under 5, or that
cannot be protected otherwise, is withheld altogether.
"""

from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

THRESHOLD = 5
# Upper bound for a ":" entry; any number larger than every count in a table would do.
UNBOUNDED = 10**12


class State(StrEnum):
    SHOWN = "shown"
    SMALL = "small"  # 1-4, shown as "<5"
    HIDDEN = "hidden"  # 5 or more, hidden so that a small one cannot be worked out


SMALL_LABEL = "<5"
HIDDEN_LABEL = ":"


@dataclass(frozen=True)
class Entry:
    value: int
    state: State

    @property
    def label(self) -> str:
        if self.state is State.SMALL:
            return SMALL_LABEL
        if self.state is State.HIDDEN:
            return HIDDEN_LABEL
        return str(self.value)

    @property
    def shown(self) -> int | None:
        """The number that may be shown, or None when it is hidden."""
        return self.value if self.state is State.SHOWN else None


@dataclass(frozen=True)
class Protected:
    """A table with its totals, each entry with what may be shown of it.

    `entries` has one more row and column than the table: the last column holds the
    row totals, the last row the column totals, the bottom-right entry the grand total.
    `withheld` is true when no entry may be shown at all.
    """

    entries: tuple[tuple[Entry, ...], ...]
    withheld: bool

    @property
    def grand_total(self) -> Entry:
        return self.entries[-1][-1]


def with_totals(values: list[list[int]]) -> list[list[int]]:
    """The table with a total column, a total row and the grand total appended."""
    columns = len(values[0]) if values else 0
    full = [[*row, sum(row)] for row in values]
    full.append([sum(row[c] for row in full) for c in range(columns + 1)])
    return full


def protect(values: list[list[int]]) -> Protected:
    """Hide what must be hidden in a table of counts; see the module's description."""
    return _protect(tuple(tuple(row) for row in values))


# The same table always gets the same answer, and the tallies change only when recounted, so
# most page views ask again for a table already worked out.
@functools.lru_cache(maxsize=512)
def _protect(values: tuple[tuple[int, ...], ...]) -> Protected:
    full = with_totals([list(row) for row in values])
    grand = full[-1][-1]
    if 0 < grand < THRESHOLD:
        return _withheld(full)
    states = [[State.SMALL if 0 < v < THRESHOLD else State.SHOWN for v in row] for row in full]
    while True:
        line = _line_with_one_hidden(states) or _lines_of_exposed_entry(full, states)
        if line is None:
            break
        pick = _next_to_hide(full, states, line) or _next_to_hide(
            full, states, _lines_with_hidden(states)
        )
        if pick is None:
            return _withheld(full)
        states[pick[0]][pick[1]] = State.HIDDEN
    entries = tuple(
        tuple(Entry(v, s) for v, s in zip(row, state_row, strict=True))
        for row, state_row in zip(full, states, strict=True)
    )
    return Protected(entries=entries, withheld=False)


def _withheld(full: list[list[int]]) -> Protected:
    def state(v: int) -> State:
        return State.SMALL if v < THRESHOLD else State.HIDDEN

    entries = tuple(tuple(Entry(v, state(v) if v else State.HIDDEN) for v in row) for row in full)
    return Protected(entries=entries, withheld=True)


Position = tuple[int, int]


def lines(rows: int, columns: int) -> list[list[Position]]:
    """Every line of a table with totals: each row and each column, totals included."""
    return [[(r, c) for c in range(columns)] for r in range(rows)] + [
        [(r, c) for r in range(rows)] for c in range(columns)
    ]


def _line_with_one_hidden(states: list[list[State]]) -> list[Position] | None:
    """A line with exactly one hidden entry: that entry is its total minus the others."""
    for line in lines(len(states), len(states[0])):
        hidden = [p for p in line if states[p[0]][p[1]] is not State.SHOWN]
        if len(hidden) == 1:
            return line
    return None


def _lines_with_hidden(states: list[list[State]]) -> list[Position]:
    """Every entry of every line that has a hidden entry: where to look when the lines
    through an exposed entry have nothing left to hide, since it is then worked out
    through other lines."""
    return [
        p
        for line in lines(len(states), len(states[0]))
        if any(states[r][c] is not State.SHOWN for r, c in line)
        for p in line
    ]


def _lines_of_exposed_entry(
    full: list[list[int]], states: list[list[State]]
) -> list[Position] | None:
    """Both lines through a hidden entry whose value can be worked out, if there is one."""
    rows, columns = len(full), len(full[0])
    for r, row in enumerate(states):
        for c, state in enumerate(row):
            if state is not State.SHOWN:
                low, high = value_range(full, states, (r, c))
                if low == high:
                    return [(r, cc) for cc in range(columns)] + [(rr, c) for rr in range(rows)]
    return None


def _next_to_hide(
    full: list[list[int]], states: list[list[State]], candidates: list[Position]
) -> Position | None:
    """The smallest shown, non-zero entry among `candidates`, never the grand total."""
    grand = (len(full) - 1, len(full[0]) - 1)
    shown = [
        p
        for p in candidates
        if p != grand and states[p[0]][p[1]] is State.SHOWN and full[p[0]][p[1]] > 0
    ]
    return min(shown, key=lambda p: (full[p[0]][p[1]], p)) if shown else None


def bounds(state: State) -> tuple[int, int]:
    """What a reader knows of an entry from its label."""
    if state is State.SMALL:
        return (1, THRESHOLD - 1)
    if state is State.HIDDEN:
        return (THRESHOLD, UNBOUNDED)
    raise ValueError("a shown entry is exact")


def value_range(
    full: list[list[int]], states: list[list[State]], position: Position
) -> tuple[int, int]:
    """The lowest and highest value a hidden entry could have, every line still adding up.

    The table's lines are equations. Flipping the sign of the total row and total column
    (the grand total keeps its sign, flipped twice) makes every line sum to zero, so a change
    that keeps all lines adding up is a circulation between row and column nodes over the
    hidden entries. How far one entry can move is then a maximum flow back round through the
    others, each carrying at most its slack to its bounds.
    """
    rows, columns = len(full), len(full[0])
    capacity: dict[int, dict[int, int]] = {n: {} for n in range(rows + columns)}
    own: tuple[int, int] = (0, 0)
    flipped = False
    for r in range(rows):
        for c in range(columns):
            if states[r][c] is State.SHOWN:
                continue
            low, high = bounds(states[r][c])
            value = full[r][c]
            up, down = high - value, value - low
            sign_flipped = (r == rows - 1) != (c == columns - 1)
            if sign_flipped:
                up, down = down, up
            if (r, c) == position:
                own, flipped = (up, down), sign_flipped
                continue
            capacity[r][rows + c] = up
            capacity[rows + c][r] = down
    r, c = position
    increase = min(own[0], _max_flow(capacity, rows + c, r))
    decrease = min(own[1], _max_flow(capacity, r, rows + c))
    if flipped:
        increase, decrease = decrease, increase
    value = full[r][c]
    return (value - decrease, value + increase)


def _max_flow(capacity: dict[int, dict[int, int]], source: int, sink: int) -> int:
    """Edmonds-Karp on a small graph; the capacities are copied, not changed."""
    residual = {n: dict(edges) for n, edges in capacity.items()}
    for n, edges in capacity.items():
        for m in edges:
            residual[m].setdefault(n, 0)
    total = 0
    while True:
        parent = {source: source}
        queue = deque([source])
        while queue and sink not in parent:
            node = queue.popleft()
            for nxt, cap in residual[node].items():
                if cap > 0 and nxt not in parent:
                    parent[nxt] = node
                    queue.append(nxt)
        if sink not in parent:
            return total
        path = []
        node = sink
        while node != source:
            path.append((parent[node], node))
            node = parent[node]
        push = min(residual[a][b] for a, b in path)
        for a, b in path:
            residual[a][b] -= push
            residual[b][a] += push
        total += push
        if total >= UNBOUNDED:
            return total
