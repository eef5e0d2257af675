"""Reading rows cheaply: the queries every page makes, and the few rows of one object in order."""

from __future__ import annotations

import datetime
import weakref
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import Any, ClassVar, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators


def in_model_order(rows: Iterable[Any], model: type[Model], *fields: str) -> list[Any]:
    """`rows` of `model` sorted in Python by `fields` (by default the model's ordering), as the
    database would order them: for the handful of rows of one case, read unordered. Ascending
    orderings of non-null fields only."""
    names = fields or tuple(model._meta.ordering)
    if not names or any(name.startswith("-") or "__" in name for name in names):
        raise ValueError(f"in_model_order: only ascending plain fields, not {names!r}")
    return sorted(rows, key=attrgetter(*names))


# --- Queries compiled once per connection -------------------------------------------------------

_ModelT = TypeVar("_ModelT", bound=Model)
_INT64 = (-(2**63), 2**63 - 1)
_EPOCH = datetime.datetime(1901, 1, 1, tzinfo=datetime.UTC)
_Param = type[int] | type[str] | type[datetime.datetime]


class PreparedQuery(Generic[_ModelT]):
    """A query Django compiles to SQL once per database connection, then runs with new values.

    Turning a queryset into SQL takes Django about 5 µs a selected column: a read of a case
    with the five tables it shows costs 0.5 ms of compiling for 0.1 ms in the database. For the
    queries every page makes, `build` is called once with stand-in values, the SQL is kept with
    the positions those values took, and each call fills in its own values and makes the model
    instances the way Django's own iterable does.

    `build` takes one argument per entry of `params` (int, str or datetime) and returns a plain
    queryset of model instances. Each argument must reach the SQL as a parameter unchanged (a
    plain comparison, not `icontains`), or building refuses it; an int is an id, and one no
    database can hold finds nothing. Everything else in `build` must be constant: a value read
    at build time (the clock, a setting) would be kept with the SQL. tests/lib/test_queries.py
    builds every registered query twice to catch that.
    """

    registry: ClassVar[list[PreparedQuery[Any]]] = []

    def __init__(self, build: Callable[..., QuerySet[_ModelT]], *params: _Param) -> None:
        self.build = build
        self.params = params
        self.name = getattr(build, "__qualname__", repr(build))
        PreparedQuery.registry.append(self)

    def __repr__(self) -> str:
        return f"<PreparedQuery {self.name}>"

    def __call__(self, *values: Any) -> list[_ModelT]:
        if len(values) != len(self.params):
            raise TypeError(f"{self.name} takes {len(self.params)} values, not {len(values)}")
        if any(type(v) is int and not _INT64[0] <= v <= _INT64[1] for v in values):
            return []  # No row holds it, and the database would refuse it.
        compiled = self.compiled(connections[DEFAULT_DB_ALIAS])
        return compiled.run(values)

    def compiled(self, connection: Any) -> _Compiled:
        per_connection = _compiled.setdefault(connection, {})
        found = per_connection.get(self)
        if found is None:
            found = per_connection[self] = _Compiled(self, connection)
        return found

    def stand_ins(self, serial: int = 0) -> list[Any]:
        """Values no real row holds, different for each `serial`, one per parameter."""
        made: list[Any] = []
        for i, kind in enumerate(self.params):
            n = 1_000_003 * (serial + 1) + i
            if kind is int:
                made.append(2**30 + n)
            elif kind is str:
                made.append(f"\x00stand-in {n}\x00")
            elif kind is datetime.datetime:
                made.append(_EPOCH + datetime.timedelta(microseconds=n))
            else:
                raise TypeError(f"{self.name}: parameters are int, str or datetime, not {kind}")
        return made


_compiled: weakref.WeakKeyDictionary[Any, dict[PreparedQuery[Any], _Compiled]] = (
    weakref.WeakKeyDictionary()
)


class _Compiled:
    """One PreparedQuery's SQL on one connection, with what it takes to make its instances."""

    def __init__(self, prepared: PreparedQuery[Any], connection: Any) -> None:
        self.connection = connection
        self.db = connection.alias
        self.kinds = prepared.params
        self.compiler, self.sql, self.params, self.slots = _compile(
            prepared, connection, prepared.stand_ins()
        )
        compiler = self.compiler
        self.klass = compiler.klass_info["model"]
        own = compiler.klass_info["select_fields"]
        self.start, self.end = own[0], own[-1] + 1
        self.init_list = [f[0].target.attname for f in compiler.select[self.start : self.end]]
        self.related = get_related_populators(compiler.klass_info, compiler.select, self.db)
        self.annotations = list(compiler.annotation_col_map.items())
        # What turns each column's database value into Python's (times on SQLite, sealed text),
        # which Django would otherwise look up again for every run.
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise ValueError(f"{prepared.name}: composite primary keys are not supported")
        self.converters = compiler.get_converters(fields)

    def bind(self, values: tuple[Any, ...]) -> list[Any]:
        ready = _as_sent(self.connection, values, self.kinds)
        pairs = zip(self.params, self.slots, strict=True)
        return [p if slot is None else ready[slot] for p, slot in pairs]

    def run(self, values: tuple[Any, ...]) -> list[Any]:
        compiler = self.compiler
        with self.connection.cursor() as cursor:
            cursor.execute(self.sql, self.bind(values))
            rows = cursor.fetchall()
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        if self.converters:
            rows = compiler.apply_converters(rows, self.converters)
        made = []
        for row in rows:
            obj = self.klass.from_db(self.db, self.init_list, row[self.start : self.end])
            for populator in self.related:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            made.append(obj)
        return made


def _compile(
    prepared: PreparedQuery[Any], connection: Any, stand_ins: list[Any]
) -> tuple[Any, str, list[Any], list[int | None]]:
    """`prepared` built with `stand_ins` and compiled: the compiler, the SQL, its parameters,
    and for each parameter the index of the stand-in it holds (None for a constant)."""
    queryset = prepared.build(*stand_ins)
    if (
        queryset._iterable_class is not ModelIterable
        or queryset._prefetch_related_lookups
        or queryset._known_related_objects
        or queryset.db != connection.alias
    ):
        raise ValueError(f"{prepared.name}: only a plain queryset of model instances")
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    wanted = _as_sent(connection, stand_ins, prepared.params)
    slots = [
        next((i for i, w in enumerate(wanted) if type(p) is type(w) and p == w), None)
        for p in params
    ]
    missing = set(range(len(wanted))) - set(slots)
    if missing:
        raise ValueError(
            f"{prepared.name}: parameters {sorted(missing)} do not reach the SQL as they are"
        )
    return compiler, sql, list(params), slots


def _as_sent(connection: Any, values: Sequence[Any], kinds: Sequence[_Param]) -> list[Any]:
    """`values` as Django sends them to the database (datetimes as text on SQLite)."""
    adapt = connection.ops.adapt_datetimefield_value
    return [adapt(v) if k is datetime.datetime else v for v, k in zip(values, kinds, strict=True)]
