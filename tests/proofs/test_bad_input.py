"""Every form gets hostile input: unicode, NUL bytes, 1 MB strings, numbers and lists where
text belongs, missing and extra fields. The answer is never a server error; valid input
round-trips unchanged; fields that decide ownership cannot be posted in; a stored XSS
payload is shown escaped everywhere; a POST without a CSRF token is refused with 403."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.authz.harness import LOGIN_PREFIX, Expected, load_matrix
from tests.authz.snapshot import changed_tables, database_state
from tests.proofs.forms import FORMS, NOT_FORMS, FormSpec
from tests.proofs.htmlforms import (
    HtmlForm,
    class_fields,
    find_form,
    missing_fields,
    valid_data,
)
from tests.proofs.plugin import scale
from varde.cases.models import Case, Conversation
from varde.cases.services import conversation_plan
from varde.lib.text import has_bidi_controls
from varde.people.models import User

EXAMPLES = scale(20, 1000)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
# Text as it arrives from a browser: any character that UTF-8 can carry.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
NASTY = st.one_of(
    TEXT,
    st.text(st.sampled_from("\x00\r\n\t <>&\"'æøå🙂\u202e\u200b\ufeff"), max_size=60),
    st.text(min_size=1, max_size=8).map(lambda s: s * (1_048_576 // len(s.encode()) + 1)),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
    st.sampled_from(["", " ", "null", "None", "[]", "{}", "-1", "0", "9" * 400, "1e309"]),
    st.lists(TEXT, min_size=2, max_size=3),  # a field given twice
)
# Fields an attacker might add to take a record over or widen their rights.
SMUGGLED = ["owner", "owner_id", "school", "municipality", "pupil", "role", "is_staff",
            "is_superuser", "status", "level", "id", "pk"]  # fmt: skip


def planned(world) -> None:
    conversation_plan(
        actor=world.teacher,
        case=world.case,
        planned_for=timezone.now() + dt.timedelta(days=1),
        attendees="Tina og Petter",
    )


def client_for(world, persona: str, **kwargs: object) -> Client:
    client = Client(**kwargs)
    user = world.personas()[persona]
    if user is not None:
        client.force_login(user)
    return client


def matrix_forms() -> set[str]:
    """The addresses whose POST the matrix expects some role to get through: an answer 2xx,
    or a redirect anywhere but the login page."""
    found = set()
    for key, cases in load_matrix()["urls"].items():
        for case in cases:
            for value in case["POST"].values():
                expected = Expected.parse(value)
                login = (expected.location_prefix or "").startswith(LOGIN_PREFIX)
                if 200 <= expected.status < 300 or (300 <= expected.status < 400 and not login):
                    found.add(key)
    return found


def test_every_form_the_matrix_accepts_is_in_the_fuzzed_list():
    accepted = matrix_forms()
    listed = {form.key for form in FORMS if form.method == "POST"}
    missing = sorted(accepted - listed - set(NOT_FORMS))
    assert not missing, (
        f"forms the matrix accepts a POST to, missing from tests/proofs/forms.py: {missing}"
    )
    stale = sorted((listed | set(NOT_FORMS)) - accepted)
    assert not stale, f"tests/proofs/forms.py lists addresses the matrix does not accept: {stale}"


@dataclass
class Reached:
    """A form as the persona's browser finds it: the page, the form on it, and its fields."""

    path: str
    page: str
    form: HtmlForm | None
    fields: list[str]


def browser(world, spec: FormSpec, **kwargs: object) -> Client:
    """A browser of the form's persona, in the state the form needs."""
    client = client_for(world, spec.persona, **kwargs)
    if spec.prepare:
        spec.prepare(world, client)
    return client


def reach(world, spec: FormSpec, client: Client) -> Reached:
    """The form as the persona's browser finds it on its page."""
    path = spec.path(world)
    source = spec.source_path(world)
    page = client.get(source)
    assert page.status_code == 200, f"{spec.name}: {source} answered {page.status_code}"
    html = page.content.decode()
    action = spec.action(world) if spec.action else path
    found = find_form(html, source, action, dict(spec.pick), spec.method)
    assert found is not None, f"{spec.name}: {source} shows no form sending to {action}"
    assert not missing_fields(found, spec.classes), (
        f"{spec.name}: the page does not show {missing_fields(found, spec.classes)}"
    )
    names = [n for n in found.inputs if n != "csrfmiddlewaretoken"]
    # Fields of the form classes under their own names too, in case a prefix hides them.
    names += [n for n in class_fields(spec.classes) if n not in names]
    return Reached(path, html, found, names)


def submit(client: Client, spec: FormSpec, world, path: str, data: dict) -> HttpResponse:
    if spec.method == "GET":
        return client.get(path, data)
    if spec.upload is not None:
        data = {**data, **spec.upload(world)}
    return client.post(path, data)


def valid_post(world, spec: FormSpec) -> HttpResponse:
    """The form filled in as its page offers it and sent once, from a browser of its own, in
    a savepoint that is rolled back: it must be accepted."""
    with transaction.atomic():
        client = browser(world, spec)
        reached = reach(world, spec, client)
        data = valid_data(reached.form, spec.classes, dict(spec.pick))
        if spec.extra is not None:
            data.update(spec.extra(world, reached.page))
        cache.clear()
        response = submit(client, spec, world, reached.path, data)
        transaction.set_rollback(True)
    return response


def refused(response: HttpResponse) -> list[str]:
    """The form's own messages on a page that shows it again: why valid data was refused."""
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return []
    page = response.content.decode()
    found = re.findall(r'class="ds-validation-message"[^>]*>([^<]*)<', page)
    summary = re.search(r'class="ds-error-summary".*?</div>', page, re.S)
    if summary:
        found.append(re.sub(r"<[^>]+>", " ", summary.group(0)).strip())
    found += re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S)
    return found


@pytest.mark.proof("Every form fuzzed")
@pytest.mark.parametrize("spec", FORMS, ids=lambda f: f.name)
def test_no_input_to_any_form_gives_a_server_error(world, spec, proof_figures, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    if spec.setup:
        spec.setup(world)
    accepted = valid_post(world, spec)
    assert 200 <= accepted.status_code < 400, f"valid data answered {accepted.status_code}"
    assert not refused(accepted), f"valid data was refused: {refused(accepted)}"
    client = browser(world, spec)
    reached = reach(world, spec, client)
    fixed = dict(spec.pick)
    statuses: dict[int, int] = {}

    @FUZZ
    @given(data=st.data())
    def fuzz(data) -> None:
        payload: dict[str, object] = dict(fixed)
        for name in reached.fields:
            if data.draw(st.integers(0, 9)):  # now and then a field is left out
                payload[name] = data.draw(NASTY)
        for name in data.draw(st.lists(st.sampled_from(SMUGGLED), max_size=3)):
            payload[name] = data.draw(NASTY)
        # Rate limits live in the cache: without this, a thousand logins in a minute would
        # meet the limiter's 429 instead of the form. Each example meets the same world.
        cache.clear()
        with transaction.atomic():
            if spec.each and spec.prepare:
                spec.prepare(world, client)
            response = submit(client, spec, world, reached.path, payload)
            transaction.set_rollback(True)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500

    fuzz()
    tried = sum(statuses.values())
    proof_figures.add(requests=tried + 1, inputs=tried + 1, checked=1)
    print(f"fuzz {spec.name}: {tried} inputs, answers {statuses}; valid: {accepted.status_code}")
    assert set(statuses) <= {200, 302, 400, 403, 404, 405, 409, 413}


@pytest.mark.proof("Every form fuzzed")
def test_an_import_file_of_any_bytes_gives_no_server_error(world, proof_figures):
    client = client_for(world, "municipal_admin")
    tried = 0

    @FUZZ
    @given(
        content=st.one_of(
            st.binary(max_size=2000),
            TEXT.map(str.encode),
            st.lists(st.lists(TEXT, max_size=8), max_size=20).map(
                lambda rows: "\n".join(";".join(r) for r in rows).encode()
            ),
        ),
        apply=st.sampled_from(["", "1", "on", "x"]),
    )
    def fuzz(content: bytes, apply: str) -> None:
        nonlocal tried
        upload = SimpleUploadedFile("elever.csv", content, content_type="text/csv")
        response = client.post("/ansatt/import/", {"file": upload, "apply": apply})
        tried += 1
        assert response.status_code < 500

    fuzz()
    proof_figures.add(requests=tried, inputs=tried)


# --- Valid input round-trips ------------------------------------------------------------------

VALID_TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from("\n\t"), min_size=1,
    max_size=2000,
).filter(lambda s: s.strip())  # fmt: skip


@pytest.mark.proof("Every form fuzzed")
def test_a_valid_worry_is_saved_exactly_as_written(world, proof_figures):
    client = client_for(world, "teacher_owner")
    checked = 0

    @FUZZ
    # Names are refused with bidirectional controls in them (they can make one name look like
    # another), so "who knows" draws text without them; the refusal has its own tests.
    @given(
        observed=VALID_TEXT,
        who_knows=VALID_TEXT.filter(lambda s: len(s) <= 2000 and not has_bidi_controls(s)),
    )
    def roundtrip(observed: str, who_knows: str) -> None:
        nonlocal checked
        response = client.post(
            f"/ansatt/elever/{world.pupil.pk}/undring/",
            {"observed": observed, "observed_on": "20.11.2026", "seriousness": "3",
             "who_knows": who_knows},
        )  # fmt: skip
        assert response.status_code == 302, response.content[:300]
        case = Case.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
        assert case.observed == observed.strip()
        assert case.who_knows == who_knows.strip()
        # Posted extra fields never decide who owns the case or where it belongs.
        assert case.owner_id == world.teacher.pk and case.school_id == world.school.pk
        checked += 1

    roundtrip()
    proof_figures.add(requests=checked, inputs=checked, checked=checked)


@pytest.mark.proof("Mass assignment")
def test_posted_ownership_fields_are_ignored(world, proof_figures):
    client = client_for(world, "teacher_owner")
    smuggled = {
        "owner": world.outsider.pk, "owner_id": world.outsider.pk, "school": world.gran_school.pk,
        "school_id": world.gran_school.pk, "municipality": world.gran.pk,
        "pupil": world.gran_pupil.pk, "status": "closed", "level": "4", "version": "99",
    }  # fmt: skip
    response = client.post(
        f"/ansatt/elever/{world.pupil.pk}/undring/",
        {"observed": "Sett røyke", "observed_on": "20.11.2026", "seriousness": "2", **smuggled},
    )
    case = Case.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert (case.owner_id, case.school_id, case.pupil_id) == (
        world.teacher.pk, world.school.pk, world.pupil.pk
    )  # fmt: skip
    assert (case.status, case.level, case.version) == ("open", 0, 1)
    admin = client_for(world, "municipal_admin")
    admin.post(
        "/ansatt/brukere/rolle/",
        {"email": "ny@lunner.test", "full_name": "Ny Lærer", "role": "teacher",
         "school": world.school.pk, "is_staff": "1", "is_superuser": "1"},
    )  # fmt: skip
    newcomer = User.objects.filter(email="ny@lunner.test").first()
    assert newcomer is not None
    assert not newcomer.is_staff and not newcomer.is_superuser
    proof_figures.add(requests=2, inputs=len(smuggled) + 2, checked=2)


# --- Stored XSS -------------------------------------------------------------------------------

XSS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><svg onload=alert(1)>",
    '<a href="javascript:alert(1)">klikk</a>',
    "'';!--\"<XSS>=&{()}",
    "<iframe srcdoc='<script>alert(1)</script>'>",
    "{{ 7*7 }}{% debug %}<b>fet</b>",
    "<style>@import 'http://x'</style>",
]


@pytest.mark.proof("Stored XSS escaped")
@pytest.mark.parametrize("payload", XSS)
def test_a_stored_payload_is_shown_escaped_everywhere(world, payload, proof_figures):
    teacher = client_for(world, "teacher_owner")
    response = teacher.post(
        f"/ansatt/elever/{world.pupil.pk}/undring/",
        {"observed": payload, "observed_on": "20.11.2026", "seriousness": "2",
         "who_knows": payload, "place": payload[:200], "earlier_worries": payload},
    )  # fmt: skip
    case_path = response["Location"]
    planned(world)
    case = Case.objects.get(pk=int(case_path.rstrip("/").split("/")[-1]))
    conversation_plan(
        actor=world.teacher,
        case=case,
        planned_for=timezone.now() + dt.timedelta(days=1),
        attendees=payload[:500],
        trusted_adult=payload[:200],
    )
    teacher.post(
        f"{case_path}samtale/",
        {"step": "record", "what_was_said": payload, "pupil_view": payload, "weighing": payload},
    )
    assert Conversation.objects.get(case=case).pupil_view == payload
    world.pupil.first_name = payload[:100]
    world.pupil.save()
    User.objects.filter(pk=world.teacher.pk).update(full_name=payload[:150])
    pages = {
        "teacher": (teacher, [case_path, f"{case_path}samtale/", "/ansatt/saker/", "/ansatt/",
                              "/ansatt/elever/", f"/ansatt/elever/{world.pupil.pk}/"]),
        "admin": (client_for(world, "municipal_admin"), ["/ansatt/brukere/"]),
        "principal": (client_for(world, "principal"),
                      [f"/ansatt/elever/{world.pupil.pk}/innsyn/", case_path]),
    }  # fmt: skip
    shown = 0
    for client, paths in pages.values():
        for path in paths:
            page = client.get(path)
            assert page.status_code == 200, path
            html = page.content.decode()
            assert payload not in html, f"{path} shows the payload unescaped"
            shown += html.count(escape(payload)) + html.count(escape(payload[:100]))
    assert shown, "the payload was shown nowhere, so nothing was proved"
    proof_figures.add(requests=9, inputs=1, checked=shown)


# --- CSRF -------------------------------------------------------------------------------------


@pytest.mark.proof("Missing CSRF token refused")
@pytest.mark.parametrize("spec", [f for f in FORMS if f.method == "POST"], ids=lambda f: f.name)
def test_a_post_without_a_csrf_token_is_refused(world, spec, proof_figures, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    if spec.setup:
        spec.setup(world)
    if spec.prepare:
        # In a browser of its own, for the addresses it finds: the refusal comes before any view.
        spec.prepare(world, client_for(world, spec.persona))
    client = client_for(world, spec.persona, enforce_csrf_checks=True)
    path = spec.path(world)
    before = database_state()
    response = client.post(path, {"x": "x"})
    assert response.status_code == 403
    assert changed_tables(before, database_state()) == []
    proof_figures.add(requests=1, faults=1, checked=1)
