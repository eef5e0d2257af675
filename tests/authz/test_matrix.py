"""Every URL pattern, every method that matters, every role: checked against matrix.yaml."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction
from django.urls import resolve

from tests.authz.conftest import FIGURES
from tests.authz.harness import (
    LOGIN_PREFIX,
    Expected,
    answer,
    fresh_client,
    load_matrix,
    path_for,
    resolve_kwargs,
    route_of,
    security_header_problems,
    send,
    send_with,
    symbols,
    table,
    url_patterns,
)
from tests.authz.snapshot import changed_tables, database_state
from varde.people.models import User

ALLAUTH_BOOKKEEPING = {"account_emailaddress"}
ROLES = [
    "anonymous",
    "teacher_owner",
    "teacher_same_school",
    "principal",
    "kjentmann",
    "school_nurse",
    "slt_coordinator",
    "municipal_admin",
    "other_municipality",
    "deactivated",
]


def rows_for(
    key: str, case: dict[str, Any], rules: dict[str, Any]
) -> dict[str, dict[str, list[Expected]]]:
    """The case's listed methods, plus PUT and DELETE as the rules derive them: for every role,
    the answers that would be right (one, or two where either will do)."""
    rows = {
        method: {role: [Expected.parse(value)] for role, value in case[method].items()}
        for method in rules["listed_methods"]
    }
    login = Expected.parse(f"302:{LOGIN_PREFIX}")
    derived = {}
    for role, (posted,) in rows["POST"].items():
        if ours(key, rules):
            derived[role] = [login if posted == login else Expected(405)]
        else:
            derived[role] = [Expected(405), posted]
    for method in rules["other_methods"]["methods"]:
        rows[method] = derived
    return rows


def ours(key: str, rules: dict[str, Any]) -> bool:
    """Whether the URL is one of Varde's own (its namespace is in the rules), not allauth's
    or Django's."""
    return ":" in key and key.split(":", 1)[0] in rules["other_methods"]["applies_to_namespaces"]


def matrix_requests(world: Any) -> list[tuple[str, str, str | None, Exception | None]]:
    """(key, case label, path, error) for every case of the matrix, its path built."""
    matrix = load_matrix()
    values = symbols(world)
    named = {pattern.key for pattern in url_patterns() if pattern.named}
    built = []
    for key, cases in matrix["urls"].items():
        for case in cases:
            try:
                path = path_for(key, resolve_kwargs(case.get("kwargs"), values), named)
            except Exception as exc:  # a URL that cannot be built is a mismatch, not a crash
                built.append((key, case.get("case", ""), None, exc))
            else:
                built.append((key, case.get("case", ""), path, None))
    return built


def test_the_matrix_lists_every_role_and_method_for_every_case():
    matrix = load_matrix()
    assert matrix["roles"] == ROLES
    problems = []
    for key, cases in matrix["urls"].items():
        assert cases, key
        for index, case in enumerate(cases):
            for method in matrix["rules"]["listed_methods"]:
                row = case.get(method)
                if row is None:
                    problems.append(f"{key}[{index}]: no {method} row")
                    continue
                if sorted(row) != sorted(ROLES):
                    problems.append(f"{key}[{index}] {method}: roles {sorted(row)}")
                for role, value in row.items():
                    try:
                        Expected.parse(value)
                    except ValueError as exc:
                        problems.append(f"{key}[{index}] {method} {role}: {exc}")
            unknown = set(case) - {"case", "kwargs", *matrix["rules"]["listed_methods"]}
            if unknown:
                problems.append(f"{key}[{index}]: unknown fields {sorted(unknown)}")
    assert not problems, "\n".join(problems)


def test_the_matrix_roles_are_the_worlds_personas(world):
    assert list(world.personas()) == ROLES


def test_every_url_pattern_is_in_the_matrix():
    patterns = url_patterns()
    listed = set(load_matrix()["urls"])
    present = {pattern.key for pattern in patterns}
    missing = sorted({f"{p.key}  ({p.route})" for p in patterns if p.key not in listed})
    stale = sorted(listed - present)
    FIGURES.append(f"authz: {len(patterns)} URL patterns ({len(present)} keys) in the resolver")
    message = []
    if missing:
        listing = "\n  ".join(missing)
        message.append(f"URL patterns missing from tests/authz/matrix.yaml:\n  {listing}")
    if stale:
        message.append("matrix.yaml lists URLs that no longer exist:\n  " + "\n  ".join(stale))
    assert not message, "\n".join(message)


def test_every_route_is_reached_by_a_request_of_the_matrix(world):
    """Coverage by route, not by name: two routes can share a name, and reverse() reaches only
    one of them. Every route must answer some request of the matrix, or be named in the
    matrix as shadowed by a route that answers an address it would answer too."""
    shadowed = load_matrix()["rules"]["shadowed_routes"]
    patterns = {route_of(p.route): p for p in url_patterns()}
    reached: dict[str, list[str]] = {}
    for _key, _label, path, _error in matrix_requests(world):
        if path is not None:
            route = route_of(resolve(urlsplit(path).path).route)
            reached.setdefault(route, []).append(path)
    problems = []
    for route, pattern in sorted(patterns.items()):
        if route in reached:
            continue
        winner = shadowed.get(pattern.route)
        if winner is None:
            problems.append(f"{route} ({pattern.key}): no request of the matrix reaches it")
        elif not any(pattern.matches(path) for path in reached.get(route_of(winner), [])):
            problems.append(f"{route}: listed as shadowed by {winner}, which does not answer it")
    stale = [route for route in shadowed if route_of(route) not in patterns]
    problems += [f"shadowed_routes lists {route}, which is no route" for route in stale]
    FIGURES.append(f"authz: {len(reached)} of {len(patterns)} routes reached by the matrix")
    assert not problems, "\n".join(problems)


# CI runs this in its SQLite job only (any_database): the answers come from Varde's views and
# access rules, the same on both databases. `make proofs` runs it on both, at full counts, and
# on PostgreSQL CI still probes every route with every id (test_idor's "no id reveals").
@pytest.mark.any_database
@pytest.mark.proof("Authorization matrix")
def test_every_request_in_the_matrix_gets_the_expected_answer(world, proof_figures):
    rules = load_matrix()["rules"]
    cases = {(key, case.get("case", "")): case for key, cs in load_matrix()["urls"].items()
             for case in cs}  # fmt: skip
    personas = world.personas()
    # Building the requests adds the records only the matrix needs (and a user among them).
    built = matrix_requests(world)
    users_before = User.objects.count()
    mismatches: list[tuple[str, ...]] = []
    requests = 0
    started = time.monotonic()
    for key, label, path, error in built:
        if path is None:
            mismatches.append((key, label, "-", "-", "-", "reverse()", repr(error)))
            continue
        for method, row in rows_for(key, cases[(key, label)], rules).items():
            for role, expected in row.items():
                # Every request runs in a savepoint that is rolled back, so each one meets the
                # same world: a POST that deactivates Tor, or a visit to /konto/email/ (which
                # adds an e-mail address row), changes nothing for the next request.
                with transaction.atomic():
                    # Rate limits (login, password reset) live in the cache.
                    cache.clear()
                    client = fresh_client(personas[role])
                    watched = method in rules["other_methods"]["methods"]
                    before = database_state() if watched else None
                    response = send_with(client, method, path)
                    requests += 1
                    if not any(e.matches(response) for e in expected):
                        want = " or ".join(map(str, expected))
                        mismatches.append((key, label, method, role, path, want, answer(response)))
                    changed = changed_tables(before, database_state()) if before else []
                    if not ours(key, rules):
                        # allauth copies an account's own e-mail address into its address
                        # table on the first visit to its e-mail and reset pages, whatever
                        # the method: bookkeeping, not the request acting.
                        changed = [t for t in changed if t not in ALLAUTH_BOOKKEEPING]
                    if changed:
                        mismatches.append(
                            (key, label, method, role, path, "no change", f"changed {changed}")
                        )
                    if rules.get("no_new_users") and User.objects.count() != users_before:
                        mismatches.append(
                            (key, label, method, role, path, "no new user", "user created")
                        )
                    transaction.set_rollback(True)
    elapsed = time.monotonic() - started
    figure = f"authz: {requests} requests, {len(mismatches)} mismatches ({elapsed:.1f} s)"
    FIGURES.append(figure)
    proof_figures.add(requests=requests, checked=requests)
    proof_figures.note("mismatches", len(mismatches))
    print(figure)
    header = ("url", "case", "method", "role", "path", "expected", "got")
    assert not mismatches, f"{figure}\n" + table(mismatches, header)


# Headers are set by middleware, whatever the database (any_database: CI's SQLite job only).
@pytest.mark.any_database
@pytest.mark.proof("Security headers")
def test_every_page_of_the_matrix_carries_the_security_headers(world, proof_figures):
    """Every answer 200 that any role gets to a GET or POST of the matrix, not a sample."""
    rules = load_matrix()["rules"]
    cases = {(key, case.get("case", "")): case for key, cs in load_matrix()["urls"].items()
             for case in cs}  # fmt: skip
    personas = world.personas()
    pages = requests = 0
    missing: list[tuple[str, ...]] = []
    for key, label, path, _error in matrix_requests(world):
        if path is None:
            continue
        case = cases[(key, label)]
        for method in rules["listed_methods"]:
            for role, value in case[method].items():
                if Expected.parse(value).status != 200:
                    continue
                with transaction.atomic():
                    cache.clear()
                    response = send(personas[role], method, path)
                    transaction.set_rollback(True)
                requests += 1
                if response.status_code != 200:
                    continue  # the matrix test reports the wrong answer
                pages += 1
                logged_in = personas[role] is not None and personas[role].is_active
                for problem in security_header_problems(response, logged_in=logged_in, path=path):
                    missing.append((key, method, role, path, problem))
    figure = f"security headers: {pages} answers 200 checked, {len(missing)} without"
    FIGURES.append(figure)
    proof_figures.add(requests=requests, checked=pages)
    proof_figures.note("without", len(missing))
    assert pages > 500, figure
    assert not missing, f"{figure}\n" + table(missing, ("url", "method", "role", "path", "lacks"))


@pytest.mark.proof("Logout ends the session")
@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("anonymous", "deactivated")])
def test_logout_ends_the_session_on_the_server(world, role):
    user = world.personas()[role]
    client = fresh_client(user)
    key = client.session.session_key
    assert client.get("/ansatt/").status_code == 200
    response = client.post("/konto/logout/")
    assert answer(response) == "302:/"
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/ansatt/")["Location"].startswith(LOGIN_PREFIX)


def test_signup_is_closed_and_creates_no_account(world):
    before = User.objects.count()
    client = fresh_client(None)
    page = client.get("/konto/signup/")
    assert "account/signup_closed.html" in [t.name for t in page.templates]
    form = {"email": "ny@lunner.test", "password1": "korrekt-hest-batteri-stift-2"}
    response = client.post("/konto/signup/", form)
    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    assert User.objects.count() == before
    assert not User.objects.filter(email="ny@lunner.test").exists()
