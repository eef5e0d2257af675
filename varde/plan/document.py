"""Read access to a plan's content: the routines, services and situations in it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Heading:
    key: str
    title: str
    depth: int


class PlanDocument:
    """A thin, read-only view over a plan version's content dict."""

    def __init__(self, content: dict[str, Any]) -> None:
        self.content = content

    @property
    def title(self) -> str:
        return str(self.content.get("title", ""))

    @property
    def summary(self) -> str:
        return str(self.content.get("summary", ""))

    @property
    def sections(self) -> list[dict[str, Any]]:
        return list(self.content.get("sections", []))

    @property
    def routines(self) -> list[dict[str, Any]]:
        return list(self.content.get("routines", []))

    @property
    def duties(self) -> list[dict[str, Any]]:
        return list(self.content.get("duties", []))

    @property
    def services(self) -> list[dict[str, Any]]:
        return list(self.content.get("services", []))

    @property
    def situations(self) -> list[dict[str, Any]]:
        return list(self.content.get("situations", []))

    @property
    def resources(self) -> list[dict[str, Any]]:
        return list(self.content.get("resources", []))

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return list(self.content.get("attachments", []))

    @property
    def lunnermodellen(self) -> dict[str, Any]:
        return dict(self.content.get("lunnermodellen", {}))

    @property
    def casework(self) -> dict[str, Any]:
        return dict(self.content.get("casework") or {})

    def routine(self, key: str) -> dict[str, Any] | None:
        return next((r for r in self.routines if r.get("key") == key), None)

    def service(self, key: str) -> dict[str, Any] | None:
        return next((s for s in self.services if s.get("key") == key), None)

    def situation(self, key: str) -> dict[str, Any] | None:
        return next((s for s in self.situations if s.get("key") == key), None)

    def contact(self, ref: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        service_key, _, contact_key = ref.partition(".")
        service = self.service(service_key)
        if service is None:
            return None
        for contact in service.get("contacts") or []:
            if contact.get("key") == contact_key:
                return service, contact
        return None

    def headings(self) -> Iterator[Heading]:
        """Every title in the plan, in document order, for tables of contents and checks."""

        def walk(sections: list[dict[str, Any]], depth: int) -> Iterator[Heading]:
            for section in sections:
                yield Heading(section.get("key", ""), section.get("title", ""), depth)
                yield from walk(section.get("sections") or [], depth + 1)

        yield from walk(self.sections, 1)
        for group in ("routines", "duties", "resources", "attachments"):
            for item in self.content.get(group) or []:
                yield Heading(item.get("key", ""), item.get("title", ""), 3)
        for service in self.services:
            yield Heading(service.get("key", ""), service.get("name", ""), 3)
        model = self.lunnermodellen
        if model:
            yield Heading("lunnermodellen", model.get("title", ""), 2)
            for level in model.get("levels") or []:
                yield Heading(f"level-{level.get('level')}", level.get("title", ""), 3)

    def phone_numbers(self) -> list[str]:
        return [
            str(contact["phone"])
            for service in self.services
            for contact in service.get("contacts") or []
            if contact.get("phone")
        ]

    def all_text(self) -> str:
        """Every string in the plan, joined; used to check that nothing was lost."""
        parts: list[str] = []

        def collect(value: Any) -> None:
            if isinstance(value, str):
                parts.append(value)
            elif isinstance(value, dict):
                for item in value.values():
                    collect(item)
            elif isinstance(value, list):
                for item in value:
                    collect(item)

        collect(self.content)
        return "\n".join(parts)
