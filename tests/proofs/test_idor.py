"""The IDOR sweep: every object id tried through every address that takes one, by every
role, and every hidden pupil's name typed into search. Nothing about a pupil or case the
role may not see (a name, an observation, a measure) appears in any answer."""

from __future__ import annotations

import itertools
import re
import secrets

import pytest
from django.apps import apps
from django.db import transaction
from django.db.models import IntegerField

from tests.authz.harness import send, url_patterns
from tests.proofs.plugin import proofs_full
from varde.audit.models import AuditEntry
from varde.cases.access import cases_visible_to
from varde.cases.models import Case, Measure
from varde.people.access import pupils_visible_to
from varde.people.models import Pupil

pytestmark = pytest.mark.proof("IDOR sweep")
INT_PARAM = re.compile(r"<int:(\w+)>")
VARDE_APPS = {"people", "cases"}


def mark_world(world) -> dict[str, tuple[str, object]]:
    """Give every pupil, case and measure a unique string; return string -> what it reveals."""
    marks: dict[str, tuple[str, object]] = {}
    for pupil in Pupil.objects.all():
        pupil.first_name = f"Elev{secrets.token_hex(4)}"
        pupil.save()
        marks[pupil.first_name] = ("pupil", pupil.pk)
    for case in Case.objects.all():
        case.observed = f"Observasjon{secrets.token_hex(4)}"
        case.save()
        marks[case.observed] = ("case", case.pk)
    for measure in Measure.objects.all():
        measure.description = f"Tiltak{secrets.token_hex(4)}"
        measure.save()
        marks[measure.description] = ("case", measure.case_id)
    return marks


def hidden_from(user, marks: dict[str, tuple[str, object]]) -> list[str]:
    pupils = set(pupils_visible_to(user).values_list("pk", flat=True))
    cases = set(cases_visible_to(user).values_list("pk", flat=True))
    seen = {"pupil": pupils, "case": cases}
    return [mark for mark, (kind, pk) in marks.items() if pk not in seen[kind]]


def object_ids() -> list[int]:
    """The primary key of every object of Varde's own apps, and one that exists nowhere."""
    ids: set[int] = set()
    for model in apps.get_models():
        if model._meta.app_label in VARDE_APPS and isinstance(model._meta.pk, IntegerField):
            ids.update(model.objects.values_list("pk", flat=True))
    return sorted(ids | {max(ids) + 1})


def addresses(ids: list[int], parents: list[int]) -> list[str]:
    """Every route with integer parameters, filled with the ids. In a route with two (a case
    and something in it), the first is a case or pupil id (`parents`) and the second any id."""
    found = []
    for pattern in url_patterns():
        names = INT_PARAM.findall(pattern.route)
        if not names or "<" in INT_PARAM.sub("", pattern.route):
            continue
        pools = [ids] if len(names) == 1 else [parents] + [ids] * (len(names) - 1)
        for combo in itertools.product(*pools):
            path = pattern.route
            for value in combo:
                path = INT_PARAM.sub(str(value), path, count=1)
            found.append("/" + path)
    return found


def test_no_id_and_no_search_reveals_what_a_role_may_not_see(world, proof_figures):
    marks = mark_world(world)
    ids = (
        object_ids()
        if proofs_full()
        else sorted({world.pupil.pk, world.case.pk, world.gran_case.pk})
    )
    parents = sorted({*Case.objects.values_list("pk", flat=True), world.pupil.pk,
                      world.gran_pupil.pk, max(ids) + 1})  # fmt: skip
    paths = addresses(ids, parents)
    personas = world.personas()
    leaks: list[str] = []
    requests = 0
    for role, user in personas.items():
        hidden = hidden_from(user, marks)
        searches = {f"/ansatt/elever/?q={mark}": mark for mark in hidden}
        for path in [*paths, "/ansatt/saker/", *searches]:
            with transaction.atomic():
                response = send(user, "GET", path)
                transaction.set_rollback(True)
            requests += 1
            body = response.content.decode(errors="replace") + response.get("Location", "")
            if path in searches:
                # The search box, the language switch's return address and the login redirect
                # echo what was typed; that is not a leak. Results and counts would be.
                typed = re.escape(searches[path])
                body = re.sub(f'value="[^"]*{typed}[^"]*"|q%3D{typed}', "", body)
            leaks += [f"{role} GET {path}: {m}" for m in hidden if m in body]
            if response.status_code >= 500:
                leaks.append(f"{role} GET {path}: {response.status_code}")
    proof_figures.add(requests=requests, checked=requests)
    proof_figures.note("leaks", len(leaks))
    print(f"idor sweep: {requests} requests, {len(paths)} addresses, {len(leaks)} leaks")
    assert leaks == []


@pytest.mark.proof("Audit completeness")
def test_every_answer_that_shows_personal_data_leaves_an_audit_entry(world, proof_figures):
    """Every page that shows a pupil's name, an observation or a measure to anyone writes
    at least one audit entry in the same request: shown and audited counts are equal."""
    marks = mark_world(world)
    ids = sorted({world.pupil.pk, world.case.pk, world.measure.pk, world.gran_pupil.pk})
    paths = [*addresses(ids, ids), "/ansatt/", "/ansatt/saker/", "/ansatt/elever/"]
    shown, audited, unaudited = 0, 0, []
    for role, user in world.personas().items():
        for path in paths:
            with transaction.atomic():
                before = AuditEntry.objects.count()
                response = send(user, "GET", path)
                written = AuditEntry.objects.count() - before
                transaction.set_rollback(True)
            body = response.content.decode(errors="replace")
            if response.status_code == 200 and any(mark in body for mark in marks):
                shown += 1
                if written:
                    audited += 1
                else:
                    unaudited.append(f"{role} GET {path}")
    proof_figures.add(requests=len(paths) * len(world.personas()), checked=shown)
    proof_figures.note("shown", shown)
    proof_figures.note("audited", audited)
    print(f"audit completeness: {shown} answers showed personal data, {audited} audited")
    assert shown > 0
    assert unaudited == []
    assert audited == shown


def test_the_sweep_would_see_a_leak(world):
    """The marks do show up where they may, so their absence elsewhere means something."""
    marks = mark_world(world)
    page = send(world.teacher, "GET", f"/ansatt/saker/{world.case.pk}/").content.decode()
    assert any(mark in page for mark, (kind, pk) in marks.items() if pk == world.case.pk)
    assert hidden_from(world.teacher, marks)
