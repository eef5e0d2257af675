"""in_model_order gives the database's order; a PreparedQuery gives the rows the ORM gives."""

from __future__ import annotations

import datetime as dt
from importlib import import_module
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from tests.cases.test_case_lists import READ_WITH
from varde.cases.access import (
    case_read,
    cases_visible_to,
    visible_cases_read,
    visible_cases_rows,
)
from varde.cases.models import Case, CaseEvent
from varde.cases.selectors import CASE_FREE_TEXT, CASE_LISTS, _case_list_read
from varde.cases.views import CASES_PER_PAGE, first_page, listed_open_cases
from varde.lib.queries import PreparedQuery, _compile, in_model_order
from varde.web.start import newest_open_cases


@pytest.mark.django_db
def test_rows_come_in_the_models_own_order_ties_broken_by_id(world) -> None:
    case = world.case
    noon = timezone.now().replace(microsecond=0)
    for minutes in (30, -5, 30, 0, -60, 30):
        CaseEvent.objects.create(
            case=case, at=noon + dt.timedelta(minutes=minutes), actor=world.teacher, kind="note"
        )
    ordered_by_database = list(case.events.all())
    assert len(ordered_by_database) >= 6
    assert in_model_order(case.events.order_by(), CaseEvent) == ordered_by_database
    assert [e.pk for e in in_model_order(case.events.order_by(), CaseEvent, "pk")] == sorted(
        e.pk for e in ordered_by_database
    )


@pytest.mark.django_db
@pytest.mark.parametrize("fields", [("-at",), ("case__opened_at",)])
def test_only_ascending_plain_fields_are_taken(world, fields: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="only ascending plain fields"):
        in_model_order(world.case.events.all(), CaseEvent, *fields)


# --- PreparedQuery ---------------------------------------------------------------------------


def _all_prepared() -> list[PreparedQuery[Any]]:
    """Every prepared query of the app, the per-shape ones in the shapes pages use."""
    from django.conf import settings
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    import_module(settings.SESSION_ENGINE)
    case_read()
    case_read(("coordinator", "conversation"))
    for leading in range(3):
        visible_cases_read(newest_open_cases, leading)
        visible_cases_read(first_page, leading)
    for name in CASE_LISTS:
        _case_list_read(name, READ_WITH.get(name, ()))
    return list(PreparedQuery.registry)


def _same_rows(got: list[Any], expected: list[Any], relations: tuple[str, ...] = ()) -> None:
    assert [row.pk for row in got] == [row.pk for row in expected]
    for mine, theirs in zip(got, expected, strict=True):
        assert type(mine) is type(theirs)
        assert mine.get_deferred_fields() == theirs.get_deferred_fields()
        loaded = set(mine.__dict__) - {"_state"}
        assert {k: mine.__dict__[k] for k in loaded} == {k: theirs.__dict__.get(k) for k in loaded}
        assert not mine._state.adding and mine._state.db == theirs._state.db
        for name in relations:
            mine_related, theirs_related = getattr(mine, name), getattr(theirs, name)
            assert (mine_related and mine_related.pk) == (theirs_related and theirs_related.pk)
            assert mine._meta.get_field(name).is_cached(mine)


def _keeps_only_parameters(query: PreparedQuery[Any]) -> bool:
    """Built twice with different stand-ins, the query gives the same SQL, the stand-ins in the
    same places, and equal constants: nothing read at build time (the clock, say) was kept."""
    _c1, sql1, params1, slots1 = _compile(query, connection, query.stand_ins(0))
    _c2, sql2, params2, slots2 = _compile(query, connection, query.stand_ins(1))
    constants = [
        (p, q) for p, q, slot in zip(params1, params2, slots1, strict=True) if slot is None
    ]
    return sql1 == sql2 and slots1 == slots2 and all(p == q for p, q in constants)


@pytest.mark.django_db
def test_every_prepared_query_keeps_nothing_but_its_parameters() -> None:
    prepared = _all_prepared()
    assert len(prepared) >= 10
    assert [query for query in prepared if not _keeps_only_parameters(query)] == []


@pytest.mark.django_db
def test_a_query_that_reads_the_clock_when_built_is_caught() -> None:
    from varde.people.models import User

    clocked = PreparedQuery(
        lambda pk: User.objects.filter(pk=pk, date_joined__lt=timezone.now()), int
    )
    try:
        assert not _keeps_only_parameters(clocked)
    finally:
        PreparedQuery.registry.remove(clocked)


@pytest.mark.django_db
def test_prepared_reads_give_what_the_orm_gives(world) -> None:
    from varde.people.models import RoleAssignment, _assignments_of

    for user in (world.teacher, world.principal, world.slt, world.admin):
        _same_rows(
            _assignments_of(user.pk),
            list(
                RoleAssignment.objects.filter(user=user).select_related(
                    "school", "school__municipality", "municipality", "slt_region"
                )
            ),
            ("school", "municipality", "slt_region"),
        )
    for related in ((), ("coordinator", "conversation")):
        for case in (world.case, world.gran_case):
            _same_rows(
                case_read(related)(case.pk),
                list(
                    Case.objects.select_related(
                        "pupil", "school", "owner", "municipality", *related
                    ).filter(pk=case.pk)
                ),
                ("pupil", "school", "owner", "municipality"),
            )
    assert case_read()(world.case.pk + 10_000) == []


@pytest.mark.django_db
def test_the_start_pages_cases_are_the_visible_open_ones_newest_first(world) -> None:
    for user in (world.teacher, world.principal, world.kjentmann, world.outsider):
        got = visible_cases_rows(user, newest_open_cases)
        expected = list(
            cases_visible_to(user)
            .filter(status="open")
            .defer(*CASE_FREE_TEXT)
            .select_related("pupil", "school")
            .order_by("-opened_at")
        )
        _same_rows(got, expected, ("pupil", "school"))
    assert visible_cases_rows(world.deactivated, newest_open_cases) == []


@pytest.mark.django_db
def test_the_case_lists_first_page_is_the_visible_open_ones_newest_first(world) -> None:
    for user in (world.teacher, world.principal, world.kjentmann, world.outsider):
        got = visible_cases_rows(user, first_page)
        expected = list(listed_open_cases(cases_visible_to(user))[:CASES_PER_PAGE])
        _same_rows(got, expected, ("pupil", "school", "owner"))


@pytest.mark.django_db
def test_an_id_no_database_can_hold_finds_nothing(world) -> None:
    assert case_read()(2**70) == []
    assert case_read()(-(2**70)) == []


@pytest.mark.django_db
def test_a_session_is_read_until_it_expires(client, world) -> None:
    from django.contrib.sessions.models import Session

    from varde.people.sessions import SessionStore

    store = SessionStore()
    store["seen"] = 1
    store.create()
    assert SessionStore(store.session_key).load() == {"seen": 1}
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None


@pytest.mark.django_db
def test_a_query_whose_values_do_not_reach_the_sql_as_they_are_is_refused(world) -> None:
    from varde.people.models import User

    refused = [
        PreparedQuery(lambda name: User.objects.filter(full_name__icontains=name), str),
        PreparedQuery(lambda pk: User.objects.filter(pk=pk).values("pk"), int),
        PreparedQuery(lambda pk: User.objects.filter(pk=pk).prefetch_related("groups"), int),
    ]
    try:
        for query in refused:
            with pytest.raises(ValueError):
                query("x" if query.params[0] is str else 1)
        with pytest.raises(TypeError):
            refused[1](1, 2)
    finally:
        for query in refused:
            PreparedQuery.registry.remove(query)
