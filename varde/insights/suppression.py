"""Disclosure control for the trend page: one publication, suppressed once and jointly, that
every page and CSV only selects from.

What is published
-----------------
The counts come per school, time and a category, in families (varde/insights/publication.py
says which): worries by grade band per month; the same worries by the highest level reached,
and by days to the conversation (or none held yet), per year; incidents by kind per month;
the intoxicated pupils' incidents by whether the next-day follow-up was held, per year. The
publication holds every sum of them a page may show, each once: for every node of the map (a
school, a municipality, an SLT region) and every time (a month, a calendar year), the count in
each category the family publishes there (`Cube.labels`) and the total.

A page or CSV, for any selection and period a user may ask for, shows cells of this
publication, and sums of cells it also shows: over whole calendar years, or over nodes the
same user can select one by one. A sum is a number only when every cell in it is shown; a key
figure (the median days, the share followed up) only when every number it is worked out from
is shown in the table beside it. Filters select from the publication; no request makes a
table of its own. Periods are whole calendar years for that reason: a sum over any other run
of months would be a new number, and the differences between such sums new numbers again.

Labels: 0 and every number from 5 are shown. 1 to 4 is "<5". A cell of 5 or more hidden so that
a small count cannot be worked out is ":". "x" is a school's number withheld for the year,
whatever it is (see below). A sum that includes a hidden cell is "<5" when its cells' labels
make it at most 4, "x" when a cell is withheld, and ":" otherwise.

Blocks
------
An SLT region (or a municipality in none) and a calendar year make a block. No published
number adds counts from two blocks, so the blocks are suppressed one at a time, and what is
shown of one says nothing about another. Families that count the same records are suppressed
together and kept consistent by links (`Link`): in each school and year the worries by band,
by level and by days add up to the same total, and the follow-ups to the intoxicated
incidents. The block's total of each family (all worries of the region in the year, say) is
never hidden to protect others, so every table of the same records agrees on it. A family
whose block total is 1 to 4 is withheld in that block: none of its numbers there, zeros
included, is shown.

Why no hidden number can be worked out: a witness for each
----------------------------------------------------------
A hidden cell is safe if a second set of counts exists that gives every shown cell the same
number and every hidden cell the same label ("<5" stays 1 to 4, ":" stays 5 or more, zeros
stay 0), has no count below zero, keeps every link, and gives that cell another value. Then no
reader, whatever requests they combine and whatever they do with the numbers (differences,
totals, bounds, whole numbers), can tell the two sets apart, so they cannot know the cell.
The suppression finds such a second set for every hidden cell: its *witness*, a small change
of the counts. For each small cell without a witness yet (higher nodes and years first):

1. Boxes: +1 and -1 on the corners of a box through the cell over schools, months and
   categories (a worry moved from one school to another in one month, and back in another),
   or a transfer to the box's far corner, with the linked families moved to match. A box that
   varies the school within a municipality leaves the municipality's cells as they are; one
   that varies the month within a year, the year's; one that varies the category, the totals.
   The cheapest is taken: the fewest and least valuable shown cells touched (a school's month
   is cheap, a region's year dear).
2. Chains, when no box fits: start with one more or one fewer in the cell, then put right,
   one at a time, each cell or link the change spoils (a zero changed, a total that may not
   change, a label crossed) by a count moved from near the change inside the spoiled cell.
3. When labels alone give a cell away (a school's month total of 4 shown as "<5" beside four
   grade bands each "<5": each must be 1), no hiding helps: that school's numbers for the year
   are withheld ("x", with no bounds at all), and the search runs again.
4. If still nothing fits, the family is withheld in the block.

Every shown cell the chosen witness touches is hidden as ":", and the witness serves every
cell it touches. Hiding or withholding more later never spoils an earlier witness, which only
touches cells that stay hidden, so every witness holds in the final publication. `publish`
returns them; tests/insights/test_suppression.py applies each to its own model of the data
and checks it against every number a user can obtain.

Limits
------
- At least two values. A witness shows that a hidden cell could be one more or one less, not
  that it could be anything from 1 to 4: a careful reader may narrow a "<5" to two values.
- The sum of the hidden cells of one line can be worked out (the line's total minus its shown
  cells); each of them alone cannot.
- A reader who knows this algorithm and reruns it on candidate counts may rule some out (an
  attack on the pattern of hidden cells); that is not guarded against.
- Time. Each recount publishes afresh. Comparing the page before and after a recount shows
  what changed in between (one more worry at a school this week). The publication protects
  the numbers of one moment, not the differences between moments.
- What a reader knows from elsewhere (the cases of their own school) they can subtract.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

THRESHOLD = 5
# The label of the total over every category of a family.
TOTAL = "*"


class State(StrEnum):
    SHOWN = "shown"
    SMALL = "small"  # 1-4, shown as "<5"
    HIDDEN = "hidden"  # 5 or more, hidden so that a small one cannot be worked out
    WITHHELD = "withheld"  # a school's number withheld for the year, whatever it is, as "x"


SMALL_LABEL = "<5"
HIDDEN_LABEL = ":"
WITHHELD_LABEL = "x"

# A year (int), or a month (the date of its first day).
Time = int | dt.date
# (family, school id, time, fine category): one count. The time is a month for a family
# published by month, a year for one published by year only.
Base = tuple[str, int, Time, Hashable]
# (family, node, time, label): one published number.
Cell = tuple[str, str, Time, str]
# A witness: the change to the counts, base by base.
Move = tuple[tuple[Base, int], ...]

SCHOOL, TIME, FINE = 1, 2, 3


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
        if self.state is State.WITHHELD:
            return WITHHELD_LABEL
        return str(self.value)

    @property
    def shown(self) -> int | None:
        """The number that may be shown, or None when it is hidden."""
        return self.value if self.state is State.SHOWN else None


@dataclass(frozen=True)
class Link:
    """Two families counting the same records in each school and year: `part`'s total is
    equal to (`equal`) or at most (not `equal`) the total of `whole`'s categories that
    `counts(fine)` accepts."""

    part: str
    whole: str
    equal: bool
    counts: Callable[[Hashable], bool] = lambda _fine: True


@dataclass(frozen=True)
class Cube:
    """What to publish.

    `counts`: the counts by base (only positive ones need be given).
    `lineage`: for every school, its nodes from the school up to the top of its block
      (school, municipality, region); every school that could hold a count, with or without.
    `labels(family, fine, yearly)`: the labels a count in `fine` adds to in a month's cells
      (yearly false) and in a year's (yearly true); `TOTAL` for the total. A family counted
      by year has no month's cells.
    `links`: families that count the same records (see `Link`).
    """

    counts: Mapping[Base, int]
    lineage: Mapping[int, tuple[str, ...]]
    labels: Callable[[str, Hashable, bool], tuple[str, ...]]
    links: tuple[Link, ...] = ()


@dataclass
class Publication:
    """Every non-zero cell that may be shown with its state (a cell not here is 0, unless its
    family, node and year are `withheld`), and a witness for each hidden cell."""

    cells: dict[Cell, Entry] = field(default_factory=dict)
    withheld: set[tuple[str, str, int]] = field(default_factory=set)  # (family, node, year)
    witnesses: dict[Cell, Move] = field(default_factory=dict)


@dataclass(frozen=True)
class Search:
    """How wide to look for a witness: pivots per cell and partners per dimension."""

    pivots: int
    partners: int


# Most cells find a witness among the first few boxes; the wide search is for the rest, and
# the chains (below) for the few that no box fits.
NARROW = Search(pivots=3, partners=4)
WIDE = Search(pivots=12, partners=12)
CHAINS = Search(pivots=4, partners=4)
# A chain puts right at most this many cells or links, trying at most BUDGET partial chains.
CHAIN_DEPTH = 6
CHAIN_BUDGET = 4000
# A search stops at the first witness that hides nothing more, or at the best of this many.
ENOUGH = 24


def year_of(time: Time) -> int:
    return time if isinstance(time, int) else time.year


def cells_of(cube: Cube, base: Base) -> tuple[Cell, ...]:
    """Every cell of the publication a count in `base` adds to."""
    family, school, time, fine = base
    times = [(time, True)] if isinstance(time, int) else [(time, False), (time.year, True)]
    return tuple(
        (family, node, when, label)
        for node in cube.lineage[school]
        for when, yearly in times
        for label in cube.labels(family, fine, yearly)
    )


def publish(cube: Cube) -> Publication:
    """Suppress the cube block by block; see the module's description."""
    group = _groups(cube)
    blocks: dict[tuple[int, str, int], dict[Base, int]] = defaultdict(dict)
    for base, n in cube.counts.items():
        if n < 0:
            raise ValueError(f"a count below zero: {base}")
        if n:
            family, school, time, _fine = base
            blocks[(group[family], cube.lineage[school][-1], year_of(time))][base] = n
    nodes_under: dict[str, set[str]] = defaultdict(set)
    for lineage in cube.lineage.values():
        nodes_under[lineage[-1]].update(lineage)
    publication = Publication()
    for key in sorted(blocks):
        families = {f for f, g in group.items() if g == key[0]}
        block = _Block(cube, blocks[key], year=key[2], families=families)
        block.protect(publication, nodes=nodes_under[key[1]])
    return publication


def _groups(cube: Cube) -> dict[str, int]:
    """Families suppressed together: those linked, directly or through others."""
    names = {base[0] for base in cube.counts}
    names |= {f for link in cube.links for f in (link.part, link.whole)}
    group = {family: i for i, family in enumerate(sorted(names))}
    changed = True
    while changed:
        changed = False
        for link in cube.links:
            low = min(group[link.part], group[link.whole])
            for family in (link.part, link.whole):
                if group[family] != low:
                    group[family], changed = low, True
    return group


class _Block:
    """One region (or municipality) and year of one group of linked families."""

    def __init__(self, cube: Cube, counts: dict[Base, int], *, year: int, families: set[str]):
        self.cube = cube
        self.count = counts
        self.year = year
        self.families = families
        self.links = [link for link in cube.links if link.part in families]
        self._cells: dict[Base, tuple[Cell, ...]] = {}
        self.value: Counter[Cell] = Counter()
        self.members: dict[Cell, list[Base]] = defaultdict(list)
        self.by_school: dict[tuple[str, int], list[Base]] = defaultdict(list)
        self.fines: dict[str, set[Hashable]] = defaultdict(set)
        for base, n in counts.items():
            for cell in self.cells_of(base):
                self.value[cell] += n
                self.members[cell].append(base)
            self.by_school[(base[0], base[1])].append(base)
            self.fines[base[0]].add(base[3])
        self.schools = sorted({base[1] for base in counts})
        self.level: dict[str, int] = {}
        for school in self.schools:
            for level, node in enumerate(cube.lineage[school]):
                self.level[node] = level
        self.top = cube.lineage[self.schools[0]][-1]
        # How many schools (with counts or not) each node holds, and the schools withheld.
        self.alone: Counter[str] = Counter(
            node for lineage in cube.lineage.values() if lineage[-1] == self.top for node in lineage
        )
        self.withheld_nodes: set[str] = set()
        # Options for putting a link right, per witness search (see _repaired).
        self._options: dict[tuple, list] = {}
        self.protected = {(family, self.top, year, TOTAL) for family in families}
        self.state = {
            cell: State.SMALL if v < THRESHOLD else State.SHOWN for cell, v in self.value.items()
        }
        # The families each family equals in every school, itself included; and for each
        # family, the families to put right when a move changes its totals.
        self.equals: dict[str, set[str]] = {f: {f} for f in families}
        changed = True
        while changed:
            changed = False
            for link in self.links:
                if link.equal and link.whole in self.equals:
                    joined = self.equals[link.part] | self.equals[link.whole]
                    for f in joined:
                        if self.equals[f] != joined:
                            self.equals[f], changed = set(joined), True
        self.repairs: list[tuple[str, str, Callable, Callable]] = []
        for link in self.links:
            if link.equal:
                self.repairs.append((link.part, link.whole, _anything, link.counts))
                self.repairs.append((link.whole, link.part, link.counts, _anything))
        # Each link's two totals per school (the year is the block's).
        self.link_totals: list[tuple[Counter[int], Counter[int]]] = []
        for link in self.links:
            part, whole = Counter(), Counter()
            for (family, school, _time, fine), n in counts.items():
                if family == link.part:
                    part[school] += n
                if family == link.whole and link.counts(fine):
                    whole[school] += n
            self.link_totals.append((part, whole))

    def cells_of(self, base: Base) -> tuple[Cell, ...]:
        found = self._cells.get(base)
        if found is None:
            found = self._cells[base] = cells_of(self.cube, base)
        return found

    # ------------------------------------------------------------ the greedy

    def protect(self, publication: Publication, *, nodes: set[str]) -> None:
        withheld = {
            family
            for family in self.families
            if 0 < self.value[(family, self.top, self.year, TOTAL)] < THRESHOLD
        }
        witnesses: dict[Cell, Move] = {}
        pending = deque(
            sorted((c for c, st in self.state.items() if st is State.SMALL), key=self._order)
        )
        while pending:
            cell = pending.popleft()
            if cell in witnesses or self._closed(cell[0], withheld):
                continue
            found = self._witness(cell, withheld)
            while found is None:
                school = self._school_to_withhold(cell)
                if school is None:
                    break
                pending.extend(sorted(self._withhold(school), key=self._order))
                found = self._witness(cell, withheld)
            if found is None:
                withheld.add(cell[0])
                continue
            move, touched = found
            for other in touched:
                if self.state[other] is State.SHOWN:
                    self.state[other] = State.HIDDEN
                witnesses.setdefault(other, move)
        withheld = {f for f in self.families if self._closed(f, withheld)}
        for cell, value in self.value.items():
            if cell[0] in withheld:
                continue
            state = self.state[cell]
            publication.cells[cell] = Entry(value, state)
            if state is not State.SHOWN:
                publication.witnesses[cell] = witnesses[cell]
        for family in self.families:
            if family in withheld:
                publication.withheld.update((family, node, self.year) for node in nodes)
            else:
                publication.withheld.update(
                    (family, node, self.year) for node in self.withheld_nodes
                )

    def _school_to_withhold(self, cell: Cell) -> str | None:
        """The school whose numbers to withhold for the year so that `cell` can get a witness:
        of those counting in it and not yet withheld, the one with the least in it."""
        counts: Counter[int] = Counter()
        for base in self.members[cell]:
            if self.cube.lineage[base[1]][0] not in self.withheld_nodes:
                counts[base[1]] += self.count[base]
        if not counts:
            return None
        return self.cube.lineage[min(counts, key=lambda s: (counts[s], s))][0]

    def _withhold(self, school: str) -> list[Cell]:
        """Withhold a school's numbers for the year in every family of the block, and those of
        each node above it that holds no other school (they are the same numbers). The cells
        newly withheld that are not 0, which need witnesses of their own."""
        nodes = {school}
        for lineage in self.cube.lineage.values():
            if lineage[0] == school:
                nodes |= {n for n in lineage[1:-1] if self.alone.get(n) == 1}
        self.withheld_nodes |= nodes
        found = []
        for cell in self.value:
            if cell[1] in nodes and self.state[cell] is not State.WITHHELD:
                self.state[cell] = State.WITHHELD
                found.append(cell)
        return found

    def _closed(self, family: str, withheld: set[str]) -> bool:
        """Whether `family` is withheld: itself, or a family it equals in every school."""
        return not self.equals[family].isdisjoint(withheld)

    def _closure(self, withheld: set[str]) -> frozenset[str]:
        return frozenset(f for f in self.families if self._closed(f, withheld))

    def _order(self, cell: Cell) -> tuple:
        """Higher nodes first, then years before months: their witnesses touch more, and the
        cells hidden on the way are often those the lower cells need."""
        family, node, time, label = cell
        return (-self.level[node], not isinstance(time, int), family, str(time), node, label)

    def weight(self, cell: Cell) -> int:
        """What hiding a shown cell costs: more for a larger node, a year and a total."""
        _family, node, time, label = cell
        weight = 4 ** self.level[node]
        if isinstance(time, int):
            weight *= 4
        if label == TOTAL:
            weight *= 2
        return weight

    def _witness(self, cell: Cell, withheld: set[str]) -> tuple[Move, list[Cell]] | None:
        closed = self._closure(withheld)
        self._options: dict[tuple, list] = {}
        for search in (NARROW, WIDE, CHAINS):
            best: tuple[int, dict[Base, int], list[Cell]] | None = None
            candidates = (
                self._chains(cell, search, withheld)
                if search is CHAINS
                else self._moves(cell, search)
            )
            feasible = 0
            for move in candidates:
                checked = self.check(move, closed, None if best is None else best[0])
                if checked is None or cell not in checked[1]:
                    continue
                feasible += 1
                if best is None or checked[0] < best[0]:
                    best = (checked[0], move, checked[1])
                if best[0] == 0 or feasible >= ENOUGH:
                    break
            if best is not None:
                move = tuple(sorted(((b, d) for b, d in best[1].items() if d), key=repr))
                return move, best[2]
        return None

    def check(
        self, move: dict[Base, int], closed: frozenset[str], bound: int | None = None
    ) -> tuple[int, list[Cell]] | None:
        """The cost of the move and the cells it touches, or None when the counts it makes
        would not fit what is shown, or could not be (or when it costs `bound` or more).
        `closed`: the families withheld in the block."""
        delta: dict[Cell, int] = {}
        count = self.count
        for base, d in move.items():
            if not d:
                continue
            if count.get(base, 0) + d < 0 or base[0] in closed:
                return None
            for cell in self.cells_of(base):
                delta[cell] = delta.get(cell, 0) + d
        cost = 0
        touched = []
        value_of, state_of, withheld_nodes = self.value, self.state, self.withheld_nodes
        for cell, d in delta.items():
            if not d:
                continue
            if cell[1] in withheld_nodes:
                # Any number will do: the counts below it are never below zero.
                if value_of.get(cell, 0):
                    touched.append(cell)
                continue
            value = value_of.get(cell, 0)
            if not value or cell in self.protected:
                return None
            after = value + d
            if value < THRESHOLD:
                if not 0 < after < THRESHOLD:
                    return None
            elif after < THRESHOLD:
                return None
            if state_of[cell] is State.SHOWN:
                cost += self.weight(cell)
                if bound is not None and cost >= bound:
                    return None
            touched.append(cell)
        for link, (part, whole) in zip(self.links, self.link_totals, strict=True):
            moved_part: dict[int, int] = {}
            moved_whole: dict[int, int] = {}
            for (family, school, _time, fine), d in move.items():
                if family == link.part:
                    moved_part[school] = moved_part.get(school, 0) + d
                if family == link.whole and link.counts(fine):
                    moved_whole[school] = moved_whole.get(school, 0) + d
            for school in moved_part.keys() | moved_whole.keys():
                after_part = part[school] + moved_part.get(school, 0)
                after_whole = whole[school] + moved_whole.get(school, 0)
                if after_part > after_whole or (link.equal and after_part != after_whole):
                    return None
        return cost, touched

    # ------------------------------------------------------------ chains

    def _chains(self, cell: Cell, search: Search, withheld: set[str]) -> Iterator[dict[Base, int]]:
        """Witnesses no box fits: start with one count more or less in the cell, then put
        right, one at a time, each cell or link that change spoils (a zero changed, a total
        that may not change, a label crossed), by moving one count of the change to a
        neighbour (another school, month or category) inside the spoiled cell. Depth first,
        within CHAIN_DEPTH steps and CHAIN_BUDGET partial chains."""
        budget = [CHAIN_BUDGET]
        pivots = sorted(self.members[cell], key=lambda b: (-self.count[b], repr(b)))
        for pivot in pivots[: search.pivots]:
            for sign in (1, -1):
                yield from self._chain({pivot: sign}, CHAIN_DEPTH, search, withheld, budget)

    def _chain(
        self,
        move: dict[Base, int],
        depth: int,
        search: Search,
        withheld: set[str],
        budget: list[int],
    ) -> Iterator[dict[Base, int]]:
        budget[0] -= 1
        problems = self._problems(move, withheld)
        if not problems:
            yield move
            return
        if depth == 0 or budget[0] <= 0 or problems[0][0] == "dead":
            return
        # The fixes that leave the fewest things wrong first.
        grown_moves = []
        for fix in self._fixes(problems[0], move, search):
            grown = dict(move)
            for base, d in fix.items():
                grown[base] = grown.get(base, 0) + d
            if any(self.count.get(b, 0) + d < 0 for b, d in grown.items()):
                continue
            left = self._problems(grown, withheld)
            if left and left[0][0] == "dead":
                continue
            grown_moves.append((len(left), len(grown_moves), grown))
        for _left, _i, grown in sorted(grown_moves, key=lambda g: g[:2]):
            yield from self._chain(grown, depth - 1, search, withheld, budget)
            if budget[0] <= 0:
                return

    def _problems(self, move: dict[Base, int], withheld: set[str]) -> list[tuple]:
        """What is wrong with the move, the first to put right first: [("dead",)] when
        nothing can put it right; ("cell", cell, correction) for a cell changed that may not
        change so (lowest nodes first); ("link", family, {school: correction}, accepted) for
        a family to change at some schools to keep a link."""
        delta: Counter[Cell] = Counter()
        for base, d in move.items():
            if d and self._closed(base[0], withheld):
                return [("dead",)]
            for cell in self.cells_of(base):
                delta[cell] += d
        spoiled = []
        for cell, d in delta.items():
            if not d or cell[1] in self.withheld_nodes:
                continue
            value = self.value.get(cell, 0)
            after = value + d
            if not value or cell in self.protected:
                correction = -d
            elif value < THRESHOLD:
                if after < 1:
                    correction = 1 - after
                elif after >= THRESHOLD:
                    correction = THRESHOLD - 1 - after
                else:
                    correction = 0
            else:
                correction = THRESHOLD - after if after < THRESHOLD else 0
            if correction:
                spoiled.append((self.level[cell[1]], repr(cell), cell, correction))
        found: list[tuple] = [("cell", cell, c) for _level, _key, cell, c in sorted(spoiled)]
        for link, (part, whole) in zip(self.links, self.link_totals, strict=True):
            moved_part: Counter[int] = Counter()
            moved_whole: Counter[int] = Counter()
            for (family, school, _time, fine), d in move.items():
                if family == link.part:
                    moved_part[school] += d
                if family == link.whole and link.counts(fine):
                    moved_whole[school] += d
            # One problem per link and family to put right, over every school it concerns,
            # so that one fix moves counts between those schools in the same category.
            for_whole: dict[int, int] = {}
            for_part: dict[int, int] = {}
            for school in sorted(moved_part.keys() | moved_whole.keys()):
                excess = (part[school] + moved_part[school]) - (whole[school] + moved_whole[school])
                if excess > 0 or (link.equal and excess):
                    if moved_part[school]:
                        for_whole[school] = excess
                    else:
                        for_part[school] = -excess
            if for_whole:
                found.append(("link", link.whole, for_whole, link.counts))
            if for_part:
                found.append(("link", link.part, for_part, _anything))
        return found

    def _fixes(self, problem: tuple, move: dict[Base, int], search: Search) -> Iterator[dict]:
        if problem[0] == "link":
            _kind, family, corrections, accepted = problem
            # For each school, counts of the family it has, those its other schools share the
            # category and time of first (a move between them leaves the nodes above as they
            # are); any one will do where a school has to give one up.
            shared = None
            per_school = []
            for school in sorted(corrections):
                options = {
                    (time, fine)
                    for (_f, _s, time, fine) in self.by_school.get((family, school), ())
                    if accepted(fine)
                }
                shared = options if shared is None else shared & options
                per_school.append((school, options))
            ranked = [
                (school, sorted(options, key=lambda o: (o not in shared, repr(o))))
                for school, options in per_school
            ]
            combos = itertools.product(*(o[: search.partners] for _s, o in ranked))
            for combo in combos:
                yield {
                    (family, school, time, fine): corrections[school]
                    for (school, _o), (time, fine) in zip(ranked, combo, strict=True)
                }
            return
        _kind, cell, correction = problem
        family, node, time, label = cell
        yearly = isinstance(time, int)
        contributing = [
            b for b, d in move.items() if d and b[0] == family and cell in self.cells_of(b)
        ]
        # First, counts already in the cell, nearest to the change first (fewest coordinates
        # apart, then the largest); taking one away, or adding one, leaves no zero changed.
        pool = [b for b in self.members[cell] if b not in contributing]
        ranked = sorted(
            pool,
            key=lambda b: (
                min(self._apart(b, c) for c in contributing),
                -self.count[b],
                repr(b),
            ),
        )
        offered = 0
        for base in ranked:
            if correction < 0 and self.count[base] + move.get(base, 0) + correction < 0:
                continue
            yield {base: correction}
            offered += 1
            if offered >= 3 * search.partners:
                break
        if correction < 0:
            return
        # Then, for one more, a neighbour of the change with none yet.
        for base in sorted(contributing, key=repr):
            _f, school, when, fine = base
            lineage = self.cube.lineage[school]
            schools = sorted(
                (s for s in self.schools if s != school and node in self.cube.lineage[s]),
                key=lambda s: (self._apart_schools(lineage, self.cube.lineage[s]), s),
            )
            options = [(family, s, when, fine) for s in schools[: search.partners]]
            if yearly and not isinstance(when, int):
                options += [
                    (family, school, dt.date(self.year, m, 1), fine)
                    for m in range(1, 13)
                    if m != when.month
                ][: search.partners]
            options += [
                (family, school, when, f)
                for f in sorted(self.fines[family], key=repr)
                if f != fine and label in self.cube.labels(family, f, yearly)
            ][: search.partners]
            for option in options:
                if option not in self.count:
                    yield {option: correction}

    def _apart(self, a: Base, b: Base) -> int:
        """How far apart two counts are: coordinates that differ, a school in another
        municipality counting twice."""
        schools = self._apart_schools(self.cube.lineage[a[1]], self.cube.lineage[b[1]])
        return schools + (a[2] != b[2]) + (a[3] != b[3])

    @staticmethod
    def _apart_schools(one: tuple[str, ...], other: tuple[str, ...]) -> int:
        return next(i for i in range(len(one)) if one[i:] == other[i:])

    # ------------------------------------------------------------ candidate witnesses

    def _moves(self, cell: Cell, search: Search) -> Iterator[dict[Base, int]]:
        """Candidate witnesses through `cell`: from a count in it (the pivot), boxes over every
        set of the dimensions the cell separates (school, month, category), and transfers to
        the far corner of each box; each with the counts of linked families put right."""
        family, node, time, label = cell
        pivots = sorted(self.members[cell], key=lambda b: (-self.count[b], repr(b)))
        for pivot in pivots[: search.pivots]:
            dimensions = []
            if node != self.top:
                dimensions.append((SCHOOL, self._school_partners(cell, pivot)))
            if not isinstance(time, int):
                dimensions.append((TIME, self._month_partners(cell, pivot)))
            if label != TOTAL:
                dimensions.append((FINE, self._fine_partners(cell, pivot)))
            dimensions = [(i, options[: search.partners]) for i, options in dimensions if options]
            for size in range(len(dimensions), 0, -1):
                for chosen in itertools.combinations(dimensions, size):
                    indexes = [i for i, _options in chosen]
                    for partners in itertools.product(*(options for _i, options in chosen)):
                        shapes = [_box] if size == 1 else [_box, _transfer]
                        for shape in shapes:
                            for sign in (1, -1):
                                move = shape(pivot, indexes, partners, sign)
                                if self._possible(move):
                                    yield from self._repaired(move, search)

    def _repaired(self, move: dict[Base, int], search: Search) -> Iterator[dict[Base, int]]:
        """The move, with the counts of families that must equal its family's in each school
        changed to match (moved between the same schools in the same category, so that the
        nodes above see no change)."""
        present = {base[0] for base in move}
        for mine, other, counted, accepted in self.repairs:
            if mine not in present or other in present:
                continue
            moved: dict[int, int] = {}
            for (family, school, _time, fine), d in move.items():
                if family == mine and counted(fine):
                    moved[school] = moved.get(school, 0) + d
            moved = {school: d for school, d in moved.items() if d}
            if not moved:
                continue
            # Where to take the counts from: a category (and time) the losing school has.
            losing = tuple(school for school, d in moved.items() if d < 0) or tuple(moved)
            key = (other, losing)
            options = self._options.get(key)
            if options is None:
                options = self._options[key] = sorted(
                    {
                        (time, fine)
                        for school in losing
                        for (_f, _s, time, fine) in self.by_school.get((other, school), ())
                        if accepted(fine)
                    },
                    key=repr,
                )
            for time, fine in options[: search.partners]:
                repaired = dict(move)
                for school, d in moved.items():
                    key = (other, school, time, fine)
                    repaired[key] = repaired.get(key, 0) + d
                if self._possible(repaired):
                    yield from self._repaired(repaired, search)
            return
        yield move

    def _possible(self, move: dict[Base, int]) -> bool:
        """A quick look before the full check: no count goes below zero, and the finest cell
        of each corner (its school, time and own category, which no other corner of a box or
        transfer shares) may change."""
        for base, d in move.items():
            if not d:
                continue
            if self.count.get(base, 0) + d < 0:
                return False
            finest = self._finest(base)
            if finest[1] in self.withheld_nodes:
                continue
            value = self.value.get(finest, 0)
            if not value or (value + d < THRESHOLD) != (value < THRESHOLD) or value + d < 1:
                return False
        return True

    def _finest(self, base: Base) -> Cell:
        family, school, time, fine = base
        labels = self.cube.labels(family, fine, isinstance(time, int))
        return (family, self.cube.lineage[school][0], time, labels[-1])

    def _movable(self, cell: Cell) -> bool:
        """Whether a witness may change the cell at all: not a 0 that is shown."""
        return bool(self.value.get(cell)) or cell[1] in self.withheld_nodes

    def _rank(self, cell: Cell) -> tuple[bool, int]:
        """Partners whose cell is hidden already come first, then those with less in it."""
        return (self.state.get(cell, State.WITHHELD) is State.SHOWN, self.value.get(cell, 0))

    def _school_partners(self, cell: Cell, pivot: Base) -> list[int]:
        family, node, time, label = cell
        level = self.level[node]
        lineage = self.cube.lineage[pivot[1]]
        ranked = []
        for school in self.schools:
            other = self.cube.lineage[school]
            if other[level] == node:
                continue
            twin = (family, other[level], time, label)
            if not self._movable(twin):
                continue
            # Prefer a school close by: the box then leaves more of the nodes above as they are.
            apart = next(i for i in range(len(lineage)) if lineage[i:] == other[i:])
            ranked.append((apart, self._rank(twin), school))
        return [r[-1] for r in sorted(ranked)]

    def _month_partners(self, cell: Cell, pivot: Base) -> list[dt.date]:
        family, node, time, label = cell
        ranked = []
        for month in range(1, 13):
            other = dt.date(self.year, month, 1)
            twin = (family, node, other, label)
            if other != time and self._movable(twin):
                ranked.append((self._rank(twin), other))
        return [r[-1] for r in sorted(ranked)]

    def _fine_partners(self, cell: Cell, pivot: Base) -> list[Hashable]:
        family, node, time, label = cell
        kind = label.split(":", 1)[0]
        yearly = isinstance(time, int)
        own = set(self.cube.labels(family, pivot[3], True))
        ranked = []
        for fine in self.fines[family]:
            labels = self.cube.labels(family, fine, yearly)
            if label in labels:
                continue
            twin_label = next((lb for lb in labels if lb.split(":", 1)[0] == kind), None)
            if twin_label is None:
                continue
            twin = (family, node, time, twin_label)
            if not self._movable(twin):
                continue
            # Prefer a category that differs from the pivot's in this label only.
            differs = len(own.symmetric_difference(self.cube.labels(family, fine, True)))
            ranked.append((differs, self._rank(twin), repr(fine), fine))
        return [r[-1] for r in sorted(ranked)]


def _anything(_fine: Hashable) -> bool:
    return True


def _corner(pivot: Base, indexes: list[int], partners: tuple, picks: tuple[int, ...]) -> Base:
    corner = list(pivot)
    for index, pick, partner in zip(indexes, picks, partners, strict=True):
        if pick:
            corner[index] = partner
    return (corner[0], corner[1], corner[2], corner[3])


def _box(pivot: Base, indexes: list[int], partners: tuple, sign: int) -> dict[Base, int]:
    """+1 and -1 on the corners of the box from `pivot` to its partners (the pivot's corner
    gets `sign`): every line of the box adds up to what it did."""
    move: dict[Base, int] = {}
    for picks in itertools.product((0, 1), repeat=len(indexes)):
        key = _corner(pivot, indexes, partners, picks)
        move[key] = move.get(key, 0) + sign * (-1) ** sum(picks)
    return move


def _transfer(pivot: Base, indexes: list[int], partners: tuple, sign: int) -> dict[Base, int]:
    """One count moved from the pivot to the box's far corner, or back."""
    far = _corner(pivot, indexes, partners, (1,) * len(indexes))
    return {pivot: sign, far: -sign}
