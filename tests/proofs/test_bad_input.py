"""Every form gets hostile input: unicode, NUL bytes, 1 MB strings, numbers and lists where
text belongs, missing and extra fields. The answer is never a server error; valid input
round-trips unchanged; fields that decide ownership cannot be posted in; a stored XSS
payload is shown escaped everywhere; a POST without a CSRF token is refused with 403."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.proofs.plugin import scale
from varde.cases.models import Case, Conversation
from varde.cases.services import conversation_plan
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


@dataclass(frozen=True)
class Form:
    name: str
    persona: str
    path: Callable[[object], str]
    fields: tuple[str, ...]
    fixed: tuple[tuple[str, str], ...] = ()
    setup: Callable[[object], None] | None = None


def planned(world) -> None:
    conversation_plan(
        actor=world.teacher,
        case=world.case,
        planned_for=timezone.now() + dt.timedelta(days=1),
        attendees="Tina og Petter",
    )


def asked(world) -> None:
    from varde.cases.advice import advice_ask

    world.fuzz_question = advice_ask(
        actor=world.teacher, case=world.case, adviser=world.kjentmann, question="Hva gjør jeg?"
    )


def case_path(tail: str) -> Callable[[object], str]:
    return lambda w: f"/ansatt/saker/{w.case.pk}/{tail}"


FORMS = [
    Form("login", "anonymous", lambda w: "/konto/login/", ("login", "password")),
    Form(
        "worry",
        "teacher_owner",
        lambda w: f"/ansatt/elever/{w.pupil.pk}/undring/",
        (
            "observed",
            "observed_on",
            "place",
            "duration",
            "earlier_worries",
            "seriousness",
            "who_knows",
            "parents_thoughts",
        ),
    ),  # fmt: skip
    Form(
        "conversation plan",
        "teacher_owner",
        lambda w: f"/ansatt/saker/{w.case.pk}/samtale/",
        ("planned_for", "attendees", "trusted_adult"),
        fixed=(("step", "plan"),),
    ),
    Form(
        "conversation record",
        "teacher_owner",
        lambda w: f"/ansatt/saker/{w.case.pk}/samtale/",
        ("what_was_said", "pupil_view", "weighing"),
        fixed=(("step", "record"),),
        setup=planned,
    ),
    Form(
        "measure evaluation",
        "teacher_owner",
        lambda w: f"/ansatt/saker/{w.case.pk}/tiltak/{w.measure.pk}/",
        ("evaluation", "version"),
    ),
    Form(
        "role grant",
        "municipal_admin",
        lambda w: "/ansatt/brukere/rolle/",
        ("email", "full_name", "role", "school"),
    ),  # fmt: skip
    Form(
        "staff active",
        "municipal_admin",
        lambda w: f"/ansatt/brukere/{w.teacher2.pk}/aktiv/",
        ("active",),
    ),  # fmt: skip
    Form(
        "parents decision",
        "teacher_owner",
        case_path("foresatte/"),
        ("choice", "obligations", "pupil_wishes", "maturity", "reason"),
        fixed=(("step", "decide"),),
    ),
    Form(
        "parents contact",
        "teacher_owner",
        case_path("foresatte/"),
        ("at", "with_whom", "channel", "summary"),
        fixed=(("step", "contact"),),
    ),
    Form("decision", "teacher_owner", case_path("beslutning/"), ("key", "reason", "version")),
    Form(
        "new measure",
        "teacher_owner",
        case_path("tiltak/"),
        ("description", "goal", "responsible", "evaluate_on"),
    ),
    Form("handover", "teacher_owner", case_path("overfor/"), ("to_user", "message")),
    Form("coordinator", "principal", case_path("koordinator/"), ("user",)),
    Form(
        "consent",
        "teacher_owner",
        case_path("samtykke/"),
        ("service", "giver", "giver_name", "scope", "valid_from", "valid_until"),
    ),
    Form(
        "invite", "teacher_owner", case_path("deltakere/"), ("user", "legal_basis", "legal_reason")
    ),
    Form(
        "referral",
        "teacher_owner",
        lambda w: f"/ansatt/saker/{w.case.pk}/henvisning/?tjeneste=bup",
        ("confirmed", "legal_basis", "reason"),
    ),
    Form(
        "advice question", "teacher_owner", case_path("rad/"), ("adviser", "question", "anonymous")
    ),
    Form(
        "advice answer",
        "kjentmann",
        lambda w: f"/ansatt/rad/{w.fuzz_question.pk}/",
        ("answer",),
        setup=asked,
    ),
    Form("pupil search", "teacher_owner", lambda w: "/ansatt/elever/", ("q", "grade")),
    Form(
        "plan editor", "municipal_admin", lambda w: "/ansatt/plan/rediger/", ("text", "change_note")
    ),  # fmt: skip
]


def client_for(world, persona: str, **kwargs: object) -> Client:
    client = Client(**kwargs)
    user = world.personas()[persona]
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.proof("Every form fuzzed")
@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
def test_no_input_to_any_form_gives_a_server_error(world, form, proof_figures):
    if form.setup:
        form.setup(world)
    client = client_for(world, form.persona)
    path = form.path(world)
    method = client.get if form.name == "pupil search" else client.post
    statuses: dict[int, int] = {}

    @FUZZ
    @given(data=st.data())
    def fuzz(data) -> None:
        payload: dict[str, object] = dict(form.fixed)
        for field in form.fields:
            if data.draw(st.integers(0, 9)):  # now and then a field is left out
                payload[field] = data.draw(NASTY)
        for field in data.draw(st.lists(st.sampled_from(SMUGGLED), max_size=3)):
            payload[field] = data.draw(NASTY)
        # Rate limits live in the cache: without this, a thousand logins in a minute would
        # meet the limiter's 429 instead of the form.
        cache.clear()
        response = method(path, payload)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500

    fuzz()
    proof_figures.add(requests=sum(statuses.values()), inputs=sum(statuses.values()))
    print(f"fuzz {form.name}: {sum(statuses.values())} inputs, answers {statuses}")
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
    @given(observed=VALID_TEXT, who_knows=VALID_TEXT.filter(lambda s: len(s) <= 2000))
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
@pytest.mark.parametrize(
    "form", [f for f in FORMS if f.name != "pupil search"], ids=lambda f: f.name
)
def test_a_post_without_a_csrf_token_is_refused(world, form, proof_figures):
    if form.setup:
        form.setup(world)
    client = client_for(world, form.persona, enforce_csrf_checks=True)
    before = (Case.objects.count(), User.objects.count())
    response = client.post(form.path(world), {field: "x" for field in form.fields})
    assert response.status_code == 403
    assert (Case.objects.count(), User.objects.count()) == before
    proof_figures.add(requests=1, faults=1, checked=1)
