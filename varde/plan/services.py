"""Writes to the plan: load a file, save a draft, publish a version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from varde.audit.models import AuditAction
from varde.audit.services import audit_record
from varde.people.models import Municipality
from varde.plan.compare import Change, guarded_changes
from varde.plan.models import PlanVersion, content_hash
from varde.plan.schema import PlanInvalid, validate_plan
from varde.plan.selectors import plan_current


def plan_parse_yaml(text: str) -> dict[str, Any]:
    """Parse YAML text into plan content, or raise PlanInvalid with the line of the error."""
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("linje %(line)s") % {"line": mark.line + 1} if mark else _("filen")
        problem = getattr(exc, "problem", None) or str(exc)
        invalid = _("ugyldig YAML")
        raise PlanInvalid([f"{where}: {invalid} ({problem})"]) from exc
    except ValueError as exc:
        # Well-formed YAML with a value that cannot become a number or a date: a number of
        # more digits than Python reads (4,300), or a day such as 2026-02-31.
        where, unreadable = _("filen"), _("et tall eller en dato som ikke kan leses")
        raise PlanInvalid([f"{where}: {unreadable}"]) from exc
    validate_plan(content)
    return content


def plan_dump_yaml(content: dict[str, Any]) -> str:
    return yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=100)


@transaction.atomic
def plan_publish_content(
    *,
    municipality: Municipality,
    content: dict[str, Any],
    actor: Any = None,
    change_note: str = "",
) -> tuple[PlanVersion, bool]:
    """Publish content as the next version, unless it equals the current one.

    Returns the current version and whether a new one was made, so loading the
    same file twice changes nothing.
    """
    validate_plan(content)
    digest = content_hash(content)
    latest = (
        PlanVersion.objects.select_for_update()
        .filter(municipality=municipality, status=PlanVersion.Status.PUBLISHED)
        .order_by("-number")
        .first()
    )
    if latest is not None and latest.content_hash == digest:
        return latest, False
    version = PlanVersion(
        municipality=municipality,
        content=content,
        content_hash=digest,
        change_note=change_note[:500],
        created_by=actor,
    )
    _publish(version, actor=actor)
    return version, True


def _next_number(municipality: Municipality) -> int:
    current = PlanVersion.objects.filter(municipality=municipality).aggregate(n=Max("number"))["n"]
    return (current or 0) + 1


def _publish(version: PlanVersion, *, actor: Any) -> None:
    version.status = PlanVersion.Status.PUBLISHED
    version.number = _next_number(version.municipality)
    version.published_at = timezone.now()
    version.published_by = actor if getattr(actor, "is_authenticated", False) else None
    version.save()
    audit_record(
        actor=actor,
        action=AuditAction.PUBLISH,
        object_type="plan_version",
        object_id=version.pk,
        municipality_id=version.municipality_id,
        reason=_("Ny planversjon %(number)s publisert") % {"number": version.number},
    )


def plan_load_file(*, path: Path, actor: Any = None) -> tuple[PlanVersion, bool]:
    content = plan_parse_yaml(path.read_text(encoding="utf-8"))
    slug = content["municipality"]["slug"]
    municipality, _created = Municipality.objects.get_or_create(
        slug=slug,
        defaults={
            "name": content["municipality"].get("name", slug),
            "number": str(content["municipality"].get("number", "")),
        },
    )
    return plan_publish_content(
        municipality=municipality,
        content=content,
        actor=actor,
        change_note=_("Lastet fra %(file)s") % {"file": path.name},
    )


def plan_draft_save(
    *, municipality: Municipality, text: str, actor: Any, change_note: str = ""
) -> PlanVersion:
    """Save the administrator's edited YAML as the municipality's single draft."""
    return plan_draft_store(
        municipality=municipality,
        content=plan_parse_yaml(text),
        actor=actor,
        change_note=change_note,
        reason=_("Utkast til ny planversjon lagret fra YAML"),
    )


@transaction.atomic
def plan_draft_store(
    *,
    municipality: Municipality,
    content: dict[str, Any],
    actor: Any,
    reason: str,
    change_note: str | None = None,
) -> PlanVersion:
    """Save `content` as the municipality's single draft, after checking the whole plan.

    The plan editor's forms and the YAML import both end here, so a plan saved either way is
    checked by the same rules. `change_note` None keeps the draft's note as it is.
    """
    validate_plan(content)
    if content["municipality"]["slug"] != municipality.slug:
        raise PlanInvalid(
            [_("municipality.slug: må være «%(slug)s».") % {"slug": municipality.slug}]
        )
    draft = (
        PlanVersion.objects.select_for_update()
        .filter(municipality=municipality, status=PlanVersion.Status.DRAFT)
        .first()
    ) or PlanVersion(municipality=municipality, created_by=actor)
    draft.content = content
    draft.content_hash = content_hash(content)
    if not draft.awaits_approval:
        draft.approval_requested_by, draft.approval_requested_at = None, None
        draft.approval_hash = ""
    if change_note is not None:
        draft.change_note = change_note[:500]
    draft.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="plan_version",
        object_id=draft.pk,
        municipality_id=municipality.pk,
        reason=reason,
    )
    return draft


@dataclass(frozen=True)
class PublishOutcome:
    """What publishing a draft did: made `version` public, or asked a second person."""

    version: PlanVersion
    published: bool
    guarded: list[Change]


@transaction.atomic
def plan_draft_publish(
    *, municipality: Municipality, actor: Any, change_note: str = ""
) -> PublishOutcome:
    """Publish the draft with a short note of what changed.

    When the municipality requires it and the draft changes a phone number, an opening time or
    a consent rule, the first person's publish is a request; the draft is published when
    another person with a plan role publishes it unchanged.
    """
    draft = (
        PlanVersion.objects.select_for_update()
        .filter(municipality=municipality, status=PlanVersion.Status.DRAFT)
        .first()
    )
    if draft is None:
        raise PlanInvalid([_("Det finnes ikke noe utkast å publisere.")])
    note = " ".join(change_note.split())[:500]
    if not note:
        raise PlanInvalid([_("Skriv kort hva som er endret. Det vises i listen over versjoner.")])
    validate_plan(draft.content)
    current = plan_current(municipality=municipality)
    if current is not None and current.content_hash == draft.content_hash:
        raise PlanInvalid(
            [_("Utkastet er likt den publiserte versjonen. Det er ingenting å publisere.")]
        )
    guarded = guarded_changes(current.content if current else {}, draft.content)
    draft.change_note = note
    if guarded and municipality.plan_second_approval:
        if not draft.awaits_approval:
            draft.approval_requested_by = actor
            draft.approval_requested_at = timezone.now()
            draft.approval_hash = draft.content_hash
            draft.save()
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                object_type="plan_version",
                object_id=draft.pk,
                municipality_id=municipality.pk,
                reason=_("Utkastet venter på godkjenning av en person til"),
            )
            return PublishOutcome(draft, False, guarded)
        if draft.approval_requested_by_id == getattr(actor, "pk", None):
            raise PlanInvalid(
                [_("Du har bedt om godkjenning. En annen med planrolle må godkjenne og publisere.")]
            )
        draft.approved_by = actor
    _publish(draft, actor=actor)
    return PublishOutcome(draft, True, guarded)


@transaction.atomic
def plan_draft_discard(*, municipality: Municipality, actor: Any) -> None:
    deleted, _rows = PlanVersion.objects.filter(
        municipality=municipality, status=PlanVersion.Status.DRAFT
    ).delete()
    if deleted:
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            object_type="plan_version",
            object_id="draft",
            municipality_id=municipality.pk,
            reason=_("Utkast forkastet"),
        )


@transaction.atomic
def plan_second_approval_set(*, municipality: Municipality, required: bool, actor: Any) -> None:
    """Turn on or off that a second person approves changed numbers, hours and consent rules."""
    if municipality.plan_second_approval == required:
        return
    municipality.plan_second_approval = required
    municipality.save(update_fields=["plan_second_approval"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="municipality",
        object_id=municipality.pk,
        municipality_id=municipality.pk,
        reason=_("Godkjenning av en person til slått på")
        if required
        else _("Godkjenning av en person til slått av"),
    )
