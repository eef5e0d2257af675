from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from varde.audit.anchor import anchor_read
from varde.audit.models import AuditChain, AuditEntry
from varde.people.models import Municipality

FIELDS = (
    "chain",
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "pupil_id",
    "school_id",
    "municipality_id",
    "reason",
    "detail",
    "key_id",
    "prev_mac",
    "mac",
)


class Command(BaseCommand):
    help = (
        "Export one municipality's audit log for an audit, as JSON lines: first the chain's "
        "head and its last anchor, then every entry in order."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--municipality", required=True, help="the municipality's slug")
        parser.add_argument("--output", type=Path, help="a file (default: standard output)")

    def handle(self, *args: Any, municipality: str, output: Path | None = None, **kw: Any) -> None:
        found = Municipality.objects.filter(slug=municipality).first()
        if found is None:
            raise CommandError(f"no municipality {municipality!r}")
        head = AuditChain.objects.filter(chain=found.pk).first()
        anchored = anchor_read()[0].get(found.pk)
        out = output.open("w", encoding="utf-8") if output else sys.stdout
        try:
            out.write(
                json.dumps(
                    {
                        "municipality": found.slug,
                        "chain": found.pk,
                        "last_seq": head.last_seq if head else 0,
                        "last_mac": head.last_mac if head else "",
                        "anchor": anchored.__dict__ if anchored else None,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            entries = AuditEntry.objects.filter(chain=found.pk).order_by("seq")
            for row in entries.values(*FIELDS).iterator(chunk_size=2000):
                out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        finally:
            if output:
                out.close()
