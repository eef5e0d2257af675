"""Casework exactly as the plan and the law say, shown in Chromium by the person who does it.

Each test is one point: the teacher who owns the case, the principal, the Kjentmann, a
colleague, the SLT coordinator and an anonymous visitor drive the real pages with clicks and
forms. What a page must say is taken from Lunner's plan file or worked out by hand here, never
from the functions that compute it. axe runs on the pages on the way, at 1280 and 320 px.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
import yaml
from django.utils import timezone

from tests.browser.support import ConsoleWatch, check_shown_page, login_by_session
from tests.world import PLAN_FILE
from varde.audit.models import AuditEntry
from varde.cases.archive import case_archive, case_purge_due
from varde.cases.consent import participant_invite
from varde.cases.delivery import delivery_confirm
from varde.cases.models import Case, CaseEvent, Conversation
from varde.cases.services import case_decide, case_open, conversation_plan, measure_add
from varde.incidents.models import StepTick
from varde.yearplan.services import yearplan_roll

pytestmark = pytest.mark.browser

OSLO = ZoneInfo("Europe/Oslo")
PLAN = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))

# How Django writes dates in bokmål ("l j. F"), written out here rather than asked for.
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)


def long_date(day: dt.date) -> str:
    """ "fredag 11. desember", as the pages write a deadline."""
    return f"{WEEKDAYS[day.weekday()]} {day.day}. {MONTHS[day.month - 1]}"


def oslo_today() -> dt.date:
    return dt.datetime.now(OSLO).date()


# ---------------------------------------------------------------- what the plan says


def level_steps(level: int) -> dict[str, str]:
    """The plan's steps at a level of Lunnermodellen: key → title."""
    (found,) = [x for x in PLAN["lunnermodellen"]["levels"] if x["level"] == level]
    return {step["key"]: step["title"] for step in found["steps"]}


def decision_title(key: str) -> str:
    (found,) = [d for d in PLAN["casework"]["decisions"] if d["key"] == key]
    return found["title"]


def service(key: str) -> dict:
    (found,) = [s for s in PLAN["services"] if s["key"] == key]
    return found


def situation(key: str) -> dict:
    (found,) = [s for s in PLAN["situations"] if s["key"] == key]
    return found


def routine_step(routine: str, key: str) -> str:
    (found,) = [r for r in PLAN["routines"] if r["key"] == routine]
    return next(s["title"] for s in found["steps"] if s["key"] == key)


# ---------------------------------------------------------------- driving the pages


def words(locator) -> str:
    """Visible text in one line, without the isolate marks (FSI, PDI) around names."""
    text = locator.inner_text().replace("\u2068", "").replace("\u2069", "")
    return " ".join(text.split())


def main(page) -> str:
    return words(page.locator("main"))


def click(page, name: str, *, role: str = "link", exact: bool = True, within=None) -> None:
    scope = within if within is not None else page
    with page.expect_navigation():
        scope.get_by_role(role, name=name, exact=exact).first.click()


def submit(page, name: str) -> None:
    click(page, name, role="button")


def step_line(page, title: str):
    """One step in the case page's list of steps at the level."""
    return page.locator("ol.steps > li").filter(has_text=title)


def is_marked_done(page, title: str) -> bool:
    line = step_line(page, title)
    assert line.count() == 1, f"step {title!r} not listed once"
    return line.locator(".ds-tag", has_text="Gjort").count() == 1


class People:
    """A browser window per person, each signed in with a session (the login form is walked
    elsewhere); every page checked with axe adds to `problems`, and Content Security Policy
    reports are kept."""

    def __init__(self, browser, context_args, live_server) -> None:
        self.browser = browser
        self.context_args = context_args
        self.live_server = live_server
        self.contexts: list = []
        self.watches: list[ConsoleWatch] = []
        self.problems: list[str] = []
        self.labels: dict[int, str] = {}

    def open(self, user=None, label: str = ""):
        context = self.browser.new_context(**self.context_args)
        self.contexts.append(context)
        page = context.new_page()
        watch = ConsoleWatch()
        watch.attach(page)
        self.watches.append(watch)
        if user is not None:
            login_by_session(page, self.live_server, user)
            # Where a login lands: the staff start page.
            page.goto(self.url("/ansatt/"))
        self.labels[id(page)] = label
        return page

    def url(self, path: str) -> str:
        return f"{self.live_server.url}{path}"

    def check(self, page, *, expect_path: str | None = None) -> None:
        """axe at 1280 and 320 px on the page the person is on now, as it stands."""
        if expect_path is not None:
            assert urlsplit(page.url).path == expect_path, (page.url, expect_path)
        label = self.labels.get(id(page), "")
        self.problems += check_shown_page(page, label=f"{label} {urlsplit(page.url).path}")

    def assert_clean(self) -> None:
        csp = [m for w in self.watches for m in w.csp_violations()]
        assert not self.problems, "\n\n".join(self.problems)
        assert not csp, csp

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def people(browser, browser_context_args, live_server):
    crowd = People(browser, browser_context_args, live_server)
    yield crowd
    crowd.close()


def fresh_case(world) -> Case:
    return Case.objects.get(pk=world.case.pk)


# ---------------------------------------------------------------- 1. steps and closing


def test_1_teacher_at_level_1_sees_unevaluated_measures_and_cannot_close_before_time(world, people):
    """Level 1 with a measure not evaluated: "Evaluer tiltakene" is not done, and closing
    is refused with what is missing, until the measures are evaluated and the parents
    question is answered."""
    case_decide(
        actor=world.teacher,
        case=world.case,
        key="level_1",
        reason="Bekymringen er bekreftet i samtalen.",
        version=fresh_case(world).version,
    )
    measure_add(
        actor=world.teacher,
        case=fresh_case(world),
        description="Fast samtale med kontaktlærer hver mandag.",
        goal="Eleven har en voksen å snakke med.",
        responsible="Kontaktlærer",
        evaluate_on=oslo_today() + dt.timedelta(days=20),
    )
    steps = level_steps(1)
    # The world's measure from level 0 and the one agreed at level 1: neither is evaluated.
    unevaluated = 2

    tina = people.open(world.teacher, "teacher")
    click(tina, "Petter Elev")
    assert is_marked_done(tina, steps["tiltak"])
    assert not is_marked_done(tina, steps["evaluer"])
    assert steps["evaluer"] in words(tina.locator("section[aria-labelledby=next-h]"))
    people.check(tina)

    click(tina, "Beslutning")
    missing = words(tina.locator("#close-missing"))
    assert "Før saken kan avsluttes" in missing
    assert f"{unevaluated} tiltak er ikke evaluert." in missing
    assert "Foreldreinvolvering er ikke vurdert." in missing
    people.check(tina)
    tina.get_by_label(decision_title("close")).check()
    tina.get_by_label("Begrunnelse", exact=True).fill("Tiltakene har virket, mener jeg.")
    submit(tina, "Lagre beslutningen")
    refused = words(tina.get_by_role("alert"))
    assert f"{unevaluated} tiltak er ikke evaluert" in refused, refused
    assert tina.get_by_label("Begrunnelse", exact=True).input_value() == (
        "Tiltakene har virket, mener jeg."
    )
    assert fresh_case(world).status == Case.Status.OPEN

    # Evaluating both measures completes the step; the parents question still stops closing.
    click(tina, "Tilbake til saken")
    for description in ("Fast samtale med kontaktlærer", "Ukentlig samtale med kontaktlærer"):
        click(tina, description, exact=False, within=tina.locator("#measures-h + ul"))
        tina.get_by_label("Hvordan virket tiltaket?").fill("Eleven møter opp hver uke.")
        submit(tina, "Lagre evalueringen")
        click(tina, "Tilbake til saken")
    assert is_marked_done(tina, steps["evaluer"])
    click(tina, "Beslutning")
    missing = words(tina.locator("#close-missing"))
    assert "tiltak er ikke evaluert" not in missing
    assert "Foreldreinvolvering er ikke vurdert." in missing
    tina.get_by_label(decision_title("close")).check()
    tina.get_by_label("Begrunnelse", exact=True).fill("Tiltakene har virket.")
    submit(tina, "Lagre beslutningen")
    assert "Foreldreinvolvering er ikke vurdert" in words(tina.get_by_role("alert"))
    assert fresh_case(world).status == Case.Status.OPEN
    tina.get_by_label("Hvorfor er foreldreinvolvering ikke vurdert?").fill(
        "Eleven har selv fortalt foreldrene det, og de følger opp."
    )
    submit(tina, "Lagre beslutningen")
    assert fresh_case(world).status == Case.Status.CLOSED
    assert "Beslutningen er lagret." in main(tina)
    people.assert_clean()


# ---------------------------------------------------------------- 2. deadlines on school days


def test_2_teacher_sees_a_deadline_on_a_day_without_school_moved_to_the_next_school_day(
    world, people
):
    """The plan counts the steps of a level in school days, so they cannot end on a weekend;
    the archive step is due the day the case is closed (the routine gives no days), and a
    case closed on a Saturday or a public holiday is due the next school day."""
    # Opened Saturday 5 December 2026. Five school days on: 7, 8, 9, 10, 11 December.
    saturday = dt.datetime(2026, 12, 5, 10, 0, tzinfo=OSLO)
    Case.objects.filter(pk=world.case.pk).update(opened_at=saturday, level_since=saturday)
    conversation = level_steps(0)["undringssamtale"]
    archive = routine_step("worry", "archive")

    tina = people.open(world.teacher, "teacher")
    mine = words(tina.locator("section[aria-labelledby=cases-h]"))
    assert f"{conversation} – frist {long_date(dt.date(2026, 12, 11))}" in mine
    assert "neste skoledag" not in mine
    click(tina, "Petter Elev")
    upcoming = words(tina.locator("section[aria-labelledby=next-h] > p").first)
    assert f"{conversation} – frist {long_date(dt.date(2026, 12, 11))}" in upcoming
    assert "neste skoledag" not in upcoming

    # Closed that Saturday: the archive is due Monday 7 December.
    Case.objects.filter(pk=world.case.pk).update(status=Case.Status.CLOSED, closed_at=saturday)
    CaseEvent.objects.create(
        case=world.case, at=saturday, actor=world.teacher, kind=CaseEvent.Kind.CLOSED
    )
    tina.reload()
    due = words(tina.locator("section[aria-labelledby=next-h] > p").first)
    assert f"{archive} – frist mandag 7. desember – neste skoledag" in due, due
    people.check(tina)

    # Closed on Ascension Day, Thursday 14 May 2026 (Easter Sunday 5 April + 39 days):
    # due Friday 15 May.
    ascension = dt.datetime(2026, 5, 14, 9, 0, tzinfo=OSLO)
    other = case_open(
        actor=world.teacher,
        pupil=world.pupil,
        observed="Borte fra timene etter lunsj.",
        observed_on=dt.date(2026, 5, 13),
        seriousness=2,
    )
    Case.objects.filter(pk=other.pk).update(
        opened_at=ascension, level_since=ascension, status=Case.Status.CLOSED, closed_at=ascension
    )
    tina.goto(people.url(f"/ansatt/saker/{other.pk}/"))
    due = words(tina.locator("section[aria-labelledby=next-h] > p").first)
    assert f"{archive} – frist {long_date(dt.date(2026, 5, 15))} – neste skoledag" in due, due
    assert long_date(dt.date(2026, 5, 15)) == "fredag 15. mai"
    people.assert_clean()


# ---------------------------------------------------------------- 3. the time it happened


def test_3_principal_gives_the_time_a_step_happened_and_the_page_shows_both_times(world, people):
    started = dt.datetime.combine(oslo_today(), dt.time(12, 30), tzinfo=OSLO)
    with time_machine.travel(started, tick=False) as clock:
        rita = people.open(world.principal, "principal")
        click(rita, "En elev er ruset / bruker rus i skoletiden")
        rita.get_by_label("Elevens navn").fill("Petter")
        submit(rita, "Finn")
        submit(rita, "Start for Petter Elev, 9. trinn")
        assert "/ansatt/hendelser/" in rita.url

        clock.move_to(started + dt.timedelta(minutes=14))  # 12:44
        # Talked with the pupil just now: one time.
        with rita.expect_navigation():
            rita.locator("#step-talk button[type=submit]").click()
        # Called the mother at 12:40, recorded at 12:44.
        parents = rita.locator("#step-parents")
        parents.get_by_label("Kort notat").fill("Ringte mor")
        parents.get_by_text("Skjedde det tidligere?").click()
        parents.get_by_label("Klokkeslett").fill("12:40")
        with rita.expect_navigation():
            parents.locator("button[type=submit]").click()
        # Shielded at once, and the time corrected afterwards to 12:35.
        with rita.expect_navigation():
            rita.locator("#step-shield button[type=submit]").click()
        shield = rita.locator("#step-shield")
        shield.get_by_text("Rett klokkeslettet").click()
        shield.get_by_label("Klokkeslett").fill("12:35")
        with rita.expect_navigation():
            shield.get_by_role("button", name="Lagre klokkeslettet").click()

        talk_line = words(rita.locator("#step-talk .done-line"))
        parents_line = words(rita.locator("#step-parents .done-line"))
        shield_line = words(rita.locator("#step-shield .done-line"))
        assert "Gjort 12:44 av Rita Rektor" in talk_line and "registrert" not in talk_line
        assert "Gjort 12:40 (registrert 12:44) av Rita Rektor: Ringte mor" in parents_line
        assert "Gjort 12:35 (registrert 12:44) av Rita Rektor" in shield_line
        titles = [routine_step("intoxicated", k) for k in ("talk", "parents", "shield")]
        for title, line in zip(
            titles, ("#step-talk", "#step-parents", "#step-shield"), strict=True
        ):
            assert title in words(rita.locator(f"{line} h2"))
        people.check(rita)
    tick = StepTick.objects.get(incident__reported_by=world.principal, key="parents")
    assert tick.happened_at.astimezone(OSLO).strftime("%H:%M") == "12:40"
    assert tick.done_at.astimezone(OSLO).strftime("%H:%M") == "12:44"
    people.assert_clean()


# ---------------------------------------------------------------- 4. the pupil's view


def test_4_teacher_records_the_conversation_with_the_pupils_view_or_why_it_is_missing(
    world, people
):
    conversation_plan(
        actor=world.teacher, case=world.case, planned_for=timezone.now(), attendees="Tina, Petter"
    )
    reasons = [r["title"] for r in PLAN["casework"]["conversation"]["no_view_reasons"]]
    tina = people.open(world.teacher, "teacher")
    click(tina, "Petter Elev")
    assert level_steps(0)["undringssamtale"] in words(
        tina.locator("section[aria-labelledby=next-h]")
    )
    click(tina, "Gjør dette nå")
    people.check(tina)
    for reason in reasons:
        assert tina.get_by_label(reason, exact=True).count() == 1, reason

    # Nothing in the pupil's view and no reason: refused, what was typed kept.
    tina.get_by_label("Hva ble sagt?").fill("Jeg fortalte hva jeg har sett i timene.")
    tina.get_by_label("Hvordan er elevens syn vektlagt ut fra alder og modenhet?").fill(
        "Eleven er 15 år; tausheten respekteres."
    )
    submit(tina, "Lagre samtalen")
    refused = words(tina.get_by_role("alert"))
    assert "Skriv elevens syn, eller velg hvorfor eleven ikke har sagt noe." in refused
    assert tina.get_by_label("Hva ble sagt?").input_value() == (
        "Jeg fortalte hva jeg har sett i timene."
    )
    assert Conversation.objects.get(case=world.case).held_at is None

    # A reason from the plan's list: saved, and the case page says what was saved.
    tina.get_by_label(reasons[0], exact=True).check()
    submit(tina, "Lagre samtalen")
    assert "Samtalen er registrert." in main(tina)
    saved = words(tina.locator("section[aria-labelledby=worry-h]"))
    assert f"Elevens syn Ingen ord fra eleven: {reasons[0]}" in saved, saved
    assert is_marked_done(tina, level_steps(0)["undringssamtale"])

    # Later the pupil speaks; typed in quotation marks, the words are quoted once.
    click(tina, "Undringssamtale")
    tina.get_by_label("Elevens syn – med elevens egne ord").fill(
        "«Jeg vil fortelle mamma det selv.»"
    )
    submit(tina, "Lagre samtalen")
    view = words(tina.locator("section[aria-labelledby=worry-h] dd").filter(has_text="mamma"))
    assert view == "«Jeg vil fortelle mamma det selv.»", view
    page_text = main(tina)
    assert "««" not in page_text and "»»" not in page_text
    people.check(tina)
    people.assert_clean()


# ---------------------------------------------------------------- 5. BUP


def test_5_teacher_is_offered_to_ask_for_a_referral_to_bup_with_each_rules_source(world, people):
    bup = service("bup")
    (rule,) = [s for s in PLAN["casework"]["consent"]["services"] if s["service"] == "bup"]
    actions = [a for a in PLAN["casework"]["consent"]["actions"] if a["service"] == "bup"]

    tina = people.open(world.teacher, "teacher")
    click(tina, "Petter Elev")
    click(tina, "Henvis")
    click(tina, bup["name"])
    assert words(tina.locator("h1")) == rule["referral_title"]
    text = main(tina)
    # The school asks for the referral; it does not refer to BUP itself.
    assert f"Henvisning til {bup['name']}" not in text
    for needed in rule["requires"]:
        assert tina.get_by_label(needed["title"], exact=True).count() == 1, needed["title"]
    said = words(tina.locator("section[aria-labelledby=actions-h]"))
    for action in actions:
        assert action["title"] in said
        if action.get("source"):
            assert f"{action['title']}: uten samtykke (kilde: {action['source']})" in said
    # The action under the consent rule names the consent rule's source.
    assert f"Kilde: {rule['source']}." in text
    people.check(tina)
    people.assert_clean()


# ---------------------------------------------------------------- 6. sources, in public


def test_6_anonymous_visitor_reads_where_the_child_welfare_numbers_and_hours_come_from(
    world, people
):
    welfare = service("barnevern")
    visitor = people.open(label="anonymous")
    visitor.goto(people.url("/k/lunner/"))
    click(visitor, "Tjenester")
    click(visitor, welfare["name"])
    assert visitor.url.endswith("/k/lunner/tjenester/barnevern/")
    for contact in welfare["contacts"]:
        shown = words(visitor.locator("li.contact").filter(has_text=contact["label"]))
        assert f"Ring {contact['phone']}" in shown
        assert f"Kilde: {contact['source']}" in shown, shown
        if contact.get("hours"):
            hours_source = " ".join(contact["hours_source"].split())
            assert f"Åpningstid: {hours_source}" in shown, shown
        if contact.get("review"):
            assert contact["review"] in shown
    people.check(visitor)
    people.assert_clean()


# ---------------------------------------------------------------- 7. who do I call now


def test_7_teacher_who_is_worried_registers_the_worry_first_and_112_stays_first_in_danger(
    world, people
):
    worried = situation("worried")
    danger = situation("acute_danger")
    tina = people.open(world.teacher, "teacher")
    calls = tina.locator("section[aria-labelledby=acute-h]")
    click(tina, worried["title"], within=calls)
    assert words(tina.locator("h1")) == worried["title"]
    # "Registrer en undring" comes before the first number.
    first_number = tina.locator("main a[href^='tel:']").first
    assert first_number.count() == 1
    assert tina.locator("#open-worry").evaluate(
        "(box, tel) => !!(box.compareDocumentPosition(tel) & Node.DOCUMENT_POSITION_FOLLOWING)",
        first_number.element_handle(),
    )
    assert words(tina.locator("#open-worry h2")) == "Registrer en undring"
    people.check(tina)

    click(tina, "Velg eleven")
    assert words(tina.locator("h1")) == "Hvem er du bekymret for?"
    click(tina, f"{world.pupil.last_name}, {world.pupil.first_name}")
    assert tina.url.endswith(f"/ansatt/elever/{world.pupil.pk}/undring/")
    assert words(tina.locator("h1")) == f"Undring om {world.pupil.full_name}"

    # In acute danger the emergency number stays first, and no worry form is offered.
    tina.goto(people.url("/ansatt/"))
    click(tina, danger["title"], within=tina.locator("section[aria-labelledby=acute-h]"))
    assert "Registrer en undring" not in main(tina)
    assert tina.locator("main a[href^='tel:']").first.get_attribute("href") == "tel:112"
    people.check(tina)
    people.assert_clean()


# ---------------------------------------------------------------- 8. responsible for a measure


def test_8_teacher_makes_the_kjentmann_responsible_and_she_sees_it_on_her_start_page(world, people):
    evaluate_on = oslo_today() + dt.timedelta(days=10)
    tina = people.open(world.teacher, "teacher")
    click(tina, "Petter Elev")
    click(tina, "Tiltak")
    tina.get_by_label("Tiltak", exact=True).fill("Samtale med Kjentmann hver torsdag.")
    tina.get_by_label("Mål", exact=True).fill("Eleven vet hvor hen kan få råd.")
    tina.get_by_label("Hvem er ansvarlig?").select_option(label=world.kjentmann.full_name)
    tina.get_by_label("Evalueres").fill(evaluate_on.strftime("%d.%m.%Y"))
    submit(tina, "Lagre tiltaket")
    assert "Tiltaket er lagret." in main(tina)
    assert f"{world.kjentmann.full_name} – evalueres" in main(tina)
    people.check(tina)

    kari = people.open(world.kjentmann, "kjentmann")
    mine = kari.locator("section[aria-labelledby=measures-h]")
    assert words(mine.locator("h2")) == "Tiltak du er ansvarlig for"
    assert words(mine.locator("li")) == (
        f"{world.pupil.full_name} – evalueres {long_date(evaluate_on)}"
    )
    people.check(kari)
    click(kari, world.pupil.full_name, within=mine)
    assert "Samtale med Kjentmann hver torsdag." in main(kari)
    assert f"Ansvarlig {world.kjentmann.full_name}" in main(kari)
    people.assert_clean()


# ---------------------------------------------------------------- 9. notices at once


INVITED = "Du er invitert inn i en sak"


def test_9_kjentmann_sees_the_invitation_at_once_until_she_opens_the_case(world, people):
    participant_invite(actor=world.teacher, case=world.case, user=world.kjentmann)
    kari = people.open(world.kjentmann, "kjentmann")
    waiting = kari.locator("section[aria-labelledby=reminders-h]")
    assert waiting.get_by_role("link", name=INVITED).count() == 1

    click(kari, "Varsler")
    assert words(kari.locator("section[aria-labelledby=waiting-h]")).count(INVITED) == 1
    people.check(kari)

    kari.goto(people.url("/ansatt/"))
    click(kari, "Saker")
    row = kari.locator("tbody tr").filter(has_text=world.pupil.full_name)
    assert words(row.locator(".ds-tag")) == "Ny for deg"
    people.check(kari)

    click(kari, world.pupil.full_name, within=row)
    assert kari.url.endswith(f"/ansatt/saker/{world.case.pk}/")
    kari.goto(people.url("/ansatt/"))
    assert INVITED not in main(kari)
    click(kari, "Varsler")
    assert INVITED not in words(kari.locator("section[aria-labelledby=waiting-h]"))
    kari.goto(people.url("/ansatt/saker/"))
    assert "Ny for deg" not in main(kari)
    people.assert_clean()


def test_9_the_colleague_sees_the_handover_waiting_for_him_in_the_case_list(world, people):
    tor = people.open(world.teacher2, "teacher")
    click(tor, "Saker")
    offers = tor.locator("section[aria-labelledby=offers-h]")
    assert words(offers.locator("h2")) == "Venter på svar fra deg"
    assert offers.locator("a").count() == 1
    people.check(tor)
    click(tor, "En kollega vil overføre en sak til deg", exact=False, within=offers)
    assert tor.url.endswith(f"/ansatt/overforinger/{world.handover.pk}/")
    assert "Overta en sak?" in main(tor)
    people.assert_clean()


# ---------------------------------------------------------------- 10. access log, removals


def cells(row) -> list[str]:
    return [words(cell) for cell in row.locator("td").all()]


def test_10_principal_reads_who_has_seen_the_pupil_and_the_register_of_deleted_cases(
    world, people, settings, tmp_path
):
    settings.DATA_DIR = tmp_path / "data"
    AuditEntry.objects.filter(pupil_id=world.pupil.pk).delete()

    # Tina reads the case in English; the log is still in bokmål.
    tina = people.open(world.teacher, "teacher")
    submit(tina, "English")
    assert tina.locator("html").get_attribute("lang") == "en"
    click(tina, world.pupil.full_name)
    click(tina, "Measure")
    assert tina.url.endswith(f"/ansatt/saker/{world.case.pk}/tiltak/")

    rita = people.open(world.principal, "principal")
    click(rita, "Elever – registrer en undring")
    click(rita, f"{world.pupil.last_name}, {world.pupil.first_name}")
    click(rita, "Hvem har sett opplysningene om eleven?")
    assert rita.url.endswith(f"/ansatt/elever/{world.pupil.pk}/innsyn/")
    rows = [cells(r) for r in rita.locator("tbody tr").all()]
    tinas = [r for r in rows if r[1].startswith("Tina Lærer")]
    assert len(tinas) == 1, rows
    _when, _who, roles, what, why = tinas[0]
    assert sorted(roles.split(", ")) == ["Kontaktlærer", "Lærer"]
    assert "saken" in what and "Sakens side" in why, tinas
    assert len([r for r in rows if r[1].startswith("Rita Rektor")]) == 1, rows
    assert "Case page" not in main(rita)
    people.check(rita)

    # The case is closed, archived on 1 December 2026 and its working copy removed on
    # 31 December, the plan's number of days later.
    days = PLAN["casework"]["retention"]["archived_days"]
    archived = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    removed = dt.date(2026, 12, 1) + dt.timedelta(days=days)
    assert removed == dt.date(2026, 12, 31)
    with time_machine.travel(archived, tick=False):
        Case.objects.filter(pk=world.case.pk).update(
            status=Case.Status.CLOSED, closed_at=timezone.now()
        )
        CaseEvent.objects.create(
            case=world.case, at=timezone.now(), actor=world.teacher, kind=CaseEvent.Kind.CLOSED
        )
        sha = case_archive(actor=world.teacher, case=fresh_case(world)).archive_sha256
        # Rita confirms the archive's reference the same day; only then can the copy go.
        delivery_confirm(actor=world.principal, case=fresh_case(world), reference="2026/812")
    with time_machine.travel(dt.datetime(2026, 12, 31, 0, 5, tzinfo=OSLO), tick=False):
        assert case_purge_due().removed == [world.case.pk]

    rita.goto(people.url("/ansatt/"))
    click(rita, "Slettede saker")
    row = rita.locator("tbody tr").filter(has_text=f"Sak {world.case.pk}")
    assert row.count() == 1
    number, school, on, reference, package, gone, rule = cells(row)
    assert school == world.school.name and reference == "2026/812"
    assert on == "1.12.2026" and gone == "31.12.2026"
    assert f"arkivpakke-sak-{world.case.pk}.zip" in package and sha[:16] in package
    assert f"Slettes {days} dager etter arkivering" in rule
    assert world.pupil.first_name not in main(rita)
    people.check(rita)

    # The removal is in the pupil's log, named as the automatic deletion it was.
    rita.goto(people.url(f"/ansatt/elever/{world.pupil.pk}/innsyn/"))
    who = [cells(r)[1] for r in rita.locator("tbody tr").all()]
    assert "Varde – automatisk sletting etter oppbevaringstid" in who, who
    people.assert_clean()


# ---------------------------------------------------------------- 11. the year plan


def test_11_slt_coordinator_is_warned_of_a_double_booking_and_names_an_outside_leader(
    world, people
):
    today = oslo_today()
    year = (today.year if today.month >= 8 else today.year - 1) + 1
    yearplan_roll(actor=world.slt, school=world.school, school_year=year)
    (template,) = [e for e in PLAN["yearplan"]["events"] if e["key"] == "utsett_parent_meeting"]
    title, at = template["title"], template["time"]
    leader = "Politikontakten Kari Nordmann, 400 00 000"

    sigrid = people.open(world.slt, "slt")
    click(sigrid, "Årshjul: foreldremøter og elevforedrag")
    sigrid.goto(people.url(f"/ansatt/arshjul/?ar={year}"))
    click(sigrid, world.school.name)

    def meeting(grade: int):
        return (
            sigrid.locator("tbody tr")
            .filter(has_text=title)
            .filter(has=sigrid.get_by_role("cell", name=f"{grade}.", exact=True))
        )

    when = {grade: cells(meeting(grade))[0] for grade in template["grades"]}
    assert len(set(when.values())) == 1 and when[8].endswith(at), when

    def plan(grade: int, **fields: str) -> None:
        click(sigrid, title, within=meeting(grade))
        if "responsible" in fields:
            sigrid.get_by_label("Ansvarlig", exact=True).select_option(label=fields["responsible"])
        if "leader" in fields:
            sigrid.get_by_label("Ledes av noen utenfra (valgfritt)").fill(fields["leader"])
        submit(sigrid, "Lagre møtet")
        assert "Møtet er lagret." in main(sigrid)

    plan(8, responsible=world.teacher.full_name)
    assert sigrid.locator("#clashes").count() == 0
    plan(9, responsible=world.teacher.full_name)
    warning = words(sigrid.get_by_role("status").filter(has_text="samtidig"))
    assert f"{world.teacher.full_name} er ansvarlig for to møter samtidig" in warning
    assert "8. trinn" in warning and "9. trinn" in warning and at in warning
    clashes = words(sigrid.locator("#clashes"))
    assert clashes.startswith("Samme ansvarlig for to møter samtidig")
    assert world.teacher.full_name in clashes
    people.check(sigrid)

    plan(10, leader=leader)
    assert f"Leder: {leader}" in words(meeting(10))
    click(sigrid, title, within=meeting(10))
    assert sigrid.get_by_label("Ledes av noen utenfra (valgfritt)").input_value() == leader
    people.check(sigrid)
    people.assert_clean()


# ---------------------------------------------------------------- 12. plain words


def test_12_the_login_page_speaks_plainly(world, people):
    visitor = people.open(label="anonymous")
    visitor.goto(people.url("/"))
    click(visitor, "Logg inn for ansatte")
    assert "/konto/login/" in visitor.url
    text = words(visitor.locator("body"))
    for stiff in ("Vennligst", "vennligst", "Glemt ditt passord"):
        assert stiff not in text, stiff
    assert visitor.get_by_role("link", name="Glemt passord?").count() == 1
    people.check(visitor)
    people.assert_clean()


def test_12_on_a_weekday_the_child_welfare_office_is_open_until_half_past_three_today(
    world, people
):
    """The live server runs in this process, so time_machine moves its clock too: Wednesday
    9 December 2026 at 10:00 in Oslo, an ordinary school day."""
    (office,) = [c for c in service("barnevern")["contacts"] if c["key"] == "office"]
    closes = office["hours"]["weekly"]["wed"][0].split("-")[1].replace(":", ".")
    assert closes == "15.30"
    visitor = people.open(label="anonymous")
    with time_machine.travel(dt.datetime(2026, 12, 9, 10, 0, tzinfo=OSLO), tick=False):
        visitor.goto(people.url("/k/lunner/ring/"))
        click(visitor, situation("worried")["title"])
        step = visitor.locator("li.call-step").filter(has_text=office["phone"])
        assert f"Åpen til kl. {closes} i dag." in words(step)
        assert f"Kilde: {office['source']}" in words(step)
        people.check(visitor)
    # At 16:00 the office is closed and the number offered is the on-call service's.
    with time_machine.travel(dt.datetime(2026, 12, 9, 16, 0, tzinfo=OSLO), tick=False):
        visitor.reload()
        assert "Åpen til kl." not in main(visitor)
        (on_call,) = [c for c in service("barnevern")["contacts"] if c["key"] == "vakt"]
        assert f"Ring {on_call['phone']}" in main(visitor)
    people.assert_clean()
