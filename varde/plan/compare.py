"""What changed between two versions of a plan, for a person who does not read YAML.

The two contents are walked side by side: mappings by key, lists of items that have a "key"
by that key (so moving an item is not a change of every item after it), other lists by
position. Each difference is one row: where it is, named as the pages name it (the service's
name, the contact's label, the section's title), which field, and the text before and after.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

# The plan's parts, as the pages call them.
PARTS = {
    "municipality": _("Kommunen"),
    "title": _("Planens tittel"),
    "summary": _("Sammendrag"),
    "sections": _("Planens tekst"),
    "routines": _("Rutiner"),
    "duties": _("Hvem gjør hva"),
    "lunnermodellen": _("Lunnermodellen"),
    "services": _("Tjenester og telefonnumre"),
    "situations": _("Hvem ringer jeg nå?"),
    "resources": _("Ressurser"),
    "attachments": _("Vedlegg"),
    "casework": _("Saksbehandling, samtykke og deling"),
    "doors": _("Sider for foreldre og elever"),
    "yearplan": _("Årshjulet"),
    "coordination": _("SLT-koordinering"),
}
# Field names, as a person would say them.
FIELDS = {
    "title": _("tittel"),
    "name": _("navn"),
    "label": _("navn"),
    "phone": _("telefonnummer"),
    "hours": _("åpningstider"),
    "weekly": _("åpningstider per ukedag"),
    "exceptions": _("unntak fra åpningstidene"),
    "mon": _("mandag"),
    "tue": _("tirsdag"),
    "wed": _("onsdag"),
    "thu": _("torsdag"),
    "fri": _("fredag"),
    "sat": _("lørdag"),
    "sun": _("søndag"),
    "closed_on_public_holidays": _("stengt på helligdager"),
    "source": _("kilde"),
    "hours_source": _("kilde for åpningstidene"),
    "note": _("merknad"),
    "summary": _("sammendrag"),
    "text": _("tekst"),
    "p": _("avsnitt"),
    "list": _("punktliste"),
    "blocks": _("tekst"),
    "steps": _("steg"),
    "why": _("hvorfor"),
    "when": _("når"),
    "contact": _("kontakt"),
    "description": _("beskrivelse"),
    "age_min": _("fra alder"),
    "age_max": _("til alder"),
    "how_to_refer": _("slik henviser du"),
    "who_may_contact": _("hvem kan ta kontakt"),
    "review": _("til juridisk vurdering"),
    "days": _("dager"),
}
NAMES = ("title", "name", "label", "key")


@dataclass(frozen=True)
class Change:
    part: str  # the plan's part, as the pages call it
    where: str  # the item within it, by its name: "Barnevernet › Interkommunal barnevernsvakt"
    field: str
    before: str
    after: str

    @property
    def kind(self) -> str:
        if not self.before:
            return "added"
        if not self.after:
            return "removed"
        return "changed"


def _shown(value: Any) -> str:
    """A value as text: text as it is, a list of texts one per line, anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("ja")) if value else str(_("nei"))
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "\n".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False, indent=1)


def _name(item: Any) -> str:
    if isinstance(item, dict):
        for field in NAMES:
            if isinstance(item.get(field), str) and item[field]:
                return item[field]
    return ""


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    if items and all(isinstance(i, dict) and "key" in i for i in items):
        keys = [str(i["key"]) for i in items]
        if len(set(keys)) == len(keys):
            return {str(i["key"]): i for i in items}
    return None


def _field(path: list[str]) -> str:
    labels = [str(FIELDS.get(p, p)) for p in path]
    return " › ".join(labels)


def _walk(
    before: Any, after: Any, *, part: str, where: list[str], path: list[str], out: list[Change]
) -> None:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(before) + [k for k in after if k not in before]:
            _walk(
                before.get(key), after.get(key), part=part, where=where, path=[*path, key], out=out
            )
        return
    if isinstance(before, list) and isinstance(after, list):
        old, new = _keyed(before), _keyed(after)
        if old is not None and new is not None:
            for key in list(old) + [k for k in new if k not in old]:
                item = new.get(key) or old.get(key)
                name = _name(item) or key
                _walk(old.get(key), new.get(key), part=part, where=[*where, name], path=[], out=out)
            return
        if all(isinstance(i, dict) for i in before + after):
            for index in range(max(len(before), len(after))):
                a = before[index] if index < len(before) else None
                b = after[index] if index < len(after) else None
                name = _name(b or a)
                here = [*where, name] if name else where
                _walk(a, b, part=part, where=here, path=path if name else [*path, str(index + 1)],
                      out=out)  # fmt: skip
            return
    if isinstance(before, dict) and after is None or before is None and isinstance(after, dict):
        name = _name(before or after)
        if name and not path:
            out.append(Change(part, " › ".join(where), "", _shown(before), _shown(after)))
            return
    out.append(Change(part, " › ".join(where), _field(path), _shown(before), _shown(after)))


def plan_changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """Every difference between two plan contents, in the plan's order."""
    out: list[Change] = []
    for key in list(before) + [k for k in after if k not in before]:
        part = str(PARTS.get(key, key))
        _walk(before.get(key), after.get(key), part=part, where=[], path=[], out=out)
    return out


def _numbers_and_hours(content: dict[str, Any]) -> dict[str, Any]:
    """Only what a caller dials and when: each contact's phone number and opening hours, with
    the names that make a change readable."""
    services = []
    for service in content.get("services") or []:
        if not isinstance(service, dict):
            continue
        contacts = [
            {
                field: contact[field]
                for field in ("key", "label", "phone", "hours")
                if field in contact
            }
            for contact in service.get("contacts") or []
            if isinstance(contact, dict)
        ]
        services.append(
            {"key": service.get("key"), "name": service.get("name"), "contacts": contacts}
        )
    return {"services": services}


def _consent_rules(content: dict[str, Any]) -> dict[str, Any]:
    casework = content.get("casework") if isinstance(content.get("casework"), dict) else {}
    return {"casework": {"consent": casework.get("consent")}}


def guarded_changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """The changes a municipality may require a second person to approve: a phone number, an
    opening time or a consent rule, added, changed or removed."""
    return plan_changes(_numbers_and_hours(before), _numbers_and_hours(after)) + plan_changes(
        _consent_rules(before), _consent_rules(after)
    )
