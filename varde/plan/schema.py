"""Checks a plan's content before it is saved, with messages a plan editor understands."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from varde.lib.holidays import COUNTS as DEADLINE_COUNTS
from varde.people.roles import Role
from varde.plan.document import PlanDocument

BLOCK_KINDS = {"p", "list", "link", "note", "include"}
INCLUDES = {"routines", "duties", "services", "resources", "attachments", "lunnermodellen"}
WHEN = {"always", "open", "closed"}
ROLE_KEYS = {role.value for role in Role}
# What a situation of "who to call now" can offer staff before the numbers: open_worry, to
# register a worry about a pupil.
STAFF_ACTIONS = ("open_worry",)
# How a service's action in casework.consent.actions is shared: without consent, or under the
# service's consent rule.
SHARING_CONSENT = ("none", "rule")
# The facts that can complete a step of Lunnermodellen (what each means: FACTS in
# varde/cases/selectors.py).
STEP_FACTS = frozenset(
    {
        "opened",
        "conversation_held",
        "parents_decided",
        "parents_contacted",
        "decision",
        "measure_added",
        "measure_evaluated",
        "consent_given",
        "invited",
        "referral",
        "shared_by_law",
        "coordinator",
        "advice_answered",
        "archived",
    }
)


class PlanInvalid(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def text(self, where: str, value: Any, *, required: bool = True) -> None:
        if value is None and not required:
            return
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(where, _("må være en tekst som ikke er tom."))

    def items(self, where: str, value: Any) -> list[dict[str, Any]]:
        """A list of mappings with unique keys."""
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(where, _("må være en liste."))
            return []
        seen: set[str] = set()
        for index, item in enumerate(value):
            key = item.get("key")
            if "key" in item or where != "lunnermodellen.levels":
                if not isinstance(key, str) or not key:
                    self.fail(f"{where}[{index + 1}]", _("mangler «key»."))
                elif key in seen:
                    self.fail(
                        f"{where}[{index + 1}]",
                        _("«key» %(key)s er brukt to ganger.") % {"key": key},
                    )
                else:
                    seen.add(key)
        return value

    def blocks(self, where: str, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, list):
            self.fail(where, _("må være en liste med tekstblokker."))
            return
        for index, block in enumerate(value):
            here = f"{where}[{index + 1}]"
            kinds = set(block) & BLOCK_KINDS if isinstance(block, dict) else set()
            if len(kinds) != 1:
                self.fail(here, _("en tekstblokk må være én av p, list, link, note eller include."))
                continue
            kind = kinds.pop()
            body = block[kind]
            if kind == "p":
                self.text(here, body)
            elif kind == "list":
                if not isinstance(body, list) or not all(isinstance(i, str) for i in body):
                    self.fail(here, _("«list» må være en liste med tekster."))
            elif kind == "link":
                if not isinstance(body, dict) or not str(body.get("url", "")).startswith(
                    ("https://", "http://")
                ):
                    self.fail(here, _("«link» må ha en url som begynner med https://."))
            elif kind == "note":
                if not isinstance(body, dict):
                    self.fail(here, _("«note» må ha title og text."))
                else:
                    self.text(here, body.get("text"))
            elif body not in INCLUDES:
                self.fail(here, _("ukjent include «%(name)s».") % {"name": body})

    def mapping(self, where: str, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(where, _("må være en mapping."))
            return {}
        return value

    def dicts(self, where: str, value: Any) -> list[dict[str, Any]]:
        """A list of mappings without keys of their own."""
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(where, _("må være en liste."))
            return []
        return value

    def number(self, where: str, value: Any, low: int, high: int) -> None:
        if value is None:
            return
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.fail(
                where,
                _("må være et helt tall fra %(low)s til %(high)s.") % {"low": low, "high": high},
            )


def validate_plan(content: Any) -> None:
    """Raise PlanInvalid listing every problem found; return quietly when the plan is sound."""
    from varde.plan.hours import HoursError, parse_hours

    check = _Checker()
    if not isinstance(content, dict):
        raise PlanInvalid([_("Planen må være et YAML-dokument med nøkler på toppnivå.")])
    if content.get("schema") != 1:
        check.fail("schema", _("må være 1."))
    municipality = content.get("municipality")
    if not isinstance(municipality, dict) or not municipality.get("slug"):
        check.fail("municipality", _("må ha slug og name."))
    check.text("title", content.get("title"))

    def sections(where: str, value: Any) -> None:
        for index, section in enumerate(check.items(where, value)):
            here = f"{where}[{index + 1}]"
            check.text(f"{here}.title", section.get("title"))
            check.blocks(f"{here}.blocks", section.get("blocks"))
            sections(f"{here}.sections", section.get("sections"))

    sections("sections", content.get("sections"))

    for index, routine in enumerate(check.items("routines", content.get("routines"))):
        here = f"routines[{routine.get('key', index + 1)}]"
        check.text(f"{here}.title", routine.get("title"))
        for role in routine.get("responsible_roles") or []:
            if role not in ROLE_KEYS:
                check.fail(
                    f"{here}.responsible_roles", _("ukjent rolle «%(role)s».") % {"role": role}
                )
        for step in check.items(f"{here}.steps", routine.get("steps")):
            check.text(f"{here}.steps[{step.get('key')}].title", step.get("title"))
            check.number(
                f"{here}.steps[{step.get('key')}].deadline_days", step.get("deadline_days"), 0, 365
            )
        check.blocks(f"{here}.blocks", routine.get("blocks"))
        _validate_acute(check, PlanDocument(content), routine, here)

    for duty in check.items("duties", content.get("duties")):
        check.text(f"duties[{duty.get('key')}].title", duty.get("title"))

    model = content.get("lunnermodellen") or {}
    if not isinstance(model, dict):
        check.fail("lunnermodellen", _("må være en mapping."))
        model = {}
    check.blocks("lunnermodellen.blocks", model.get("blocks"))
    for level in model.get("levels") or []:
        here = f"lunnermodellen.levels[{level.get('level')}]"
        check.number(here, level.get("level"), 0, 3)
        check.text(f"{here}.title", level.get("title"))
        for step in check.items(f"{here}.steps", level.get("steps")):
            where = f"{here}.steps[{step.get('key')}]"
            check.number(f"{where}.deadline_days", step.get("deadline_days"), 0, 365)
            counts = step.get("deadline_counts")
            if counts is not None and counts not in DEADLINE_COUNTS:
                check.fail(
                    f"{where}.deadline_counts",
                    _("må være en av: %(counts)s.") % {"counts": ", ".join(DEADLINE_COUNTS)},
                )
            done_by = step.get("done_by") or []
            if not isinstance(done_by, list) or not set(map(str, done_by)) <= STEP_FACTS:
                check.fail(
                    f"{where}.done_by",
                    _("må være en liste med fakta: %(kinds)s.")
                    % {"kinds": ", ".join(sorted(STEP_FACTS))},
                )

    for service in check.items("services", content.get("services")):
        here = f"services[{service.get('key')}]"
        check.text(f"{here}.name", service.get("name"))
        check.blocks(f"{here}.blocks", service.get("blocks"))
        check.number(f"{here}.age_min", service.get("age_min"), 0, 30)
        check.number(f"{here}.age_max", service.get("age_max"), 0, 30)
        for contact in check.items(f"{here}.contacts", service.get("contacts")):
            where = f"{here}.contacts[{contact.get('key')}]"
            check.text(f"{where}.label", contact.get("label"))
            phone = contact.get("phone")
            if phone is not None and (
                not isinstance(phone, str) or not any(ch.isdigit() for ch in phone)
            ):
                check.fail(
                    f"{where}.phone", _("må være et telefonnummer, for eksempel «64 99 32 70».")
                )
            # Every number and opening time says where it comes from.
            if phone is not None:
                check.text(f"{where}.source", contact.get("source"))
            check.text(f"{where}.review", contact.get("review"), required=False)
            try:
                parse_hours(contact.get("hours"))
            except HoursError as exc:
                check.fail(f"{where}.hours", str(exc))
            if contact.get("hours"):
                check.text(f"{where}.hours_source", contact.get("hours_source"))

    document = PlanDocument(content)
    for situation in check.items("situations", content.get("situations")):
        here = f"situations[{situation.get('key')}]"
        check.text(f"{here}.title", situation.get("title"))
        action = situation.get("staff_action")
        if action is not None and action not in STAFF_ACTIONS:
            check.fail(
                f"{here}.staff_action",
                _("må være en av: %(actions)s.") % {"actions": ", ".join(STAFF_ACTIONS)},
            )
        _validate_steps(check, document, here, situation.get("steps"))

    for resource in check.items("resources", content.get("resources")):
        check.text(f"resources[{resource.get('key')}].title", resource.get("title"))
    for attachment in check.items("attachments", content.get("attachments")):
        check.text(f"attachments[{attachment.get('key')}].title", attachment.get("title"))
        check.blocks(f"attachments[{attachment.get('key')}].blocks", attachment.get("blocks"))

    _validate_doors(check, document, content.get("doors"))
    _validate_casework(check, document, content.get("casework"))
    _validate_yearplan(check, content.get("yearplan"))
    _validate_coordination(check, document, content.get("coordination"))

    _validate_translations(check, content)
    if check.errors:
        raise PlanInvalid(check.errors)


def _validate_steps(check: _Checker, document: PlanDocument, here: str, steps: Any) -> None:
    """Whom to call, in order: each step names a contact of the plan's services."""
    for index, step in enumerate(check.dicts(f"{here}.steps", steps)):
        where = f"{here}.steps[{index + 1}]"
        for field in ("contact", "of"):
            ref = step.get(field)
            if (field == "contact" or ref is not None) and document.contact(str(ref)) is None:
                check.fail(where, _("finner ikke kontakten «%(ref)s».") % {"ref": ref})
        if step.get("when", "always") not in WHEN:
            check.fail(where, _("«when» må være always, open eller closed."))


DOORS = ("parents", "pupils")


_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")


def _validate_translations(check: _Checker, content: dict[str, Any]) -> None:
    """The plan's other languages: each declared once, and each translation in the shape of its
    field (a text for a text, a list for a list). A translation made from an older bokmål text,
    or of a field the plan no longer has, is no error: it is simply not shown (see
    varde.plan.translations.orphan_translations), so removing a section never blocks a save."""
    from varde.plan.translations import SOURCE_LANGUAGE, text_fields

    declared: set[str] = set()
    for index, entry in enumerate(check.dicts("languages", content.get("languages"))):
        here = f"languages[{index + 1}]"
        code = entry.get("code")
        if not isinstance(code, str) or not _LANGUAGE_CODE.fullmatch(code):
            check.fail(f"{here}.code", _("må være en språkkode som «en», «nn» eller «ar»."))
            continue
        if code == SOURCE_LANGUAGE or code in declared:
            check.fail(f"{here}.code", _("«%(code)s» er allerede med.") % {"code": code})
        declared.add(code)
        check.text(f"{here}.name", entry.get("name"))
        if entry.get("dir") not in (None, "ltr", "rtl"):
            check.fail(f"{here}.dir", _("må være ltr (venstre til høyre) eller rtl."))
    translations = check.mapping("translations", content.get("translations"))
    if not translations:
        return
    fields = {field.path: field.value for field in text_fields(content)}
    for language, entries in translations.items():
        where = f"translations.{language}"
        if language not in declared:
            check.fail(where, _("språket er ikke med under languages."))
            continue
        for path, entry in check.mapping(where, entries).items():
            here = f"{where}.{path}"
            if path not in fields:
                continue
            if not isinstance(entry, dict) or not isinstance(entry.get("of"), str):
                check.fail(here, _("må ha «of» og «text»."))
            elif isinstance(fields[path], list) != isinstance(entry.get("text"), list):
                check.fail(here, _("må være en liste når feltet er en liste, ellers en tekst."))


def _validate_doors(check: _Checker, document: PlanDocument, doors: Any) -> None:
    """The public pages for parents and for pupils: each part names what it retells."""
    doors = check.mapping("doors", doors)
    for name in DOORS:
        door = check.mapping(f"doors.{name}", doors.get(name))
        if not door:
            continue
        check.text(f"doors.{name}.title", door.get("title"))
        check.text(f"doors.{name}.intro", door.get("intro"))
        for part in check.items(f"doors.{name}.parts", door.get("parts")):
            here = f"doors.{name}.parts[{part.get('key')}]"
            check.text(f"{here}.title", part.get("title"))
            check.text(f"{here}.source", part.get("source"))
            check.blocks(f"{here}.blocks", part.get("blocks"))
        _validate_steps(check, document, f"doors.{name}.call", door.get("call"))
    for name in set(doors) - set(DOORS):
        check.fail(f"doors.{name}", _("ukjent dør; bruk parents eller pupils."))


def _validate_casework(check: _Checker, document: PlanDocument, casework: Any) -> None:
    casework = check.mapping("casework", casework)

    def known_service(where: str, key: Any) -> None:
        if document.service(str(key)) is None:
            check.fail(where, _("finner ikke tjenesten «%(key)s».") % {"key": key})

    bases = check.items("casework.legal_bases", casework.get("legal_bases"))
    base_keys = {base.get("key") for base in bases}
    for base in bases:
        here = f"casework.legal_bases[{base.get('key')}]"
        check.text(f"{here}.title", base.get("title"))
        check.text(f"{here}.law", base.get("law"))
        services = base.get("services") or []
        if not isinstance(services, list):
            check.fail(f"{here}.services", _("må være en liste."))
            services = []
        for service in services:
            known_service(f"{here}.services", service)
    for decision in check.items("casework.decisions", casework.get("decisions")):
        here = f"casework.decisions[{decision.get('key')}]"
        check.text(f"{here}.title", decision.get("title"))
        levels = decision.get("from_levels")
        if not isinstance(levels, list) or not levels:
            check.fail(f"{here}.from_levels", _("må være en liste med nivåer fra 0 til 3."))
        else:
            for level in levels:
                check.number(f"{here}.from_levels", level, 0, 3)
        check.number(f"{here}.to_level", decision.get("to_level"), 0, 3)
        if decision.get("service") is not None:
            known_service(f"{here}.service", decision.get("service"))
        basis = decision.get("legal_basis")
        if basis is not None and basis not in base_keys:
            check.fail(f"{here}.legal_basis", _("ukjent hjemmel «%(key)s».") % {"key": basis})
    parents = check.mapping("casework.parents", casework.get("parents"))
    for item in check.items("casework.parents.must_inform", parents.get("must_inform")):
        check.text(f"casework.parents.must_inform[{item.get('key')}].title", item.get("title"))
    consent = check.mapping("casework.consent", casework.get("consent"))
    check.number("casework.consent.pupil_from_age", consent.get("pupil_from_age"), 0, 18)
    check.number("casework.consent.max_months", consent.get("max_months"), 1, 120)
    if consent.get("guardians") is not None:
        guardians = check.mapping("casework.consent.guardians", consent.get("guardians"))
        if guardians.get("required") not in ("all", "one"):
            check.fail("casework.consent.guardians.required", _("må være «all» eller «one»."))
        check.text("casework.consent.guardians.source", guardians.get("source"))
    for rule in check.dicts("casework.consent.services", consent.get("services")):
        here = f"casework.consent.services[{rule.get('service')}]"
        known_service(here, rule.get("service"))
        check.number(f"{here}.guardians_under", rule.get("guardians_under"), 0, 18)
        for item in check.items(f"{here}.requires", rule.get("requires")):
            check.text(f"{here}.requires[{item.get('key')}].title", item.get("title"))
        check.text(f"{here}.source", rule.get("source"))
    for index, action in enumerate(check.dicts("casework.consent.actions", consent.get("actions"))):
        here = f"casework.consent.actions[{index + 1}]"
        known_service(f"{here}.service", action.get("service"))
        check.text(f"{here}.title", action.get("title"))
        if action.get("consent") not in SHARING_CONSENT:
            check.fail(
                f"{here}.consent",
                _("må være en av: %(kinds)s.") % {"kinds": ", ".join(SHARING_CONSENT)},
            )
        if action.get("consent") == "none":
            # Sharing without consent needs a source: the plan's words or the law.
            check.text(f"{here}.source", action.get("source"))
        basis = action.get("legal_basis")
        if basis is not None and basis not in base_keys:
            check.fail(f"{here}.legal_basis", _("ukjent hjemmel «%(key)s».") % {"key": basis})
    conversation = check.mapping("casework.conversation", casework.get("conversation"))
    for item in check.items(
        "casework.conversation.no_view_reasons", conversation.get("no_view_reasons")
    ):
        check.text(
            f"casework.conversation.no_view_reasons[{item.get('key')}].title", item.get("title")
        )
    role_services = check.mapping("casework.consent.role_services", consent.get("role_services"))
    for role, service in role_services.items():
        if role not in ROLE_KEYS:
            check.fail(
                "casework.consent.role_services", _("ukjent rolle «%(role)s».") % {"role": role}
            )
        known_service(f"casework.consent.role_services[{role}]", service)
    advice = check.mapping("casework.advice", casework.get("advice"))
    for role in advice.get("roles") or []:
        if role not in ROLE_KEYS:
            check.fail("casework.advice.roles", _("ukjent rolle «%(role)s».") % {"role": role})
    for index, band in enumerate(check.dicts("casework.advice.age_bands", advice.get("age_bands"))):
        here = f"casework.advice.age_bands[{index + 1}]"
        check.number(f"{here}.from", band.get("from"), 0, 99)
        check.number(f"{here}.to", band.get("to"), 0, 99)
        check.text(f"{here}.title", band.get("title"))
    _validate_anonymous_questions(check, document, advice.get("anonymous_questions"))
    reminders = check.mapping("casework.reminders", casework.get("reminders"))
    check.number(
        "casework.reminders.escalate_after_days", reminders.get("escalate_after_days"), 0, 365
    )
    check.number(
        "casework.reminders.measure_days_before", reminders.get("measure_days_before"), 0, 365
    )
    child_welfare = check.mapping("casework.child_welfare", casework.get("child_welfare"))
    check.number(
        "casework.child_welfare.follow_up_days", child_welfare.get("follow_up_days"), 1, 90
    )
    retention = check.mapping("casework.retention", casework.get("retention"))
    check.number("casework.retention.archived_days", retention.get("archived_days"), 0, 3650)
    check.number(
        "casework.retention.closed_unarchived_days",
        retention.get("closed_unarchived_days"),
        0,
        3650,
    )


def _validate_anonymous_questions(check: _Checker, document: PlanDocument, questions: Any) -> None:
    """Pupils' anonymous questions (varde/questions): how long they are kept, how many a school
    takes in an hour, the topics a pupil picks from, and whom to call when it cannot wait."""
    where = "casework.advice.anonymous_questions"
    questions = check.mapping(where, questions)
    if not questions:
        return
    check.number(f"{where}.delete_after_days", questions.get("delete_after_days"), 1, 365)
    check.number(f"{where}.per_school_per_hour", questions.get("per_school_per_hour"), 1, 10_000)
    check.text(f"{where}.source", questions.get("source"))
    topics = check.items(f"{where}.topics", questions.get("topics"))
    if not topics:
        check.fail(f"{where}.topics", _("må ha minst ett tema."))
    for topic in topics:
        here = f"{where}.topics[{topic.get('key')}]"
        if not re.fullmatch(r"[a-z0-9_]{1,40}", str(topic.get("key"))):
            check.fail(here, _("«key» kan bare ha små bokstaver a–z, tall og _, høyst 40 tegn."))
        check.text(f"{here}.title", topic.get("title"))
    steps = check.dicts(f"{where}.call", questions.get("call"))
    if not steps:
        check.fail(f"{where}.call", _("må ha minst ett nummer å ringe når det ikke kan vente."))
    _validate_steps(check, document, f"{where}.call", steps)


YEARPLAN_KINDS = {"parent_meeting", "pupil_talk"}


def _validate_yearplan(check: _Checker, yearplan: Any) -> None:
    """The year plan template: what each meeting is, for which grades, and when it is suggested."""
    yearplan = check.mapping("yearplan", yearplan)
    check.number("yearplan.remind_days_before", yearplan.get("remind_days_before"), 0, 90)
    for entry in check.items("yearplan.events", yearplan.get("events")):
        here = f"yearplan.events[{entry.get('key')}]"
        if entry.get("kind") not in YEARPLAN_KINDS:
            check.fail(f"{here}.kind", _("må være parent_meeting eller pupil_talk."))
        check.text(f"{here}.title", entry.get("title"))
        check.text(f"{here}.theme", entry.get("theme"))
        check.text(f"{here}.called_by", entry.get("called_by"))
        grades = entry.get("grades")
        if not isinstance(grades, list) or not grades:
            check.fail(f"{here}.grades", _("må være en liste med trinn fra 1 til 13."))
        else:
            for grade in grades:
                check.number(f"{here}.grades", grade, 1, 13)
        month = entry.get("month")
        check.number(f"{here}.month", month, 1, 12)
        if month == 7 or month is None:
            check.fail(f"{here}.month", _("må være en måned i skoleåret (august–juni)."))
        check.number(f"{here}.day", entry.get("day"), 1, 28)
        check.number(f"{here}.duration_minutes", entry.get("duration_minutes"), 15, 600)
        if not isinstance(entry.get("public", False), bool):
            check.fail(f"{here}.public", _("må være true eller false."))
        time = entry.get("time")
        if time is not None and not _is_clock(time):
            check.fail(f"{here}.time", _("må være et klokkeslett, for eksempel «18:00»."))
        for index, item in enumerate(
            check.dicts(f"{here}.contributors", entry.get("contributors"))
        ):
            check.text(f"{here}.contributors[{index + 1}].who", item.get("who"))
            check.text(f"{here}.contributors[{index + 1}].what", item.get("what"))


def _is_clock(value: Any) -> bool:
    parts = str(value).split(":")
    return (
        len(parts) == 2
        and all(p.isdigit() and len(p) == 2 for p in parts)
        and int(parts[0]) < 24
        and int(parts[1]) < 60
    )


def _validate_coordination(check: _Checker, document: PlanDocument, coordination: Any) -> None:
    """SLT's coordinating level: the police council's priority areas, the SLT team, the routine."""
    coordination = check.mapping("coordination", coordination)
    council = check.mapping("coordination.police_council", coordination.get("police_council"))
    check.text("coordination.police_council.period", council.get("period"), required=False)
    areas = council.get("priority_areas") or []
    if not isinstance(areas, list) or not all(isinstance(a, str) and a.strip() for a in areas):
        check.fail("coordination.police_council.priority_areas", _("må være en liste med tekster."))
    team = check.mapping("coordination.slt_team", coordination.get("slt_team"))
    for index, member in enumerate(
        check.dicts("coordination.slt_team.members", team.get("members"))
    ):
        here = f"coordination.slt_team.members[{index + 1}]"
        check.text(f"{here}.role", member.get("role"))
        if member.get("service") is not None and document.service(str(member["service"])) is None:
            check.fail(
                f"{here}.service",
                _("finner ikke tjenesten «%(key)s».") % {"key": member["service"]},
            )
    routine = coordination.get("routine")
    if routine is not None:
        keys = {
            a.get("key") for a in document.content.get("attachments") or [] if isinstance(a, dict)
        }
        if routine not in keys:
            check.fail(
                "coordination.routine", _("finner ikke vedlegget «%(key)s».") % {"key": routine}
            )


STEP_FORMS = {"tick", "police_call", "follow_up"}


def _validate_acute(
    check: _Checker, document: PlanDocument, routine: dict[str, Any], here: str
) -> None:
    """The acute routines' extras: a contact per step, its form, and the duty-to-avert decision."""

    def known_contact(where: str, ref: Any) -> None:
        if document.contact(str(ref)) is None:
            check.fail(where, _("finner ikke kontakten «%(ref)s».") % {"ref": ref})

    for step in routine.get("steps") or []:
        where = f"{here}.steps[{step.get('key')}]"
        if step.get("contact") is not None:
            known_contact(f"{where}.contact", step.get("contact"))
        if step.get("form", "tick") not in STEP_FORMS:
            check.fail(
                f"{where}.form",
                _("må være én av %(forms)s.") % {"forms": ", ".join(sorted(STEP_FORMS))},
            )
        if not isinstance(step.get("guardians", False), bool):
            check.fail(f"{where}.guardians", _("må være true eller false."))
        for role in step.get("done_if_reporter") or []:
            if role not in ROLE_KEYS:
                check.fail(
                    f"{where}.done_if_reporter", _("ukjent rolle «%(role)s».") % {"role": role}
                )
    if routine.get("avert") is None:
        return
    avert = check.mapping(f"{here}.avert", routine.get("avert"))
    check.text(f"{here}.avert.title", avert.get("title"))
    for index, step in enumerate(check.dicts(f"{here}.avert.contacts", avert.get("contacts"))):
        where = f"{here}.avert.contacts[{index + 1}]"
        known_contact(where, step.get("contact"))
        if step.get("of") is not None:
            known_contact(where, step.get("of"))
        if step.get("when", "always") not in WHEN:
            check.fail(where, _("«when» må være always, open eller closed."))
    options = check.items(f"{here}.avert.options", avert.get("options"))
    if not options:
        check.fail(f"{here}.avert.options", _("må ha minst ett valg."))
    for option in options:
        check.text(f"{here}.avert.options[{option.get('key')}].title", option.get("title"))
        if not isinstance(option.get("alerted"), bool):
            check.fail(
                f"{here}.avert.options[{option.get('key')}].alerted", _("må være true eller false.")
            )
