"""Every URL pattern, every method that matters, every role: checked against matrix.yaml."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction

from tests.authz.conftest import FIGURES
from tests.authz.harness import (
    LOGIN_PREFIX,
    Expected,
    answer,
    fresh_client,
    load_matrix,
    path_for,
    resolve_kwargs,
    send,
    symbols,
    table,
    url_patterns,
)
from varde.people.models import User

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


def rows_for(key: str, case: dict[str, Any], rules: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The case's listed methods, plus the methods the rules derive for the app's own URLs."""
    rows = {method: case[method] for method in rules["listed_methods"]}
    other = rules["other_methods"]
    if key.split(":", 1)[0] in other["applies_to_namespaces"] and ":" in key:
        login = f"302:{LOGIN_PREFIX}"
        derived = {role: login if value == login else 405 for role, value in rows["POST"].items()}
        for method in other["methods"]:
            rows[method] = derived
    return rows


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


@pytest.mark.proof("Authorization matrix")
def test_every_request_in_the_matrix_gets_the_expected_answer(world, proof_figures):
    matrix = load_matrix()
    rules = matrix["rules"]
    personas = world.personas()
    values = symbols(world)
    named = {pattern.key for pattern in url_patterns() if pattern.named}
    users_before = User.objects.count()
    mismatches: list[tuple[str, ...]] = []
    requests = 0
    started = time.monotonic()
    for key, cases in matrix["urls"].items():
        for case in cases:
            label = case.get("case", "")
            try:
                path = path_for(key, resolve_kwargs(case.get("kwargs"), values), named)
            except Exception as exc:  # a URL that cannot be built is a mismatch, not a crash
                mismatches.append((key, label, "-", "-", "-", "reverse()", repr(exc)))
                continue
            for method, row in rows_for(key, case, rules).items():
                for role, value in row.items():
                    expected = Expected.parse(value)
                    # Every request runs in a savepoint that is rolled back, so each one meets the
                    # same world: a POST that deactivates Tor, or a visit to /konto/email/ (which
                    # adds an e-mail address row), changes nothing for the next request.
                    with transaction.atomic():
                        # Rate limits (login, password reset) live in the cache.
                        cache.clear()
                        response = send(personas[role], method, path)
                        requests += 1
                        if not expected.matches(response):
                            got = answer(response)
                            mismatches.append((key, label, method, role, path, str(expected), got))
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
