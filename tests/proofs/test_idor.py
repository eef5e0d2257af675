"""The IDOR sweep: every record of every family tried through every address that takes it, by
everyone, with GET and with a valid POST; and every id tried through every address, and every
hidden pupil's name typed into search.

What a person may see and do comes from tests/authz/need_to_know.py, a spec written from the
plan's rules that reads the rows itself and never asks Varde's own visibility functions. A
person the spec refuses gets 404 (the same answer as for a record that does not exist), and a
valid POST from them leaves the database as it was. Nothing about a pupil, a case, a measure,
a consent, a question, an incident or a follow-up that the spec hides from a person appears in
any answer to them.
"""

from __future__ import annotations

import itertools
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.db.models import IntegerField

from tests.authz.harness import LOGIN_PREFIX, answer, fresh_client, send, url_patterns
from tests.authz.need_to_know import NOT_RECORDS, ROUTES, SPEC, Route, Target, may, targets
from tests.authz.snapshot import changed_tables, database_state
from tests.authz.sweep_world import widen
from tests.proofs.forms import FORMS
from tests.proofs.htmlforms import find_form, valid_data
from tests.proofs.plugin import proofs_full
from varde.audit.models import AuditEntry
from varde.cases.models import AdviceRequest, Case, Consent, Handover, Measure
from varde.incidents.models import FollowUp, Incident
from varde.people.models import Guardian, Pupil

pytestmark = pytest.mark.proof("IDOR sweep")
INT_PARAM = re.compile(r"<int:(\w+)>")
VARDE_APPS = {"people", "cases"}
PARAM = re.compile(r"<(?:\w+:)?\w+>|\(\?P<\w+>")
# A POST refused to someone who may see the record may still log that they read it. (The
# entries of a request are found by primary key: each municipality's chain counts its own seq.)
AUDIT_TABLES = frozenset({"audit_auditentry", "audit_audithead", "audit_auditchain"})


@pytest.fixture(autouse=True)
def _quiet_expected_refusals() -> Any:
    """Thousands of 404s are the point here; only server errors are logged."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def sweep(world, settings, tmp_path) -> dict[str, Any]:
    """The widened world (tests/authz/sweep_world.py) and everyone in it, by name."""
    settings.DATA_DIR = tmp_path / "data"
    added = widen(world)
    return {**world.personas(), **added}


# ------------------------------------------------------------------ the spec covers everything


def test_every_address_that_takes_a_record_is_swept():
    """A new address with a parameter must name its family in need_to_know.ROUTES (or say
    in NOT_RECORDS why it names no record), so the sweep cannot silently miss it."""
    swept = {route.key for route in ROUTES}
    missing = sorted(
        f"{p.key} ({p.route})"
        for p in url_patterns()
        if PARAM.search(p.route) and p.key not in swept and p.key not in NOT_RECORDS
    )
    assert not missing, "addresses with a parameter in no family of the sweep:\n  " + "\n  ".join(
        missing
    )
    assert swept.isdisjoint(NOT_RECORDS)


def test_the_widened_world_has_a_record_of_every_family_and_someone_allowed_for_each(sweep):
    found = targets()
    families = {t.family for t in found}
    assert families == set(SPEC), set(SPEC) ^ families
    for route in ROUTES:
        for action in (route.get, route.post):
            if action is None or route.family == "elsewhere":
                continue
            taken = [t for t in found if t.family == route.family and route.takes(t)]
            assert any(may(user, t, action) for t in taken for user in sweep.values()), (
                f"nobody may {action} through {route.key}: the sweep would prove nothing there"
            )


# ------------------------------------------------------------------ every record, every route


@dataclass
class Probe:
    route: Route
    target: Target
    path: str
    valid: dict[str, object] | None  # a POST the form accepts, read from its page
    source: str  # where that form was found, or why there is none


def _source(route: Route, target: Target) -> str | None:
    """The page that shows the form a POST-only address takes."""
    obj = target.obj
    if route.key == "incidents:pupil":
        # The pupil is chosen among the results of a search on the incident's page.
        return f"/ansatt/hendelser/{obj.pk}/?q=Elev"
    if route.key.startswith("incidents:") and route.family == "incident":
        return f"/ansatt/hendelser/{obj.pk}/"
    if route.key == "cases:consent_withdraw":
        return f"/ansatt/saker/{obj.case_id}/samtykke/"
    if route.key == "yearplan:feed_revoke":
        return "/ansatt/arshjul/kalender/"
    if route.key in ("people:staff_active", "people:role_revoke"):
        return "/ansatt/brukere/"
    if route.key == "questions:hide":
        return f"/ansatt/elevsporsmal/{obj.pk}/"
    return None


def _home(route: Route, target: Target) -> str:
    """The address of the record's own form: for a record reached through another case, the
    form of its own case, whose data is then sent through the other."""
    if route.family == "elsewhere":
        own = [r for r in ROUTES if r.key == route.key and r.family != "elsewhere"][0]
        return own.path(Target(own.family, target.obj, target.label))
    return route.path(target)


def probe(route: Route, target: Target, people: dict[str, Any]) -> Probe:
    """The address, and valid data for its POST as someone allowed finds the form."""
    path = route.path(target)
    if route.post is None:
        return Probe(route, target, path, None, "no POST")
    # A record reached through another case is filled in as on its own case's page.
    own, action = target, route.post
    if route.family == "elsewhere":
        kind = type(target.obj).__name__.lower()
        own = Target({"concernreport": "concern"}.get(kind, kind), target.obj, target.label)
        action = "record"
    allowed = [user for user in people.values() if may(user, own, action)]
    if not allowed:
        return Probe(route, target, path, None, "nobody may")
    home = _home(route, target)
    source = _source(route, target) or home
    with transaction.atomic():
        page = fresh_client(allowed[0]).get(source)
        transaction.set_rollback(True)
    form = find_form(page.content.decode(), source, home, {})
    if form is None:
        return Probe(route, target, path, None, f"{source} shows no form")
    classes = tuple(c for spec in FORMS if spec.key == route.key for c in spec.classes)
    return Probe(route, target, path, valid_data(form, classes), source)


def expected_get(user: Any, probe: Probe) -> str:
    if user is None or not user.is_active:
        return "login"
    return "200" if may(user, probe.target, probe.route.get) else "404"


def expected_post(user: Any, probe: Probe) -> str:
    if user is None or not user.is_active:
        return "login"
    if may(user, probe.target, probe.route.post):
        return "accepted"
    return "refused" if may(user, probe.target, "see") else "404"


def check(kind: str, response: Any) -> bool:
    status = response.status_code
    if kind == "login":
        return status == 302 and response["Location"].startswith(LOGIN_PREFIX)
    if kind == "accepted":
        return 200 <= status < 400 and not response.get("Location", "").startswith(LOGIN_PREFIX)
    if kind == "refused":
        return status in (200, 302, 403, 404)
    return status == int(kind)


# CI runs this in its SQLite job only (any_database): the answers come from Varde's views and
# access rules, the same on both databases. `make proofs` runs it on both, at full counts, and
# on PostgreSQL CI still probes every route with every id (test_idor's "no id reveals").
@pytest.mark.any_database
def test_every_route_of_every_family_answers_everyone_as_the_spec_says(sweep, proof_figures):
    people = sweep if proofs_full() else {k: v for k, v in sweep.items() if k in LIGHT_PEOPLE}
    probes = [
        probe(route, target, sweep)
        for target in targets()
        for route in ROUTES
        if route.family == target.family and route.takes(target)
    ]
    mismatches: list[str] = []
    requests = posts = written = 0
    wrote_for: set[str] = set()
    for item in probes:
        for name, user in people.items():
            if item.route.get is not None:
                kind = expected_get(user, item)
                with transaction.atomic():
                    response = send(user, "GET", item.path)
                    transaction.set_rollback(True)
                requests += 1
                if not check(kind, response):
                    mismatches.append(
                        f"{name} GET {item.path} ({item.target.label}): expected {kind}, "
                        f"got {answer(response)}"
                    )
            if item.route.post is not None:
                kind = expected_post(user, item)
                with transaction.atomic():
                    cache.clear()
                    client = fresh_client(user)
                    before = database_state()
                    response = client.post(item.path, item.valid or {})
                    changed = changed_tables(before, database_state())
                    transaction.set_rollback(True)
                requests += 1
                posts += 1
                if not check(kind, response):
                    mismatches.append(
                        f"{name} POST {item.path} ({item.target.label}): expected {kind}, "
                        f"got {answer(response)}"
                    )
                allowed_changes = set() if kind == "404" else AUDIT_TABLES
                if kind == "404" and item.route.family == "elsewhere":
                    # The address names a case first; a person who may open that case has
                    # opened it, and the read may be logged, though the record asked for is
                    # not in it.
                    through = Target("case", item.target.through, "")
                    allowed_changes = AUDIT_TABLES if may(user, through, "see") else set()
                if kind in ("404", "refused", "login") and set(changed) - allowed_changes:
                    mismatches.append(
                        f"{name} POST {item.path} ({item.target.label}), refused, changed "
                        f"{sorted(set(changed) - allowed_changes)}"
                    )
                if kind == "accepted" and set(changed) - AUDIT_TABLES:
                    written += 1
                    wrote_for.add(item.route.key)
    posted_keys = {p.route.key for p in probes if p.route.post is not None}
    without_valid = sorted(
        {f"{p.route.key}: {p.source}" for p in probes if p.route.post and p.valid is None}
    )
    figure = (
        f"need-to-know sweep: {len(probes)} addresses, {len(people)} people, {requests} requests "
        f"({posts} valid POSTs, {written} written by someone allowed), {len(mismatches)} mismatches"
    )
    print(figure)
    print("valid POST data found for none of these targets:\n  " + "\n  ".join(without_valid))
    proof_figures.add(requests=requests, checked=requests)
    proof_figures.note("mismatches", len(mismatches))
    # The valid POSTs are valid: each address wrote something for someone allowed, so a
    # refused person's unchanged database means the refusal, not bad data.
    never_written = sorted(posted_keys - wrote_for - NOTHING_TO_WRITE.keys())
    print(f"valid POSTs that wrote nothing even when allowed: {never_written}")
    assert not mismatches, figure + "\n" + "\n".join(mismatches)
    assert not never_written, f"valid POSTs that wrote nothing even when allowed: {never_written}"


# Addresses whose valid POST writes nothing in the widened world, and why.
NOTHING_TO_WRITE = {
    "cases:archive": "the only closed case is archived already; the others are open",
}
# Who the sweep asks at light counts (`make test`): the matrix's ten, the deputy, the principal
# of the other school and the other municipality's administrator. `make proofs` asks everyone.
LIGHT_PEOPLE = {
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
    "dina",
    "hans",
    "geir",
}


# ------------------------------------------------------------------ marks in every answer


def mark_world() -> dict[str, list[Target]]:
    """Give every pupil, case, measure, consent, question, handover, incident, follow-up and
    guardian a unique string; return string -> the records through which the spec lets it be
    seen."""
    marks: dict[str, list[Target]] = {}

    def mark(prefix: str) -> str:
        return f"{prefix}{secrets.token_hex(4)}"

    for pupil in Pupil.objects.all():
        pupil.first_name = mark("Elev")
        pupil.save()
        seen = [Target("pupil", pupil, "")]
        for case in Case.objects.filter(pupil=pupil):
            seen.append(Target("case", case, ""))
            seen += [Target("handover", h, "") for h in Handover.objects.filter(case=case)]
            named = AdviceRequest.objects.filter(case=case, anonymous=False)
            seen += [Target("advice", q, "") for q in named]
        seen += [Target("incident", i, "") for i in Incident.objects.filter(pupil=pupil)]
        marks[pupil.first_name] = seen
    for case in Case.objects.all():
        case.observed = mark("Observasjon")
        case.save()
        handovers = [Target("handover", h, "") for h in Handover.objects.filter(case=case)]
        marks[case.observed] = [Target("case", case, ""), *handovers]
    for measure in Measure.objects.all():
        measure.description = mark("Tiltak")
        measure.save()
        marks[measure.description] = [Target("case", measure.case, "")]
    for consent in Consent.objects.all():
        consent.scope = mark("Samtykke")
        consent.save()
        marks[consent.scope] = [Target("case", consent.case, "")]
    for question in AdviceRequest.objects.all():
        question.question = mark("Spørsmål")
        question.save()
        marks[question.question] = [
            Target("case", question.case, ""),
            Target("advice", question, ""),
        ]
    for handover in Handover.objects.all():
        handover.message = mark("Melding")
        handover.save()
        marks[handover.message] = [
            Target("case", handover.case, ""),
            Target("handover", handover, ""),
        ]
    for incident in Incident.objects.all():
        incident.notes = mark("Hendelse")
        incident.save()
        marks[incident.notes] = [Target("incident", incident, "")]
    for follow_up in FollowUp.objects.all():
        follow_up.pupil_words = mark("Elevensord")
        follow_up.save()
        marks[follow_up.pupil_words] = [Target("follow_up", follow_up, "")]
    for guardian in Guardian.objects.select_related("pupil"):
        guardian.name = mark("Foresatt")
        guardian.save()
        marks[guardian.name] = [Target("guardian", guardian, "")]
    return marks


def hidden_from(user: Any, marks: dict[str, list[Target]]) -> list[str]:
    """The marks the spec lets this person see through none of their records."""
    return [m for m, seen in marks.items() if not any(may(user, t, "see") for t in seen)]


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


def test_no_id_and_no_search_reveals_what_a_role_may_not_see(sweep, world, proof_figures):
    marks = mark_world()
    ids = (
        object_ids()
        if proofs_full()
        else sorted({world.pupil.pk, world.case.pk, world.gran_case.pk, world.incident.pk})
    )
    parents = sorted({*Case.objects.values_list("pk", flat=True), world.pupil.pk,
                      world.gran_pupil.pk, max(ids) + 1})  # fmt: skip
    paths = [*addresses(ids, parents), "/ansatt/saker/", "/ansatt/hendelser/", "/ansatt/rad/"]
    # Every id through every address is many requests: the matrix's ten people try them; the
    # sweep by record above asks everyone.
    people = world.personas()
    leaks: list[str] = []
    requests = 0
    for name, user in people.items():
        hidden = hidden_from(user, marks)
        searches = {f"/ansatt/elever/?q={mark}": mark for mark in hidden}
        for path in [*paths, *searches]:
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
            leaks += [f"{name} GET {path}: {m}" for m in hidden if m in body]
            if response.status_code >= 500:
                leaks.append(f"{name} GET {path}: {response.status_code}")
    proof_figures.add(requests=requests, checked=requests)
    proof_figures.note("leaks", len(leaks))
    print(f"idor sweep: {requests} requests, {len(paths)} addresses, {len(leaks)} leaks")
    assert leaks == []


def test_the_sweep_would_see_a_leak(sweep, world):
    """The marks do show up where they may, so their absence elsewhere means something."""
    marks = mark_world()
    page = send(world.teacher, "GET", f"/ansatt/saker/{world.case.pk}/").content.decode()
    assert any(
        mark in page for mark, seen in marks.items() if Target("case", world.case, "") in seen
    )
    assert hidden_from(world.teacher, marks)


# ------------------------------------------------------------------ audit completeness


@pytest.mark.proof("Audit completeness")
def test_every_answer_that_shows_personal_data_names_it_in_the_audit_log(
    sweep, world, proof_figures
):
    """Every page that shows a pupil's name, an observation, a measure, a consent, a question,
    an incident, a follow-up or a guardian writes, in the same request, an audit entry that
    names the record shown (its type and id) and, where the page shows who the pupil is, the
    pupil."""
    marks = mark_world()
    record_of = {mark: _audited_as(seen) for mark, seen in marks.items()}
    pupil_of = {mark: seen[0].obj.pk for mark, seen in marks.items() if seen[0].family == "pupil"}
    pupil_of |= {
        m: seen[0].obj.pupil_id for m, seen in marks.items() if seen[0].family == "guardian"
    }
    paths = sorted(
        {
            r.path(t)
            for t in targets()
            for r in ROUTES
            if r.family == t.family and r.takes(t) and r.get
        }
    )
    paths += ["/ansatt/", "/ansatt/saker/", "/ansatt/elever/", "/ansatt/hendelser/", "/ansatt/rad/"]
    people = sweep if proofs_full() else {k: v for k, v in sweep.items() if k in LIGHT_PEOPLE}
    shown = audited = requests = 0
    unaudited: list[str] = []
    for name, user in people.items():
        for path in paths:
            with transaction.atomic():
                last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
                response = send(user, "GET", path)
                entries = list(AuditEntry.objects.filter(pk__gt=last or 0))
                transaction.set_rollback(True)
            requests += 1
            if response.status_code != 200:
                continue
            body = response.content.decode(errors="replace")
            for mark in (m for m in marks if m in body):
                shown += 1
                problems = _unnamed(mark, record_of[mark], pupil_of.get(mark), entries)
                if problems:
                    unaudited.append(f"{name} GET {path} showed {mark}: {problems}")
                else:
                    audited += 1
    proof_figures.add(requests=requests, checked=shown)
    proof_figures.note("shown", shown)
    proof_figures.note("audited", audited)
    print(f"audit completeness: {shown} records shown, {audited} named in the audit log")
    assert shown > 0
    assert unaudited == [], "\n".join(unaudited[:50])


def _audited_as(seen: list[Target]) -> set[tuple[str, str]]:
    """The (object type, id) an audit entry may name for a record: the record, or the case or
    incident it belongs to, or the question it is asked in."""
    names = set()
    for target in seen:
        kind = {"follow_up": "incident", "handover": "case"}.get(target.family, target.family)
        obj = target.obj.case if target.family == "handover" else target.obj
        obj = obj.incident if target.family == "follow_up" else obj
        names.add((kind, str(obj.pk)))
    return names


def _unnamed(mark: str, records: set[tuple[str, str]], pupil: int | None, entries: list) -> str:
    named = {(e.object_type, e.object_id) for e in entries}
    if not records & named:
        return f"no entry names {sorted(records)} (entries: {sorted(named)})"
    if pupil is not None and pupil not in {e.pupil_id for e in entries}:
        return f"no entry names pupil {pupil}"
    return ""


PUPIL_FAMILIES = {"pupil", "case", "archive", "measure", "consent", "handover", "advice"}
WRITES = {"create", "update", "delete", "export", "import", "publish"}


def _written_as(target: Target) -> tuple[set[tuple[str, str]] | None, int | None]:
    """The records a write entry may name for a write on `target` (None: any record), and the
    pupil it must name (None: no pupil)."""
    obj = target.obj
    if target.family == "pupil":
        return None, obj.pk
    if target.family in ("case", "archive"):
        return {("case", str(obj.pk))}, obj.pupil_id
    if target.family in ("measure", "consent"):
        return {("case", str(obj.case_id))}, obj.case.pupil_id
    if target.family == "handover":
        return {("case", str(obj.case_id))}, obj.case.pupil_id
    if target.family == "advice":
        return {("case", str(obj.case_id)), ("advice", str(obj.pk))}, None
    if target.family == "incident":
        return {("incident", str(obj.pk))}, obj.pupil_id
    if target.family == "follow_up":
        return {("incident", str(obj.incident_id))}, obj.incident.pupil_id
    return None, None


@pytest.mark.proof("Audit completeness")
def test_every_write_names_its_record_and_pupil_in_the_audit_log(sweep, proof_figures):
    """Every valid POST that changes something writes, in the same request, an audit entry of
    a write (create, update, delete, ...) that names the record written to and its pupil: the
    count of audited writes equals the count of writes."""
    probes = [
        probe(route, target, sweep)
        for target in targets()
        for route in ROUTES
        if route.family == target.family and route.takes(target) and route.post
    ]
    writes = audited = 0
    unaudited: list[str] = []
    for item in probes:
        if item.valid is None:
            continue
        allowed = [u for u in sweep.values() if may(u, item.target, item.route.post)]
        for user in allowed[:1] if not proofs_full() else allowed:
            with transaction.atomic():
                cache.clear()
                client = fresh_client(user)
                last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
                before = database_state(leave_out=AUDIT_TABLES)
                client.post(item.path, item.valid)
                changed = changed_tables(before, database_state(leave_out=AUDIT_TABLES))
                entries = [
                    e for e in AuditEntry.objects.filter(pk__gt=last or 0) if e.action in WRITES
                ]
                transaction.set_rollback(True)
            if not changed:
                continue
            writes += 1
            records, pupil = _written_as(item.target)
            named = {(e.object_type, e.object_id) for e in entries}
            problem = ""
            if not entries:
                problem = "no write entry"
            elif records is not None and not records & named:
                problem = f"no write entry names {sorted(records)} (entries: {sorted(named)})"
            elif pupil is not None and pupil not in {e.pupil_id for e in entries}:
                problem = f"no write entry names pupil {pupil}"
            if problem:
                unaudited.append(f"{user} POST {item.path} ({item.target.label}): {problem}")
            else:
                audited += 1
    proof_figures.add(requests=writes, checked=writes)
    proof_figures.note("writes", writes)
    proof_figures.note("audited", audited)
    print(f"audit completeness: {writes} writes, {audited} audited with their record and pupil")
    assert writes > 20
    assert unaudited == [], "\n".join(unaudited)
