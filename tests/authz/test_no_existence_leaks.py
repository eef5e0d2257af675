"""An object a user may not see answers exactly like an object that does not exist.

For every object URL (a pupil, a pupil's access log, a member of staff, a plan version, a
service, a situation in "who do I call"; then every address of every family of records in
tests/authz/need_to_know.py), and for every role, the answer for each object the role may not
see is compared with the answer for an id, number, key or slug that does not exist: same
status, same redirect, same template, same headers and the same body byte for byte once the
CSRF token, nonces and the requested path itself are taken out.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.http import HttpResponse
from django.urls import reverse

from tests.authz.conftest import FIGURES
from tests.authz.harness import answer, send, table
from tests.authz.need_to_know import ROUTES, SHOWN_WITHIN, SPEC, Route, Target, targets
from tests.authz.sweep_world import widen
from tests.proofs.plugin import proofs_full
from varde.people.models import Pupil, User
from varde.plan.models import PlanVersion
from varde.plan.selectors import plan_current
from varde.plan.services import plan_draft_save, plan_dump_yaml

DRAFT_SERVICE = "hemmelig-tjeneste"
DRAFT_SITUATION = "hemmelig-situasjon"
# Headers that must be equal too (Content-Length is covered by comparing the bodies).
COMPARED_HEADERS = ("Content-Type", "Cache-Control", "Vary", "X-Frame-Options")


@dataclass(frozen=True)
class Probe:
    family: str
    method: str
    candidate: str  # what the object is, for the report
    candidate_path: str
    missing_path: str


def unpublished_plan_objects(world: Any) -> int:
    """A draft that adds a service and a situation, numbered as the next version.

    A draft never has a number through the services; giving it one here makes sure the public
    pages refuse unpublished versions because they are unpublished, not because no row exists.
    """
    current = plan_current(municipality=world.lunner)
    content = copy.deepcopy(current.content)
    service = copy.deepcopy(content["services"][0])
    service.update(key=DRAFT_SERVICE, name="Hemmelig tjeneste")
    content["services"].append(service)
    situation = copy.deepcopy(content["situations"][0])
    situation.update(key=DRAFT_SITUATION, title="Hemmelig situasjon")
    content["situations"].append(situation)
    draft = plan_draft_save(
        municipality=world.lunner, text=plan_dump_yaml(content), actor=world.admin
    )
    number = current.number + 1
    PlanVersion.objects.filter(pk=draft.pk).update(number=number)
    return number


def probes(world: Any) -> list[Probe]:
    draft_number = unpublished_plan_objects(world)
    current = plan_current(municipality=world.lunner).number
    no_pupil = (Pupil.objects.aggregate(m=Max("pk"))["m"] or 0) + 1000
    no_user = (User.objects.aggregate(m=Max("pk"))["m"] or 0) + 1000
    result = []
    for name, label in [("people:pupil", "pupil"), ("people:pupil_access", "pupil access log")]:
        missing = reverse(name, kwargs={"pk": no_pupil})
        for pupil in (world.pupil, world.gran_pupil):
            path = reverse(name, kwargs={"pk": pupil.pk})
            result.append(Probe(name, "GET", f"{label} of {pupil.first_name}", path, missing))
    # Deactivating a member of staff: another municipality's teacher, or the administrator herself.
    missing = reverse("people:staff_active", kwargs={"pk": no_user})
    for user in (world.outsider, world.admin, world.teacher2):
        path = reverse("people:staff_active", kwargs={"pk": user.pk})
        result.append(Probe("people:staff_active", "POST", user.full_name, path, missing))
    plan_version = "plan:plan_version"
    result += [
        Probe(
            plan_version,
            "GET",
            "unpublished version",
            reverse(plan_version, kwargs={"slug": "lunner", "number": draft_number}),
            reverse(plan_version, kwargs={"slug": "lunner", "number": 999}),
        ),
        Probe(
            plan_version,
            "GET",
            "Gran, a municipality without a published plan",
            reverse(plan_version, kwargs={"slug": "gran", "number": current}),
            reverse(plan_version, kwargs={"slug": "finnes-ikke", "number": current}),
        ),
        Probe(
            "plan:service",
            "GET",
            "service only in the draft",
            reverse("plan:service", kwargs={"slug": "lunner", "key": DRAFT_SERVICE}),
            reverse("plan:service", kwargs={"slug": "lunner", "key": "finnes-ikke"}),
        ),
        Probe(
            "plan:service",
            "GET",
            "Gran, a municipality without a published plan",
            reverse("plan:service", kwargs={"slug": "gran", "key": "skolehelsetjenesten"}),
            reverse("plan:service", kwargs={"slug": "finnes-ikke", "key": "skolehelsetjenesten"}),
        ),
        Probe(
            "plan:call_now_situation",
            "GET",
            "situation only in the draft",
            reverse("plan:call_now_situation", args=["lunner", DRAFT_SITUATION]),
            reverse("plan:call_now_situation", args=["lunner", "finnes-ikke"]),
        ),
    ]
    return result


def fingerprint(response: HttpResponse, path: str) -> dict[str, object]:
    """Everything about a response that could tell the two apart, with the path taken out."""

    def without_path(text: str) -> str:
        for form in (quote(path, safe=""), quote(path), path):
            text = text.replace(form, "<path>")
        return text

    body = response.content.decode("utf-8", "replace")
    body = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*"', r'\1<csrf>"', body)
    body = re.sub(r'("X-CSRFToken": ")[^"]*"', r'\1<csrf>"', body)
    body = re.sub(r'nonce="[^"]*"', 'nonce="<nonce>"', body)
    return {
        "status": response.status_code,
        "location": without_path(response.get("Location", "")),
        "templates": [t.name for t in getattr(response, "templates", []) or []],
        "headers": {h: response.get(h) for h in COMPARED_HEADERS},
        "header names": sorted(h.lower() for h in response.headers),
        "body": without_path(body),
    }


def request(user: Any, method: str, path: str) -> HttpResponse:
    with transaction.atomic():
        cache.clear()
        response = send(user, method, path)
        transaction.set_rollback(True)
    return response


@pytest.mark.proof("No existence leaks")
def test_objects_you_may_not_see_answer_like_objects_that_do_not_exist(world, proof_figures):
    personas = world.personas()
    compared = visible = 0
    leaks: list[tuple[str, ...]] = []
    per_family: dict[str, int] = {}
    for probe in probes(world):
        for role, user in personas.items():
            missing = request(user, probe.method, probe.missing_path)
            assert missing.status_code in (302, 404), (probe, role, answer(missing))
            candidate = request(user, probe.method, probe.candidate_path)
            if candidate.status_code < 400 <= missing.status_code:
                # The role may see (or act on) this object: nothing to compare. Whether it
                # should is the matrix's business.
                visible += 1
                continue
            compared += 1
            per_family[probe.family] = per_family.get(probe.family, 0) + 1
            hidden = fingerprint(candidate, probe.candidate_path)
            absent = fingerprint(missing, probe.missing_path)
            differing = [name for name in hidden if hidden[name] != absent[name]]
            if differing:
                leaks.append(
                    (
                        probe.family,
                        probe.candidate,
                        role,
                        f"{probe.method} {probe.candidate_path}",
                        answer(candidate),
                        f"{probe.method} {probe.missing_path}",
                        answer(missing),
                        ", ".join(differing),
                    )
                )
    figure = (
        f"no-existence-leaks: {compared} comparisons ({visible} visible objects skipped), "
        f"{len(leaks)} leaks"
    )
    FIGURES.append(figure)
    proof_figures.add(requests=2 * (compared + visible), checked=compared)
    proof_figures.note("leaks", len(leaks))
    print(figure)
    # Every family must have been compared for some role, or the test proves nothing about it.
    families = {
        "people:pupil",
        "people:pupil_access",
        "people:staff_active",
        "plan:plan_version",
        "plan:service",
        "plan:call_now_situation",
    }
    assert set(per_family) == families, per_family
    header = ("url", "object", "role", "hidden", "got", "missing", "got", "differs in")
    assert not leaks, f"{figure}\n" + table(leaks, header)


NOWHERE = 987_654  # an id no record of the test world has


def _missing(route: Route, target: Target) -> str:
    """The same address with every record id in it replaced by one that exists nowhere."""
    kwargs = {
        name: NOWHERE if isinstance(value, int) else value
        for name, value in route.kwargs(target).items()
    }
    return reverse(route.key, kwargs=kwargs) + route.query


# CI runs this in its SQLite job only (any_database): the answers come from Varde's views and
# access rules, the same on both databases. `make proofs` runs it on both, at full counts, and
# on PostgreSQL CI still probes every route with every id (test_idor's "no id reveals").
@pytest.mark.any_database
@pytest.mark.proof("No existence leaks")
def test_every_family_of_records_answers_like_a_record_that_does_not_exist(
    world, settings, tmp_path, proof_figures
):
    """For every address of every family of tests/authz/need_to_know.py (pupils, cases and all
    that is in them, handovers, advice, incidents, follow-ups, year plans and meetings,
    competence, feeds, staff and roles), and everyone: a record they may not reach answers
    exactly as one that does not exist, to GET and to POST."""
    settings.DATA_DIR = tmp_path / "data"
    added = widen(world)
    # Everyone in the widened world under `make proofs`; the matrix's ten otherwise.
    people = {**world.personas(), **(added if proofs_full() else {})}
    compared = visible = 0
    leaks: list[tuple[str, ...]] = []
    per_family: dict[str, int] = {}
    missing_answers: dict[tuple[str, str, str], HttpResponse] = {}
    for target in targets():
        for route in ROUTES:
            if route.family != target.family or not route.takes(target):
                continue
            path, missing_path = route.path(target), _missing(route, target)
            for method in [m for m, a in (("GET", route.get), ("POST", route.post)) if a]:
                for role, user in people.items():
                    key = (role, method, missing_path)
                    if key not in missing_answers:
                        missing_answers[key] = request(user, method, missing_path)
                    missing = missing_answers[key]
                    assert missing.status_code in (302, 404), (route.key, role, answer(missing))
                    candidate = request(user, method, path)
                    if candidate.status_code < 400 <= missing.status_code:
                        visible += 1
                        continue
                    compared += 1
                    per_family[target.family] = per_family.get(target.family, 0) + 1
                    hidden = fingerprint(candidate, path)
                    absent = fingerprint(missing, missing_path)
                    differing = [name for name in hidden if hidden[name] != absent[name]]
                    if differing:
                        leaks.append(
                            (route.key, target.label, role, f"{method} {path}",
                             answer(candidate), answer(missing), ", ".join(differing))
                        )  # fmt: skip
    figure = (
        f"no-existence-leaks by family: {compared} comparisons over {len(per_family)} families "
        f"({visible} visible skipped), {len(leaks)} leaks"
    )
    FIGURES.append(figure)
    proof_figures.add(requests=compared + visible + len(missing_answers), checked=compared)
    proof_figures.note("leaks", len(leaks))
    print(figure)
    assert set(per_family) == set(SPEC) - set(SHOWN_WITHIN), set(SPEC) - set(per_family)
    header = ("url", "record", "role", "hidden", "got", "missing got", "differs in")
    assert not leaks, f"{figure}\n" + table(leaks, header)
