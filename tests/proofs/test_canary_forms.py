"""The canary through the real forms: text typed into any form about a pupil or an incident
never stands in the database's own bytes.

A person is walked through every form of Varde that takes text, each as the persona who
fills it in, through Django's test client: the worry form and every casework form, every
incident form, the year plan's meeting form, the competence form and the CSV import. Each
form is read from its page the way a browser reads it, and every free-text input on it gets
a canary of its own (KANARI-<random>), so an input added to a form later is typed into
without anyone changing this file. The forms come from the POST rows of
tests/authz/matrix.yaml: a URL that takes a POST is either walked here or named below as
taking no text about a pupil, with the reason, so a new form is noticed too.

Then the database is read as someone who copied it would read it: on SQLite the database
file, its -wal file and a dump; on PostgreSQL a pg_dump of the test database and, for a
superuser, the tables' own files. No canary may be found there, while the sealed tokens
that hold them must be (or the scan looked in the wrong place). Each canary must also be
shown again, on its page, to the person it belongs to. The only text left plain is named in
LEFT_PLAIN with the reason, and must be found plain (so that list stays true).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, models
from django.http import HttpResponse
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from tests.authz.harness import load_matrix
from tests.lib.test_canary import raw_database_bytes
from varde.lib.crypto import decrypt_text
from varde.lib.fields import EncryptedTextField
from varde.lib.reencrypt import encrypted_fields

pytestmark = pytest.mark.proof("Encryption at rest")

# Answers to a POST that mean the request went no further than the door.
REFUSED = {404, 405, 403, "302:/konto/login/"}

# URLs that take a POST but no text about a pupil or an incident, and why.
NO_TYPED_TEXT = {
    "plan:edit": "the municipality's plan, published to everyone: no pupil in it",
    "plan:editor_new": "the municipality's plan, published to everyone: no pupil in it",
    "plan:editor_item": "the municipality's plan, published to everyone: no pupil in it",
    "plan:editor_delete": "a button",
    "plan:publish": "a note of what changed in the plan, published to everyone: no pupil in it",
    "plan:approval_setting": "a checkbox",
    "plan:discard": "a button",
    "people:staff_active": "a button",
    "people:role_grant": "a member of staff's name and e-mail address, searched and shown",
    "people:role_revoke": "a button",
    "cases:handover_reply": "accept or decline: two buttons",
    "cases:consent_withdraw": "a button",
    "cases:archive": "a button",
    "incidents:pupil": "a pupil chosen from the school's list",
    "incidents:attach": "a case chosen from the pupil's open cases",
    "yearplan:roll": "schools ticked in a list",
    "yearplan:feed_new": "a school chosen in a list",
    "yearplan:feed_revoke": "a button",
    "yearplan:routines_read": "a button",
    "questions:hide": "a reason chosen from a list",
    "questions:answer": "a pickup code: looked up by its keyed hash, never stored",
    "set_language": "a language chosen in a list",
}
# allauth's pages (sign-in, e-mail, password, two-factor, Feide and ID-porten): e-mail
# addresses, passwords (stored hashed) and one-time codes. Nothing about a pupil is typed there.
NO_TYPED_TEXT_PREFIXES = ("account_", "mfa_", "socialaccount_", "konto/")

# Text typed into a walked form that stays plain on purpose: (step, input) -> why.
LEFT_PLAIN = {
    ("import", "fornavn"): "a pupil's first name: searched by name, so not sealed",
    ("import", "etternavn"): "a pupil's last name: searched by name, so not sealed",
}
# Plain text columns in the apps that hold text about pupils, and why each is plain. Every
# other CharField or TextField there must be an EncryptedTextField.
PLAIN_BY_DESIGN = {
    "cases.case.status": "a choice",
    "cases.case.archive_sha256": "a checksum",
    "cases.caseparticipant.service": "a key of the plan's services",
    "cases.caseparticipant.legal_basis": "a key of the plan's legal bases",
    "cases.caseevent.kind": "a choice",
    "cases.handover.state": "a choice",
    "cases.parentdecision.choice": "a choice",
    "cases.parentcontact.channel": "a choice (telefon, møte, e-post, brev)",
    "cases.parentcontact.interpreter": "a choice (qualified, none)",
    "cases.decision.key": "a key of the plan's decisions",
    "cases.decision.legal_basis": "a key of the plan's legal bases",
    "cases.conversation.no_view_reason": "a key of the plan's reasons for no view",
    "cases.advicerequest.age_band": "an age band from the plan",
    "cases.consent.giver": "a choice",
    "cases.consent.service": "a key of the plan's services",
    "cases.referral.service": "a key of the plan's services",
    "cases.referral.legal_basis": "a key of the plan's legal bases",
    "cases.caseremoval.archive_sha256": "a checksum",
    "cases.caseremoval.archive_reference": "the archive's case or journal number, kept after "
    "removal to find the case in the archive: no personal data",
    "cases.archivedelivery.reference": "the archive's case and journal numbers",
    "cases.archivedelivery.state": "a choice",
    "cases.archivedelivery.transport": "a choice",
    "cases.archivemessage.reference": "the archive's journal number",
    "cases.concernreport.answer": "a choice",
    "cases.concernreport.channel": "a choice",
    "cases.concernreport.legal_basis": "a key of the plan's legal bases",
    "incidents.incident.kind": "a choice",
    "incidents.incident.avert_option": "a key of the plan's avert options",
    "incidents.steptick.key": "a key of the plan's routine steps",
    "yearplan.yearevent.template_key": "a key of the plan's year plan",
    "yearplan.yearevent.kind": "a choice",
    "yearplan.yearevent.title": "copied from the published plan; not in the form",
    "yearplan.yearevent.theme": "copied from the published plan; not in the form",
    "yearplan.yearevent.called_by": "copied from the published plan; not in the form",
    "yearplan.calendarfeed.token_hash": "a SHA-256, looked up in SQL",
    "questions.pupilquestion.to_role": "a role key (kjentmann, school_nurse)",
    "questions.pupilquestion.topic": "a key of the plan's topics",
    "questions.pupilquestion.code_key": "the id of the key the pickup code is hashed with",
    "questions.pupilquestion.code_hash": "an HMAC of the pickup code, looked up in SQL",
    "questions.pupilquestion.answered_role": "a role key",
    "questions.pupilquestion.hidden_reason": "a choice",
    "questions.questiontally.topic": "a key of the plan's topics",
}
APPS_ABOUT_PUPILS = ("cases", "incidents", "yearplan", "questions")
# The newly sealed fields; key rotation must find them without being told.
NEWLY_SEALED = {
    "cases.case.place",
    "cases.case.duration",
    "cases.conversation.attendees",
    "cases.conversation.trusted_adult",
    "cases.parentcontact.with_whom",
    "cases.measure.responsible",
    "cases.consent.giver_name",
    "incidents.incident.police_reference",
    "yearplan.yearevent.place",
    "yearplan.yearevent.contributors",
    "yearplan.yearevent.notes",
    "yearplan.staffcompetence.days_at_school",
}

TEXT_INPUTS = {"text", "search", "email", "tel", "url", ""}
KEEP = object()  # keep the value the page filled in, as a browser would


# --- Reading forms from a page, as a browser does ---------------------------------------------


@dataclass
class Input:
    kind: str  # the input's type, "textarea", "select" or "button"
    name: str
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected)


@dataclass
class Form:
    action: str
    inputs: list[Input] = field(default_factory=list)

    def hidden(self, name: str) -> str | None:
        return next((i.value for i in self.inputs if i.kind == "hidden" and i.name == name), None)


class FormReader(HTMLParser):
    """The POST forms of a page with their inputs; GET forms (searches) are left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: Input | None = None
        self._select: Input | None = None
        self._option: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = Form(action=a.get("action", ""))
                self.forms.append(self._form)
            return
        if self._form is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._option = [a.get("value"), "selected" in a, ""]
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            self._form.inputs.append(Input(kind, a["name"], a.get("value", ""), "checked" in a))
        elif tag == "button":
            self._form.inputs.append(Input("button", a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = Input("textarea", a["name"])
            self._form.inputs.append(self._textarea)
        elif tag == "select":
            self._select = Input("select", a["name"])
            self._form.inputs.append(self._select)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            if self._textarea is not None and self._textarea.value.startswith("\n"):
                self._textarea.value = self._textarea.value[1:]
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value, selected, text = self._option
            self._select.options.append((text.strip() if value is None else value, selected))
            self._option = None
        elif tag == "select":
            self._select = None


def post_forms(html: str) -> list[Form]:
    reader = FormReader()
    reader.feed(html)
    return reader.forms


# --- The walk -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One form, filled in by one persona on the page that shows it."""

    name: str  # how a failure names the form
    persona: str  # a key of World.personas()
    url: str  # the route's name in matrix.yaml, where the form posts to
    kwargs: Callable[[Walk], dict[str, object]] = lambda w: {}
    # Values for inputs that are not free text (dates, choices); KEEP keeps the page's value.
    values: Callable[[Walk], dict[str, object]] = lambda w: {}
    page: Callable[[Walk], str] | None = None  # the page showing the form; default its URL
    query: str = ""
    form_step: str = ""  # the hidden "step" input that tells two forms on one page apart
    every: bool = False  # submit every such form on the page (the steps of a routine)
    shown: tuple[str, Callable[[Walk], str]] | None = None  # who sees the text again, where
    after: Callable[[Walk, HttpResponse], None] | None = None
    # The form answers with a page of its own, not a redirect.
    answers_in_place: bool = False


@dataclass
class Typed:
    canary: str
    step: str
    name: str  # the input's name
    shown: tuple[str, str] | None = None  # persona and path where it is shown again

    @property
    def needle(self) -> bytes:
        # The canary's first 19 characters: found even where a copy was cut short.
        return self.canary[:19].encode()

    def __str__(self) -> str:
        return f"{self.step} → {self.name}"


class Walk:
    def __init__(self, world: Any) -> None:
        self.world = world
        self.ids: dict[str, int] = {}
        self.typed: list[Typed] = []
        self.posted: set[str] = set()  # route names of the URLs posted to
        self._clients: dict[str, Client] = {}

    def client(self, persona: str) -> Client:
        if persona not in self._clients:
            client = Client(raise_request_exception=True)
            user = self.world.personas()[persona]
            if user is not None:  # a pupil's pages are used without logging in
                client.force_login(user)
            self._clients[persona] = client
        return self._clients[persona]

    def canary(self, step: str, name: str) -> str:
        typed = Typed(f"KANARI-{secrets.token_hex(16)}", step, name)
        self.typed.append(typed)
        return typed.canary

    def run(self, step: Step) -> None:
        page = step.page(self) if step.page else reverse(step.url, kwargs=step.kwargs(self))
        page += step.query
        done: set[str] = set()
        while True:
            html = self.client(step.persona).get(page)
            assert html.status_code == 200, f"{step.name}: {page} answered {html.status_code}"
            forms = [
                (urljoin(page, f.action or page), f)
                for f in post_forms(html.content.decode())
                if resolve(urlsplit(urljoin(page, f.action or page)).path).view_name == step.url
                and (not step.form_step or f.hidden("step") == step.form_step)
            ]
            forms = [(action, f) for action, f in forms if action not in done]
            if not forms:
                assert done, f"{step.name}: {page} shows no form that posts to {step.url}"
                return
            if not step.every:
                assert len(forms) == 1, f"{step.name}: {len(forms)} forms on {page}"
            action, form = forms[0]
            done.add(action)
            self._submit(step, action, form)
            if not step.every:
                return

    def _submit(self, step: Step, action: str, form: Form) -> None:
        given = step.values(self)
        names = {i.name for i in form.inputs}
        stale = set(given) - names
        assert not stale, f"{step.name}: the form has no input named {sorted(stale)}"
        data: dict[str, Any] = {}
        typed_here = []
        for item in form.inputs:
            if item.name in given:
                value = given[item.name]
                if value is KEEP:
                    value = item.value
                data.setdefault(item.name, value)
            elif item.kind in TEXT_INPUTS or item.kind == "textarea":
                data[item.name] = self.canary(step.name, item.name)
                typed_here.append(self.typed[-1])
            elif item.kind == "checkbox":
                if item.checked:
                    data.setdefault(item.name, []).append(item.value)
            elif item.kind in ("hidden", "number", "date", "time") or item.checked:
                data.setdefault(item.name, item.value)
            elif item.kind == "radio" and item.name not in data:
                data[item.name] = item.value  # none chosen on the page: the first one
            elif item.kind == "select":
                chosen = [v for v, selected in item.options if selected] or [item.options[0][0]]
                data[item.name] = chosen[0]
        response = self.client(step.persona).post(action, data)
        if step.answers_in_place and response.status_code == 200:
            pass  # the answer is the page itself (a pupil's pickup code is shown only there)
        elif response.status_code != 302:
            errors = re.findall(
                r'ds-validation-message[^>]*>([^<]*)<|class="ds-alert"[^>]*>(.*?)</div>',
                response.content.decode(),
                flags=re.S,
            )
            pytest.fail(
                f"{step.name}: posting to {action} as {step.persona} answered "
                f"{response.status_code}, not a redirect; the page says {errors}"
            )
        self.posted.add(step.url)
        if step.after is not None:
            step.after(self, response)
        if step.shown is not None:
            persona, where = step.shown
            for typed in typed_here:
                typed.shown = (persona, where(self))


def _pk_from(response: HttpResponse) -> int:
    return int(resolve(urlsplit(response["Location"]).path).kwargs["pk"])


def _keep(key: str) -> Callable[[Walk, HttpResponse], None]:
    def after(walk: Walk, response: HttpResponse) -> None:
        walk.ids[key] = _pk_from(response)

    return after


def _day(days: int = 0) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).strftime("%d.%m.%Y")


def _moment(hours: int) -> str:
    return (timezone.localtime() + dt.timedelta(hours=hours)).strftime("%d.%m.%Y %H:%M")


def _case(w: Walk) -> dict[str, object]:
    return {"pk": w.ids["case"]}


def _chronology(w: Walk) -> str:
    return reverse("cases:chronology", kwargs=_case(w))


def _measure(w: Walk) -> dict[str, object]:
    from varde.cases.models import Measure

    return {**_case(w), "measure_pk": Measure.objects.get(case_id=w.ids["case"]).pk}


def _question_token() -> str:
    # The page's token is seconds old; a pupil who wrote for a while sends an older one.
    import time

    from varde.questions.forms import form_token

    return form_token(issued=time.time() - 10)


def _pupil_question(w: Walk) -> dict[str, object]:
    from varde.questions.models import PupilQuestion

    return {"pk": PupilQuestion.objects.filter(school=w.world.school).latest("pk").pk}


def _pupil_question_page(w: Walk) -> str:
    return reverse("questions:question", kwargs=_pupil_question(w))


def _concern(w: Walk) -> dict[str, object]:
    from varde.cases.models import ConcernReport

    return {**_case(w), "report_pk": ConcernReport.objects.get(case_id=w.ids["case"]).pk}


def _concern_page(w: Walk) -> str:
    return reverse("cases:concern", kwargs=_concern(w))


def _advice(w: Walk) -> dict[str, object]:
    from varde.cases.models import AdviceRequest

    return {"pk": AdviceRequest.objects.get(case_id=w.ids["case"]).pk}


def _incident(key: str) -> Callable[[Walk], str]:
    return lambda w: reverse("incidents:incident", kwargs={"pk": w.ids[key]})


def _follow_up(w: Walk) -> dict[str, object]:
    from varde.incidents.models import FollowUp

    return {"pk": FollowUp.objects.get(incident_id=w.ids["intoxicated"]).pk}


def _year_event(w: Walk) -> dict[str, object]:
    from varde.yearplan.models import YearEvent

    return {"pk": YearEvent.objects.filter(school=w.world.school).order_by("pk").first().pk}


def _kjentmann_role(w: Walk) -> dict[str, object]:
    return {"pk": w.world.kjentmann.role_assignments.get(role="kjentmann").pk}


TINA, TOR, RITA, KARI = "teacher_owner", "teacher_same_school", "principal", "kjentmann"
HANNE = "school_nurse"
CHRONOLOGY = (TINA, _chronology)

STEPS = [
    # A new worry about Petter: every casework form below works on it.
    Step(
        "worry",
        TINA,
        "cases:worry_open",
        lambda w: {"pupil_pk": w.world.pupil.pk},
        lambda w: {"observed_on": _day(), "seriousness": "3"},
        shown=CHRONOLOGY,
        after=_keep("case"),
    ),
    Step(
        "conversation plan",
        TINA,
        "cases:conversation",
        _case,
        lambda w: {"planned_for": _moment(24)},
        form_step="plan",
        shown=CHRONOLOGY,
    ),
    Step(
        "conversation record",
        TINA,
        "cases:conversation",
        _case,
        form_step="record",
        shown=CHRONOLOGY,
    ),
    Step(
        "parents decision",
        TINA,
        "cases:parents",
        _case,
        lambda w: {"choice": "pupil_first"},
        form_step="decide",
        shown=CHRONOLOGY,
    ),
    Step(
        "parents contact",
        TINA,
        "cases:parents",
        _case,
        lambda w: {"at": _moment(-1), "channel": "telefon"},
        form_step="contact",
        shown=CHRONOLOGY,
    ),
    Step(
        "handover",
        TINA,
        "cases:handover",
        _case,
        lambda w: {"to_user": w.world.teacher2.pk},
        shown=CHRONOLOGY,
    ),
    Step(
        "decision to level 1",
        TINA,
        "cases:decide",
        _case,
        lambda w: {"key": "level_1"},
        shown=CHRONOLOGY,
    ),
    Step(
        "measure",
        TINA,
        "cases:measures",
        _case,
        lambda w: {"evaluate_on": _day(14)},
        shown=CHRONOLOGY,
    ),
    Step("measure evaluation", TINA, "cases:measure_evaluation", _measure, shown=CHRONOLOGY),
    Step(
        "decision to level 3",
        TINA,
        "cases:decide",
        _case,
        lambda w: {"key": "level_3"},
        shown=CHRONOLOGY,
    ),
    Step("coordinator", RITA, "cases:coordinator", _case, lambda w: {"user": w.world.kjentmann.pk}),
    Step(
        "consent",
        TINA,
        "cases:consents",
        _case,
        lambda w: {"service": "ppt", "giver": "guardian", "valid_from": KEEP, "valid_until": KEEP},
        shown=CHRONOLOGY,
    ),
    Step("invitation", TINA, "cases:participants", _case, lambda w: {"user": w.world.teacher2.pk}),
    Step(
        "referral",
        TINA,
        "cases:referral",
        _case,
        lambda w: {"legal_basis": "child_welfare_duty"},
        query="?tjeneste=barnevern",
        shown=CHRONOLOGY,
    ),
    Step(
        "report of concern",
        TINA,
        "cases:concern_new",
        _case,
        lambda w: {"legal_basis": "child_welfare_duty"},
        shown=(TINA, _concern_page),
    ),
    Step("report of concern approved", RITA, "cases:concern", _concern, form_step="approve"),
    Step(
        "report of concern sent",
        TINA,
        "cases:concern",
        _concern,
        lambda w: {"channel": "portal", "sent_at": KEEP},
        form_step="sent",
    ),
    Step(
        "report of concern receipt",
        TINA,
        "cases:concern",
        _concern,
        form_step="receipt",
        shown=(TINA, _concern_page),
    ),
    Step(
        "pupil's anonymous question",
        "anonymous",
        "questions:ask",
        lambda w: {"slug": "lunner"},
        lambda w: {"school": w.world.school.pk, "token": _question_token()},
        shown=(HANNE, _pupil_question_page),
        answers_in_place=True,
    ),
    Step(
        "pupil's answer",
        HANNE,
        "questions:question",
        _pupil_question,
        shown=(HANNE, _pupil_question_page),
    ),
    Step(
        "advice question",
        TINA,
        "cases:advice_ask",
        _case,
        lambda w: {"adviser": w.world.kjentmann.pk},
        shown=(KARI, lambda w: reverse("cases:advice_question", kwargs=_advice(w))),
    ),
    Step("advice answer", KARI, "cases:advice_question", _advice, shown=CHRONOLOGY),
    # Two suspected sales, the police called at once or afterwards; an intoxicated pupil.
    Step(
        "drug sale",
        TINA,
        "incidents:new_sale",
        values=lambda w: {"called": "1"},
        shown=(TINA, _incident("sale")),
        after=_keep("sale"),
    ),
    Step(
        "drug sale steps",
        TINA,
        "incidents:step",
        page=_incident("sale"),
        every=True,
        shown=(TINA, _incident("sale")),
    ),
    Step(
        "drug sale, police not called yet",
        TINA,
        "incidents:new_sale",
        values=lambda w: {"reference": ""},
        shown=(TINA, _incident("later")),
        after=_keep("later"),
    ),
    Step(
        "drug sale police",
        TINA,
        "incidents:police",
        page=_incident("later"),
        shown=(TINA, _incident("later")),
    ),
    Step(
        "intoxicated",
        TINA,
        "incidents:new_intoxicated",
        values=lambda w: {"pupil": w.world.pupil.pk},
        query="?q=Petter",
        shown=(TINA, _incident("intoxicated")),
        after=_keep("intoxicated"),
    ),
    Step(
        "intoxicated steps",
        TINA,
        "incidents:step",
        page=_incident("intoxicated"),
        every=True,
        shown=(TINA, _incident("intoxicated")),
    ),
    Step(
        "intoxicated avert",
        TINA,
        "incidents:avert",
        page=_incident("intoxicated"),
        shown=(TINA, _incident("intoxicated")),
    ),
    Step(
        "intoxicated adult",
        TINA,
        "incidents:adult",
        page=_incident("intoxicated"),
        values=lambda w: {"adult": w.world.teacher2.pk},
    ),
    Step(
        "follow-up",
        TOR,
        "incidents:follow_up",
        _follow_up,
        shown=(TOR, lambda w: reverse("incidents:follow_up", kwargs=_follow_up(w))),
    ),
    # The year plan and what the school knows about its staff.
    Step(
        "year plan meeting",
        RITA,
        "yearplan:event",
        _year_event,
        lambda w: {"day": KEEP, "time": KEEP},
        shown=(RITA, lambda w: reverse("yearplan:event", kwargs=_year_event(w))),
    ),
    Step(
        "competence",
        RITA,
        "yearplan:competence_edit",
        _kjentmann_role,
        lambda w: {"trained_on": ""},
        shown=(RITA, lambda w: reverse("yearplan:competence") + f"?skole={w.world.school.pk}"),
    ),
]


def import_a_pupil(walk: Walk) -> None:
    """A CSV with one pupil row, tried and then applied by the administrator."""
    from varde.people.importer import COLUMNS

    row = {column: "" for column in COLUMNS}
    row.update(type="elev", id=f"E-{secrets.token_hex(4)}", skole=walk.world.school.external_id)
    row["trinn"] = "9"
    row["fodselsdato"] = (timezone.localdate() - dt.timedelta(days=365 * 14 + 40)).isoformat()
    # The columns a person types freely. The rest are keys the school system gives (the id,
    # matched in SQL and never shown), dates and choices.
    for column in ("fornavn", "etternavn"):
        row[column] = walk.canary("import", column)
    # The pupil's guardian: every column but the keys and choices is sealed.
    guardian = {column: "" for column in COLUMNS}
    guardian.update(type="foresatt", id="F1", elev_id=row["id"], relasjon="mor")
    guardian.update(sperre="ikke kontakt")
    for column in ("fornavn", "etternavn", "telefon", "sprak", "sperre_grunn"):
        guardian[column] = walk.canary("import-guardian", column)
    text = (
        ";".join(COLUMNS)
        + "\n"
        + "".join(";".join(r[c] for c in COLUMNS) + "\n" for r in (row, guardian))
    )
    admin = walk.client("municipal_admin")
    for extra in ({}, {"apply": "1"}):
        upload = SimpleUploadedFile("elever.csv", text.encode(), content_type="text/csv")
        response = admin.post(reverse("people:import"), {"file": upload, **extra})
    assert response.status_code == 302, "the import was refused: " + response.content.decode()
    walk.posted.add("people:import")
    shown = reverse("people:pupils") + f"?q={row['etternavn']}"
    for typed in walk.typed[-7:-5]:
        typed.shown = ("municipal_admin", shown)
    from varde.people.models import Pupil

    pupil = Pupil.objects.get(external_id=row["id"])
    for typed in walk.typed[-5:]:
        typed.shown = ("municipal_admin", reverse("people:pupil", args=[pupil.pk]))


# --- What an attacker with the database sees ------------------------------------------------


def sealed_values() -> list[tuple[str, str, str]]:
    """(app.model.field, token, plaintext) of every non-empty sealed value in the database."""
    quote = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        for model, fields in encrypted_fields():
            columns = ", ".join(quote(f.column) for f in fields)
            cursor.execute(f"SELECT {columns} FROM {quote(model._meta.db_table)}")  # noqa: S608
            for row in cursor.fetchall():
                for f, token in zip(fields, row, strict=True):
                    if token:
                        label = f"{model._meta.label_lower}.{f.name}"
                        found.append((label, token, decrypt_text(token, context=f.context)))
    return found


def session_bytes() -> bytes:
    """Sessions are kept encoded; whoever has the database decodes them in a line."""
    return "\n".join(repr(s.get_decoded()) for s in Session.objects.all()).encode()


def where_plain(needle: str) -> list[str]:
    """The tables and columns that hold `needle` as text, to name them in a failure."""
    quote = connection.ops.quote_name
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                cast = f"CAST({quote(column.name)} AS TEXT)"
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(table)} WHERE {cast} LIKE %s",  # noqa: S608
                    [f"%{needle}%"],
                )
                if cursor.fetchone()[0]:
                    hits.append(f"{table}.{column.name}")
    return hits


# --- The proofs -----------------------------------------------------------------------------


def accepting_post(matrix: dict[str, Any]) -> set[str]:
    """The URLs where at least one persona's POST gets past the door."""
    found = set()
    for key, cases in matrix["urls"].items():
        answers = {a for case in cases for a in (case.get("POST") or {}).values()}
        if answers - REFUSED:
            found.add(key)
    return found


@pytest.mark.django_db(transaction=True)
def test_no_text_typed_into_any_form_reaches_the_raw_database(keys_file, proof_figures):
    from tests.world import build_world
    from varde.yearplan.selectors import school_year_of
    from varde.yearplan.services import yearplan_roll

    world = build_world()
    yearplan_roll(
        actor=world.slt, school=world.school, school_year=school_year_of(timezone.localdate()) + 1
    )
    walk = Walk(world)
    for step in STEPS:
        walk.run(step)
    import_a_pupil(walk)

    # Every URL that takes a POST is walked or named as taking no text about a pupil.
    accepting = accepting_post(load_matrix())
    exempt = set(NO_TYPED_TEXT) | {k for k in accepting if k.startswith(NO_TYPED_TEXT_PREFIXES)}
    unknown = accepting - walk.posted - exempt
    assert not unknown, f"forms taking a POST that this proof neither walks nor exempts: {unknown}"
    assert not walk.posted & set(NO_TYPED_TEXT), "a walked form is also listed as exempt"
    typed = {(t.step, t.name) for t in walk.typed}
    assert set(LEFT_PLAIN) <= typed, "LEFT_PLAIN names an input no form has any more"

    raw = raw_database_bytes() + session_bytes()
    sealed = sealed_values()
    plain = [t for t in walk.typed if (t.step, t.name) in LEFT_PLAIN]
    leaked = [t for t in walk.typed if t not in plain and t.needle in raw]
    assert not leaked, "typed text stands in plain text in the database:\n" + "\n".join(
        f"  {t}: found in {where_plain(t.canary[:19]) or 'the raw bytes'}" for t in leaked
    )
    for t in plain:
        assert t.needle in raw, f"{t} is sealed now: take it out of LEFT_PLAIN"

    # Each canary kept is inside a sealed value, and those tokens are in the raw bytes.
    holders: dict[str, set[str]] = {}
    for label, token, text in sealed:
        for t in walk.typed:
            if t.canary in text:
                holders.setdefault(t.canary, set()).add(label)
                assert token.encode() in raw, f"the token of {label} is not in the raw bytes"
    lost = [t for t in walk.typed if t not in plain and t.canary not in holders]
    assert not lost, f"typed text kept in no sealed field: {[str(t) for t in lost]}"

    # Each is shown again, to the person it belongs to, on its page.
    pages: dict[tuple[str, str], str] = {}
    unseen = []
    for t in walk.typed:
        assert t.shown is not None, f"{t}: the proof names no page that shows it"
        if t.shown not in pages:
            response = walk.client(t.shown[0]).get(t.shown[1])
            assert response.status_code == 200, f"{t.shown} answered {response.status_code}"
            pages[t.shown] = response.content.decode()
        if t.canary not in pages[t.shown]:
            unseen.append(f"{t} (not on {t.shown[1]} for {t.shown[0]})")
    assert not unseen, "typed text not shown again: " + "; ".join(unseen)

    proof_figures.add(inputs=len(walk.typed), checked=len(holders))
    proof_figures.note("forms", len(STEPS) + 1)
    proof_figures.note(
        "sealed fields holding canaries", len({x for h in holders.values() for x in h})
    )
    proof_figures.note("left plain", len(plain))
    proof_figures.note("raw bytes scanned", len(raw))


def test_every_text_column_of_the_apps_about_pupils_is_sealed_or_plain_by_design(proof_figures):
    plain, sealed = set(), 0
    for app in APPS_ABOUT_PUPILS:
        for model in apps.get_app_config(app).get_models():
            for f in model._meta.local_concrete_fields:
                if isinstance(f, EncryptedTextField):
                    sealed += 1
                elif isinstance(f, (models.CharField, models.TextField)):
                    plain.add(f"{model._meta.label_lower}.{f.name}")
    unexplained = sorted(plain - set(PLAIN_BY_DESIGN))
    assert not unexplained, f"plain text columns: seal them, or say why not: {unexplained}"
    gone = sorted(set(PLAIN_BY_DESIGN) - plain)
    assert not gone, f"PLAIN_BY_DESIGN names columns that are sealed or gone: {gone}"
    proof_figures.add(checked=sealed + len(plain))
    proof_figures.note("sealed columns", sealed)


@pytest.mark.django_db
def test_key_rotation_finds_the_newly_sealed_fields_and_rewrites_them(keys_file, proof_figures):
    from tests.world import build_world

    found = {f"{m._meta.label_lower}.{f.name}" for m, fields in encrypted_fields() for f in fields}
    assert found >= NEWLY_SEALED
    build_world()
    before = sealed_values()
    assert {"cases.measure.responsible"} <= {label for label, _token, _text in before}
    call_command("rotate_keys", stdout=io.StringIO())
    after = sealed_values()
    assert all(token.startswith("v1:k2:") for _label, token, _text in after)
    assert sorted((label, text) for label, _t, text in after) == sorted(
        (label, text) for label, _t, text in before
    )
    proof_figures.add(checked=len(after), lost=len(before) - len(after))


# --- Rows stored before the sealing --------------------------------------------------------

BEFORE_SEALING = {
    "cases": "0004_case_level_since",
    "incidents": "0001_initial",
    "yearplan": "0001_initial",
}


def raw_column(model: type[models.Model], name: str, pk: object) -> str:
    quote = connection.ops.quote_name
    column = quote(model._meta.get_field(name).column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {quote(model._meta.db_table)} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_what_was_stored_plain_and_going_back_opens_it(
    keys_file, proof_figures
):
    """Rows written before the upgrade are sealed by it and read the same; going back to the
    version that stored them plain opens them again."""
    from tests.world import build_world
    from varde.cases.models import Case, Measure
    from varde.incidents.models import Incident
    from varde.incidents.services import police_call_record
    from varde.yearplan.models import StaffCompetence
    from varde.yearplan.services import competence_set

    world = build_world()
    competence_set(
        actor=world.principal,
        user=world.kjentmann,
        school=world.school,
        trained_on=None,
        days_at_school="tirsdag og torsdag",
    )
    police_call_record(actor=world.teacher, incident=world.incident, reference="INN-2026-4411")
    competence = StaffCompetence.objects.get()
    try:
        for app, target in BEFORE_SEALING.items():
            call_command("migrate", app, target, verbosity=0)
        # The old Varde's rows, as it stored them.
        assert raw_column(Measure, "responsible", world.measure.pk) == "Tina Lærer"
        assert raw_column(Incident, "police_reference", world.incident.pk) == "INN-2026-4411"
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_case SET place = %s WHERE id = %s", ["Garderoben", world.case.pk]
            )
    finally:
        call_command("migrate", verbosity=0)

    plain = {
        (Measure, "responsible", world.measure.pk): "Tina Lærer",
        (Case, "place", world.case.pk): "Garderoben",
        (Incident, "police_reference", world.incident.pk): "INN-2026-4411",
        (StaffCompetence, "days_at_school", competence.pk): "tirsdag og torsdag",
    }
    for (model, name, pk), text in plain.items():
        token = raw_column(model, name, pk)
        assert token.startswith("v1:") and text not in token, f"{model.__name__}.{name}"
        assert getattr(model.objects.get(pk=pk), name) == text
    # The world's own rows, which were sealed before the round trip, still read.
    assert Measure.objects.get(pk=world.gran_measure.pk).responsible == "Gunnar Gran"
    proof_figures.add(checked=len(plain) + 1)
