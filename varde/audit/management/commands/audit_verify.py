from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from varde.audit.anchor import anchor_path, anchor_read
from varde.audit.models import INSTALLATION_CHAIN, AuditEntry
from varde.audit.selectors import audit_chains, audit_unanchored, audit_verify_chain
from varde.people.models import Municipality


class Command(BaseCommand):
    help = (
        "Verify the audit log: each chain's MACs and links, its head, and that it still reaches "
        "what the anchor outside the database last saw. Exits non-zero naming what is wrong."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--municipality",
            help="the municipality's short name (slug), or 'installation' for the chain of "
            "the installation's own events; every chain without it",
        )
        parser.add_argument(
            "--anchor", type=Path, help="the anchor to check against (default: the anchor file)"
        )
        parser.add_argument(
            "--no-anchor",
            action="store_true",
            help="check the chains only; without the anchor a cut or emptied chain is not seen",
        )

    def handle(self, *args: Any, municipality: str | None = None, **options: Any) -> None:
        path = options.get("anchor") or anchor_path()
        without = options.get("no_anchor", False)
        anchored, unreadable = ({}, []) if without else anchor_read(path)
        if unreadable:
            raise CommandError(f"the anchor {path} has lines that cannot be read: {unreadable[:5]}")
        chains = audit_chains(chains=self._chains(municipality), anchored=anchored)
        entries = AuditEntry.objects.filter(chain__in=chains).count()
        if entries and not without and not path.exists():
            raise CommandError(
                f"the anchor {path} is missing, so a cut or emptied chain cannot be seen; the "
                "worker writes it every minute (or give --anchor)"
            )
        problems = [
            f"{self._name(p.chain)}: {p.message}"
            for chain in chains
            for p in audit_verify_chain(chain, anchored=anchored.get(chain))
        ]
        if problems:
            raise CommandError("audit log broken:\n  " + "\n  ".join(problems))
        unanchored = sum(audit_unanchored(c, anchored=anchored.get(c)) for c in chains)
        if without:
            self.stdout.write(
                f"audit chain ok: {entries} entries in {len(chains)} chains checked, "
                "without the anchor"
            )
            return
        self.stdout.write(
            f"audit chain ok: {entries} entries in {len(chains)} chains checked against the "
            f"anchor; {unanchored} newer than its last line"
        )

    def _chains(self, municipality: str | None) -> list[int] | None:
        if municipality is None:
            return None
        if municipality == "installation":
            return [INSTALLATION_CHAIN]
        found = Municipality.objects.filter(slug=municipality).first()
        if found is None:
            raise CommandError(f"no municipality {municipality!r}")
        return [found.pk]

    def _name(self, chain: int) -> str:
        if chain == INSTALLATION_CHAIN:
            return "installation"
        found = Municipality.objects.filter(pk=chain).first()
        return f"{found.slug} (chain {chain})" if found else f"chain {chain}"
