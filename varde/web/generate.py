"""Realistic, reproducible data for measuring Varde at the size of a municipality, a county
or the whole country.

Rows go through the app's own models with bulk_create, one school at a time in its own
transaction, so memory stays flat however large the scale: nothing holds more than one
school's rows. Encrypted fields are encrypted on the way in (EncryptedTextField encrypts in
get_prep_value, which bulk_create calls), and the audit trail keeps its hash chain.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from varde.audit.models import AuditAction, AuditEntry
from varde.audit.services import audit_append
from varde.cases.models import Case, CaseEvent, Consent, Conversation, Decision, Measure
from varde.incidents.models import FollowUp, Incident
from varde.insights.services import insights_refresh
from varde.people.models import Municipality, Pupil, RoleAssignment, School, SltRegion, User
from varde.people.roles import Role
from varde.plan.services import plan_load_file
from varde.yearplan.models import YearEvent

PLAN_FILE = Path(__file__).resolve().parent.parent / "plan" / "content" / "lunner.yaml"
# Everyone generated logs in with this password (and no second factor set up).
PASSWORD = "generert-benk-passord-2026"


@dataclass(frozen=True)
class Scale:
    municipalities: int
    schools: int
    pupils: int
    cases: int


SCALES = {
    "school": Scale(municipalities=1, schools=2, pupils=200, cases=40),
    "municipality": Scale(municipalities=1, schools=20, pupils=10_000, cases=1_600),
    "county": Scale(municipalities=25, schools=220, pupils=50_000, cases=80_000),
    "national": Scale(municipalities=356, schools=2_700, pupils=620_000, cases=1_000_000),
}

FIRST = (
    "Emma Nora Olivia Ella Sofie Leah Frida Ingrid Maja Sara Jakob Emil Noah Oliver Filip "
    "William Lucas Liam Henrik Oskar Aksel Theodor Elias Kasper Magnus Isak Tobias Johannes "
    "Selma Astrid Hedda Tiril Mathilde Julie Aurora Jonas Sander Mathias Petter Guro"
).split()
LAST = (
    "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen "
    "Johnsen Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl "
    "Jørgensen Halvorsen Henriksen Lund Sørensen Strand Moen Gundersen Iversen Solberg"
).split()
PLACES = (
    "Lunner Gran Hurdal Eidsvoll Nes Ullensaker Nannestad Jevnaker Ringerike Hole Modum "
    "Sigdal Krødsherad Flå Nesbyen Gol Hemsedal Ål Hol Vang Vestre Øystre Nord Sør Etnedal "
    "Valdres Land Toten Gjøvik Lillehammer Øyer Gausdal Ringebu Sel Dovre Lesja Skjåk Lom"
).split()
OBSERVED = (
    "Virket ruset etter lunsj.",
    "Lukt av cannabis i garderoben, trøtt i timene.",
    "Har sluttet på fotball og trekker seg unna venner.",
    "Snakker om fester med eldre ungdom hver helg.",
    "Mye fravær på mandager, virker sliten.",
    "Ble sett med snus og e-sigarett i friminuttet.",
)
KINDS = (
    (School.Kind.PRIMARY, range(1, 8), "barneskole"),
    (School.Kind.LOWER_SECONDARY, range(8, 11), "ungdomsskole"),
    (School.Kind.COMBINED, range(1, 11), "skole"),
    (School.Kind.UPPER_SECONDARY, range(11, 14), "videregående skole"),
)
BATCH = 2_000


class Progress:
    """A progress bar with rows per second on stderr."""

    def __init__(self, total: int, stream: IO[str]) -> None:
        self.total, self.stream = total, stream
        self.done = self.rows = 0
        self.started = time.monotonic()

    def step(self, rows: int) -> None:
        self.done += 1
        self.rows += rows
        elapsed = max(time.monotonic() - self.started, 1e-6)
        width = 30
        filled = int(width * self.done / self.total)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} schools, "
            f"{self.rows:,} rows, {self.rows / elapsed:,.0f} rows/s"
        )
        self.stream.flush()

    def finish(self) -> float:
        self.stream.write("\n")
        return time.monotonic() - self.started


class Audit:
    """Audit entries in the same keyed chains audit_record_many writes."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def add(self, *, actor: User, action: str, object_type: str, case: Case, at: dt.datetime):
        self.entries.append(
            AuditEntry(
                at=at,
                actor=actor,
                actor_label=f"{actor.full_name} <{actor.email}>",
                action=action,
                object_type=object_type,
                object_id=str(case.pk),
                pupil_id=case.pupil_id,
                school_id=case.school_id,
                municipality_id=case.municipality_id,
                reason="Generert testdata",
                detail={},
            )
        )

    def flush(self) -> int:
        audit_append(self.entries)
        count, self.entries = len(self.entries), []
        return count


def generate(*, scale: str, seed: int, stream: IO[str] = sys.stderr) -> dict[str, int]:
    """Fill the database with one scale of data. The same seed gives the same people."""
    size = SCALES[scale]
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    password = make_password(PASSWORD)
    municipalities = _municipalities(size, rng)
    counts: dict[str, int] = {}
    progress = Progress(size.schools, stream)
    for index in range(size.schools):
        municipality = municipalities[index % len(municipalities)]
        with transaction.atomic():
            rows = _school(
                index=index,
                municipality=municipality,
                size=size,
                rng=rng,
                now=now,
                password=password,
                counts=counts,
            )
        progress.step(rows)
    seconds = progress.finish()
    # Fresh planner statistics: right after a bulk load PostgreSQL still believes the tables
    # are small or empty, and picks plans (parallel scans, JIT) that make every page slow.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    tallied = insights_refresh()
    stream.write(
        f"generate: trend tallies recounted in {tallied.seconds:,.1f} s, "
        f"{tallied.written:,} rows written\n"
    )
    total = sum(counts.values())
    stream.write(
        f"generate {scale} (seed {seed}): {total:,} rows in {seconds:,.1f} s, "
        f"{total / max(seconds, 1e-6):,.0f} rows/s\n"
    )
    for name, count in sorted(counts.items()):
        stream.write(f"  {name}: {count:,}\n")
    return counts


def _municipalities(size: Scale, rng: random.Random) -> list[Municipality]:
    if not Municipality.objects.filter(slug="lunner").exists():
        plan_load_file(path=PLAN_FILE)
    region, _ = SltRegion.objects.get_or_create(name="Generert region")
    lunner = Municipality.objects.get(slug="lunner")
    found = [lunner]
    for n in range(1, size.municipalities):
        place = f"{PLACES[n % len(PLACES)]}{'' if n < len(PLACES) else n // len(PLACES) + 1}"
        municipality, _ = Municipality.objects.get_or_create(
            slug=f"gen-{n}", defaults={"name": f"{place} kommune", "slt_region": region}
        )
        found.append(municipality)
    return found


def _count(counts: dict[str, int], name: str, rows: list) -> int:
    counts[name] = counts.get(name, 0) + len(rows)
    return len(rows)


def _school(
    *,
    index: int,
    municipality: Municipality,
    size: Scale,
    rng: random.Random,
    now: dt.datetime,
    password: str,
    counts: dict[str, int],
) -> int:
    kind, grades, label = KINDS[rng.choices(range(4), weights=(5, 2, 2, 1))[0]]
    place = PLACES[index % len(PLACES)]
    school = School.objects.create(
        municipality=municipality,
        name=f"{place} {label} {index + 1}",
        kind=kind,
        external_id=f"GEN{index:05d}",
    )
    counts["schools"] = counts.get("schools", 0) + 1
    rows = 1
    pupils_here = size.pupils // size.schools
    staff_count = max(4, pupils_here // 12)
    staff = User.objects.bulk_create(
        User(
            email=f"ansatt{index}-{n}@generert.test",
            full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            password=password,
        )
        for n in range(staff_count)
    )
    rows += _count(counts, "users", staff)
    principal, kjentmann, nurse, *teachers = staff
    roles = [
        RoleAssignment(user=principal, role=Role.PRINCIPAL, school=school),
        RoleAssignment(user=kjentmann, role=Role.KJENTMANN, school=school),
        RoleAssignment(user=nurse, role=Role.SCHOOL_NURSE, school=school),
    ]
    for teacher in teachers:
        roles.append(RoleAssignment(user=teacher, role=Role.TEACHER, school=school))
        roles.append(RoleAssignment(user=teacher, role=Role.CONTACT_TEACHER, school=school))
    rows += _count(counts, "role assignments", RoleAssignment.objects.bulk_create(roles))
    today = now.date()
    pupils = []
    for n in range(pupils_here):
        grade = rng.choice(grades)
        born = dt.date(today.year - grade - 6, rng.randint(1, 12), rng.randint(1, 28))
        pupils.append(
            Pupil(
                municipality=municipality,
                school=school,
                external_id=f"GEN{index:05d}-{n:04d}",
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                birth_date=born,
                grade=grade,
                contact_teacher=rng.choice(teachers),
            )
        )
    pupils = Pupil.objects.bulk_create(pupils, batch_size=BATCH)
    rows += _count(counts, "pupils", pupils)
    cases_here = size.cases // size.schools
    cases = []
    for _ in range(cases_here):
        pupil = rng.choice(pupils)
        opened = now - dt.timedelta(days=rng.randint(0, 700), minutes=rng.randint(0, 600))
        level = rng.choices(range(4), weights=(40, 30, 20, 10))[0]
        closed = level == 0 and rng.random() < 0.3
        cases.append(
            Case(
                municipality=municipality,
                school=school,
                pupil=pupil,
                owner=pupil.contact_teacher,
                coordinator=kjentmann if level >= 2 else None,
                status=Case.Status.CLOSED if closed else Case.Status.OPEN,
                closed_at=opened + dt.timedelta(days=30) if closed else None,
                level=level,
                level_since=opened + dt.timedelta(days=7 * level),
                opened_at=opened,
                observed=rng.choice(OBSERVED),
                observed_on=opened.date(),
                place=rng.choice(("Garderoben", "Skolegården", "Klasserommet", "")),
                duration=rng.choice(("En uke", "Tre uker", "Siden høstferien", "")),
                seriousness=rng.randint(1, 4),
                who_knows="Kontaktlærer",
            )
        )
    cases = Case.objects.bulk_create(cases, batch_size=BATCH)
    rows += _count(counts, "cases", cases)
    events, conversations, decisions, measures, consents = [], [], [], [], []
    audit = Audit()
    for case in cases:
        owner = case.owner
        at = case.opened_at
        events.append(CaseEvent(case=case, at=at, actor=owner, kind="opened", summary=""))
        audit.add(actor=owner, action=AuditAction.CREATE, object_type="case", case=case, at=at)
        held = at + dt.timedelta(days=rng.randint(1, 10))
        conversations.append(
            Conversation(
                case=case,
                planned_for=held,
                attendees=f"{owner.full_name}, eleven",
                held_at=held if held < now else None,
                what_was_said="Vi snakket om hvordan det går på skolen og hjemme.",
                pupil_view="Det går greit, jeg vil ikke at foreldrene skal vite.",
                weighing="Elevens ønske er tatt med, men foresatte informeres av hensyn til alder.",
            )
        )
        events.append(CaseEvent(case=case, at=held, actor=owner, kind="conversation_held"))
        for step in range(rng.randint(4, 12)):
            at += dt.timedelta(days=rng.randint(1, 14))
            events.append(
                CaseEvent(
                    case=case,
                    at=at,
                    actor=owner,
                    kind=rng.choice(("note", "parents_contacted", "measure_added", "decision")),
                    summary=f"Oppfølging {step + 1}",
                )
            )
            audit.add(actor=owner, action=AuditAction.READ, object_type="case", case=case, at=at)
        for level in range(1, case.level + 1):
            decisions.append(
                Decision(
                    case=case,
                    decided_at=case.opened_at + dt.timedelta(days=7 * level),
                    decided_by=owner if level == 1 else principal,
                    key=f"level_{level}",
                    from_level=level - 1,
                    to_level=level,
                    reason="Bekymringen består etter samtale og tiltak.",
                )
            )
        if case.level >= 1:
            measures.append(
                Measure(
                    case=case,
                    created_at=at,
                    created_by=owner,
                    level=case.level,
                    description="Ukentlig samtale med kontaktlærer.",
                    goal="Eleven møter opp og følger undervisningen.",
                    responsible=owner.full_name,
                    evaluate_on=at.date() + dt.timedelta(days=30),
                )
            )
        if case.level >= 2:
            consents.append(
                Consent(
                    case=case,
                    giver=Consent.Giver.GUARDIAN,
                    giver_name=f"{rng.choice(FIRST)} {case.pupil.last_name}",
                    service="skolehelsetjenesten",
                    scope="Dele bekymringen og tiltakene med helsesykepleier.",
                    valid_from=at.date(),
                    valid_until=at.date() + dt.timedelta(days=365),
                    recorded_at=at,
                    recorded_by=owner,
                )
            )
    rows += _count(counts, "case events", CaseEvent.objects.bulk_create(events, batch_size=BATCH))
    rows += _count(
        counts, "conversations", Conversation.objects.bulk_create(conversations, batch_size=BATCH)
    )
    rows += _count(counts, "decisions", Decision.objects.bulk_create(decisions, batch_size=BATCH))
    rows += _count(counts, "measures", Measure.objects.bulk_create(measures, batch_size=BATCH))
    rows += _count(counts, "consents", Consent.objects.bulk_create(consents, batch_size=BATCH))
    audited = audit.flush()
    counts["audit entries"] = counts.get("audit entries", 0) + audited
    rows += audited
    incidents = [
        Incident(
            municipality=municipality,
            school=school,
            kind=rng.choice((Incident.Kind.INTOXICATED, Incident.Kind.DRUG_SALE)),
            reported_by=rng.choice(teachers),
            started_at=now - dt.timedelta(days=rng.randint(0, 365), minutes=rng.randint(0, 600)),
            pupil=rng.choice(pupils),
            client_token=uuid.UUID(int=rng.getrandbits(128)),
            notes="Eleven ble fulgt til helsesykepleier.",
        )
        for _ in range(max(1, pupils_here // 200))
    ]
    rows += _count(counts, "incidents", Incident.objects.bulk_create(incidents))
    follow_ups = []
    for incident in incidents:
        if incident.kind != Incident.Kind.INTOXICATED:
            continue
        next_day = incident.started_at + dt.timedelta(days=1)
        held = next_day < now and rng.random() < 0.8
        follow_ups.append(
            FollowUp(
                incident=incident,
                adult=incident.reported_by,
                due_on=next_day.date(),
                created_at=incident.started_at,
                held_at=next_day if held else None,
                held_by=incident.reported_by if held else None,
            )
        )
    rows += _count(counts, "follow-ups", FollowUp.objects.bulk_create(follow_ups))
    year = today.year if today.month >= 8 else today.year - 1
    year_events = [
        YearEvent(
            school=school,
            school_year=year,
            template_key=key,
            grade=grade,
            kind=kind_,
            title=title,
            theme="Rus, nettvett og psykisk helse",
            called_by="Rektor",
            starts_at=now.replace(month=month, day=rng.randint(1, 28), hour=18, minute=0),
            responsible=principal,
        )
        for grade in grades
        for key, kind_, title, month in (
            ("foreldremote-host", YearEvent.Kind.PARENT_MEETING, "Foreldremøte", 9),
            ("elevforedrag-var", YearEvent.Kind.PUPIL_TALK, "Elevforedrag", 3),
        )
    ]
    rows += _count(counts, "year events", YearEvent.objects.bulk_create(year_events))
    return rows
