from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from varde.audit.models import AuditEntry
from varde.audit.selectors import audit_verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit non-zero naming the first bad entry."

    def handle(self, *args: Any, **options: Any) -> None:
        for problem in audit_verify_chain():
            raise CommandError(f"audit chain broken at entry #{problem.seq}: {problem.message}")
        count = AuditEntry.objects.count()
        self.stdout.write(f"audit chain ok: {count} entries checked")
