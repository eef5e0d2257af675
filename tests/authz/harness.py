"""Reading matrix.yaml, walking the URL resolver and making one request as one persona."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

MATRIX_FILE = Path(__file__).with_name("matrix.yaml")
LOGIN_PREFIX = "/konto/login/"


@dataclass(frozen=True)
class Pattern:
    key: str  # the full name ("people:pupil"), or the full route when the pattern has no name
    route: str
    named: bool
    # The patterns from the root resolver down to this one, to ask whether a path matches.
    chain: tuple[Any, ...] = field(default=(), compare=False, repr=False)

    def matches(self, path: str) -> bool:
        """Whether this pattern, on its own, would answer `path` ("/konto/login/")."""
        rest = path.lstrip("/")
        for step in self.chain:
            found = step.match(rest)
            if found is None:
                return False
            rest = found[0]
        return True


def route_of(route: str) -> str:
    """A route as Django's ResolverMatch.route writes it: a regular expression's "^" is
    dropped where it joins an outer route, so both ways of writing one are made to agree."""
    return route.replace("^", "")


def url_patterns() -> list[Pattern]:
    """Every URL pattern the project answers, found by walking the resolver."""
    found: list[Pattern] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str, chain: tuple[Any, ...]) -> None:
        for item in resolver.url_patterns:
            if isinstance(item, URLResolver):
                inner = ":".join(part for part in (namespace, item.namespace) if part)
                walk(item, prefix + str(item.pattern), inner, (*chain, item.pattern))
            elif isinstance(item, URLPattern):
                route = prefix + str(item.pattern)
                steps = (*chain, item.pattern)
                if item.name:
                    key = f"{namespace}:{item.name}" if namespace else item.name
                    found.append(Pattern(key, route, True, steps))
                else:
                    found.append(Pattern(route, route, False, steps))

    walk(get_resolver(), "", "", ())
    return found


def load_matrix() -> dict[str, Any]:
    return yaml.safe_load(MATRIX_FILE.read_text(encoding="utf-8"))


def symbols(world: Any) -> dict[str, object]:
    from varde.plan.selectors import plan_current

    current = plan_current(municipality=world.lunner)
    assert current is not None
    # "$pupil", "$gran_pupil", "$teacher2", "$outsider", ...: the primary key of the world's object.
    values: dict[str, object] = {
        f"${name}": getattr(world, name).pk
        for name in vars(world)
        if hasattr(getattr(world, name), "pk")
    }
    values["$plan_number"] = current.number
    values.update(_records_for_the_matrix(world))
    # "$teacher2_role", "$outsider_role": the first role each holds.
    for name in ("teacher2", "outsider"):
        values[f"${name}_role"] = getattr(world, name).role_assignments.order_by("pk").first().pk
    return values


def _records_for_the_matrix(world: Any) -> dict[str, object]:
    """Records only the matrix needs, kept out of the shared world so other tests stay simple."""
    import datetime as dt

    from django.utils import timezone

    from varde.cases.advice import advice_ask
    from varde.cases.consent import consent_record

    # Petter has consented to sharing with the school health service for most of a year.
    consent = consent_record(
        actor=world.teacher,
        case=world.case,
        service="skolehelsetjenesten",
        giver="pupil",
        giver_name="Petter Elev",
        scope="Bekymringen og samtalen med eleven.",
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate() + dt.timedelta(days=300),
    )
    # Tina has asked Kari (Kjentmann) for advice, anonymously.
    advice = advice_ask(
        actor=world.teacher,
        case=world.case,
        adviser=world.kjentmann,
        question="Hvordan starter jeg samtalen med eleven?",
        anonymous=True,
    )
    # Tina has written a report of concern to the child welfare service, not yet approved.
    from varde.cases.concern import concern_write

    concern = concern_write(
        actor=world.teacher,
        case=world.case,
        legal_basis="child_welfare_duty",
        urgent=False,
        seen="Petter sier at det ikke er mat hjemme.",
        done="",
        guardians_informed="",
    )
    return {
        "$consent": consent.pk,
        "$advice": advice.pk,
        "$concern": concern.pk,
        **_yearplan_records(world),
        **_question_records(world),
    }


def _question_records(world: Any) -> dict[str, object]:
    """A pupil's anonymous question to any adviser at Lunner ungdomsskole (Kari and Hanne),
    and one at Gran ungdomsskole, stored directly: Gran has no plan to take questions by."""
    from django.utils import timezone

    from varde.questions.models import PupilQuestion
    from varde.questions.services import hour_of, question_ask

    question, _code = question_ask(
        school=world.school,
        to_role="",
        topic="alkohol",
        urgent=False,
        question="Hvor lenge er alkohol i kroppen?",
    )
    gran_question = PupilQuestion.objects.create(
        school=world.gran_school,
        topic="alkohol",
        asked_at=hour_of(timezone.now()),
        question="Et spørsmål i Gran.",
        code_key="k1",
        code_hash="0" * 64,
    )
    return {"$pupil_question": question.pk, "$gran_pupil_question": gran_question.pk}


def _yearplan_records(world: Any) -> dict[str, object]:
    """Next school year rolled out at Lunner ungdomsskole, a meeting in Gran, calendar feeds,
    and a school nurse in Gran."""
    import datetime as dt

    from django.utils import timezone

    from tests.world import grant, make_user
    from varde.yearplan.models import YearEvent
    from varde.yearplan.selectors import school_year_of
    from varde.yearplan.services import calendar_feed_create, calendar_feed_revoke, yearplan_roll

    year = school_year_of(timezone.localdate()) + 1
    yearplan_roll(actor=world.slt, school=world.school, school_year=year)
    gran_event = YearEvent(
        school=world.gran_school,
        school_year=year,
        template_key="gran_parent_meeting",
        grade=8,
        kind=YearEvent.Kind.PARENT_MEETING,
        title="Foreldremøte",
        theme="Utsett!",
        called_by="Rektor",
        starts_at=timezone.now() + dt.timedelta(days=300),
    )
    gran_event.full_clean()
    gran_event.save()
    _feed, token = calendar_feed_create(actor=world.teacher, school=world.school)
    old, old_token = calendar_feed_create(actor=world.teacher)
    calendar_feed_revoke(actor=world.teacher, feed=old)
    slt_feed, _token = calendar_feed_create(actor=world.slt)
    nurse = make_user("gro@gran.test", "Gro Helsesykepleier")
    grant(nurse, "school_nurse", school=world.gran_school)
    return {
        "$year_event": YearEvent.objects.filter(school=world.school).first().pk,
        "$gran_year_event": gran_event.pk,
        "$feed_token": token,
        "$revoked_feed_token": old_token,
        "$feed": slt_feed.pk,
        "$kjentmann_role": world.kjentmann.role_assignments.get(role="kjentmann").pk,
        "$gran_nurse_role": nurse.role_assignments.get().pk,
    }


def resolve_kwargs(kwargs: dict[str, Any] | None, values: dict[str, object]) -> dict[str, object]:
    resolved = {}
    for name, value in (kwargs or {}).items():
        if isinstance(value, str) and value.startswith("$"):
            if value not in values:
                raise KeyError(f"matrix.yaml uses unknown symbol {value}")
            value = values[value]
        resolved[name] = value
    return resolved


def path_for(key: str, kwargs: dict[str, object], named_keys: set[str]) -> str:
    if key in named_keys:
        return reverse(key, kwargs=kwargs)
    assert not kwargs, f"unnamed pattern {key} cannot take kwargs"
    return "/" + key


@dataclass(frozen=True)
class Expected:
    status: int
    location_prefix: str | None = None

    @classmethod
    def parse(cls, value: object) -> Expected:
        if isinstance(value, int):
            return cls(value)
        if isinstance(value, str) and re.fullmatch(r"3\d\d:/\S*", value):
            status, prefix = value.split(":", 1)
            return cls(int(status), prefix)
        raise ValueError(f"not an expected answer: {value!r}")

    def __str__(self) -> str:
        return f"{self.status}:{self.location_prefix}" if self.location_prefix else str(self.status)

    def matches(self, response: HttpResponse) -> bool:
        if response.status_code != self.status:
            return False
        if self.location_prefix is not None:
            return response.get("Location", "").startswith(self.location_prefix)
        return True


def answer(response: HttpResponse) -> str:
    """What a response was, as it would be written in the matrix."""
    location = response.get("Location")
    return f"{response.status_code}:{location}" if location else str(response.status_code)


def security_header_problems(response: HttpResponse, *, logged_in: bool, path: str) -> list[str]:
    """What a page's headers lack, by docs/quality.md: a strict Content-Security-Policy (no
    inline script or style, no framing), nosniff, a Referrer-Policy that keeps addresses in
    the site, no framing by the older header either, and no-store wherever personal data can
    be: for anyone logged in and on every staff and account page."""
    problems = []
    csp = response.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    for name in ("script-src", "style-src"):
        sources = directives.get(name, directives.get("default-src"))
        if sources is None:
            problems.append(f"CSP sets no {name} nor default-src")
        elif {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(sources):
            problems.append(f"CSP {name} allows {' '.join(sources)}")
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append(f"CSP frame-ancestors is {directives.get('frame-ancestors')}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"X-Content-Type-Options is {response.get('X-Content-Type-Options')}")
    if response.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options is {response.get('X-Frame-Options')}")
    if response.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin"):
        problems.append(f"Referrer-Policy is {response.get('Referrer-Policy')}")
    cache_control = response.get("Cache-Control", "")
    if (logged_in or path.startswith(("/ansatt/", "/konto/"))) and "no-store" not in cache_control:
        problems.append(f"Cache-Control is {cache_control!r}, without no-store")
    return problems


def fresh_client(user: Any) -> Client:
    client = Client(enforce_csrf_checks=False, raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def send(user: Any, method: str, path: str) -> HttpResponse:
    """One request, as one persona, from a client that has never been used before."""
    return send_with(fresh_client(user), method, path)


def send_with(client: Client, method: str, path: str) -> HttpResponse:
    """One request with no data: a POST as an empty form, other methods without a body."""
    if method == "POST":
        return client.post(path, data={})
    return client.generic(method, path)


def table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    rule = "  ".join("-" * width for width in widths)
    head = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(header))
    return "\n".join([head, rule, *lines])
