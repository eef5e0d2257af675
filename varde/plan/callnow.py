"""Who to call now: a situation's steps from the plan, filtered by the time of day.

A step such as "call the child welfare office" only helps while the office is open, so each
step may depend on a contact's opening hours ("when: open" / "when: closed", "of: service.contact").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from varde.lib.text import tel_uri
from varde.plan.hours import OpeningHours, parse_hours

CONDITIONS = ("always", "open", "closed")


class UnknownSituation(LookupError):
    """The plan has no situation with this key."""


class PlanReferenceError(ValueError):
    """A situation step points at a contact the plan does not have, or has a bad condition."""


@dataclass(frozen=True)
class CallStep:
    service_key: str
    service_name: str
    contact_key: str
    label: str
    phone: str | None  # as the plan writes it, for display
    tel: str | None  # the tel: URI to dial, None when the contact has no phone
    why: str
    open_now: bool
    closes_at: datetime | None  # when open: the next time it closes, if within two weeks
    opens_at: datetime | None  # when closed: the next time it opens, if within two weeks
    note: str
    # Where the number and the opening hours come from, as the plan data says.
    source: str = ""
    hours_source: str = ""


@dataclass(frozen=True)
class _Contact:
    service: Mapping[str, Any]
    contact: Mapping[str, Any]
    hours: OpeningHours | None


def situation_keys(content: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, title) of every situation in the plan, in the plan's order."""
    return [(s["key"], s.get("title", s["key"])) for s in content.get("situations") or []]


def who_to_call(content: Mapping[str, Any], situation_key: str, at: datetime) -> list[CallStep]:
    """The steps of a situation that apply at `at`, in the plan's order."""
    return steps_at(content, _situation(content, situation_key).get("steps") or [], at)


def steps_at(
    content: Mapping[str, Any], steps: Sequence[Mapping[str, Any]], at: datetime
) -> list[CallStep]:
    """Of a list of steps in a situation's form (the plan's doors and question pages have their
    own), those that apply at `at`, in order."""
    contacts = _contacts(content)
    found: list[CallStep] = []
    for step in steps:
        target = _lookup(contacts, step.get("contact"))
        condition_on = _lookup(contacts, step.get("of") or step.get("contact"))
        if _holds(step.get("when") or "always", condition_on.hours, at):
            found.append(_call_step(target, step, at))
    return found


def _situation(content: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    for situation in content.get("situations") or []:
        if situation.get("key") == key:
            return situation
    raise UnknownSituation(key)


def _contacts(content: Mapping[str, Any]) -> dict[str, _Contact]:
    """Every contact in the plan by its "service.contact" reference."""
    contacts: dict[str, _Contact] = {}
    for service in content.get("services") or []:
        for contact in service.get("contacts") or []:
            reference = f"{service['key']}.{contact['key']}"
            contacts[reference] = _Contact(service, contact, parse_hours(contact.get("hours")))
    return contacts


def _lookup(contacts: dict[str, _Contact], reference: Any) -> _Contact:
    try:
        return contacts[reference]
    except (KeyError, TypeError):
        raise PlanReferenceError(f"Planen har ingen kontakt «{reference}».") from None


def _holds(condition: str, hours: OpeningHours | None, at: datetime) -> bool:
    if condition not in CONDITIONS:
        raise PlanReferenceError(
            f"Ukjent betingelse «{condition}». Bruk always, open eller closed."
        )
    if condition == "always":
        return True
    return _is_open(hours, at) == (condition == "open")


def _is_open(hours: OpeningHours | None, at: datetime) -> bool:
    # A contact without hours is always open, e.g. the emergency numbers.
    return True if hours is None else hours.is_open(at)


def _call_step(target: _Contact, step: Mapping[str, Any], at: datetime) -> CallStep:
    phone = target.contact.get("phone")
    phone = str(phone) if phone not in (None, "") else None
    open_now = _is_open(target.hours, at)
    change = target.hours.next_change(at) if target.hours is not None else None
    return CallStep(
        service_key=target.service["key"],
        service_name=target.service.get("name", target.service["key"]),
        contact_key=target.contact["key"],
        label=target.contact.get("label", target.contact["key"]),
        phone=phone,
        tel=tel_uri(phone) if phone and re.search(r"\d", phone) else None,
        why=step.get("why") or "",
        open_now=open_now,
        closes_at=change if open_now else None,
        opens_at=None if open_now else change,
        note=target.contact.get("note") or "",
        source=target.contact.get("source") or "",
        hours_source=target.contact.get("hours_source") or "" if target.hours else "",
    )
