"""Run inside a drill instance: `python -m tests.proofs.drill write N` or `... verify`.

`write` builds the test world once and then opens N worries, one transaction each,
printing "wrote <count> <case id>" after each commit. `verify` opens every encrypted
value, checks that each case came with its event and audit entry, verifies the audit
chain and prints one JSON object.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import django


def write(count: int) -> None:
    from tests.world import build_world
    from varde.cases.services import case_open
    from varde.people.models import Municipality

    if not Municipality.objects.filter(slug="gran").exists():
        build_world()
    from varde.people.models import Pupil, User

    teacher = User.objects.get(email="tina@lunner.test")
    pupil = Pupil.objects.get(external_id="E1")
    for number in range(1, count + 1):
        case = case_open(
            actor=teacher,
            pupil=pupil,
            observed=f"Drill {number}: æøå 🙂 " + "x" * (number % 400),
            observed_on=dt.date(2026, 11, 20),
            seriousness=1 + number % 5,
            earlier_worries="Ja" if number % 3 else "",
        )
        print(f"wrote {number} {case.pk}", flush=True)


def verify() -> None:
    from varde.audit.models import AuditEntry
    from varde.audit.selectors import audit_verify_chain
    from varde.cases.models import Case, CaseEvent
    from varde.lib.reencrypt import encrypted_fields

    decrypted = 0
    for model, fields in encrypted_fields():
        for values in model.objects.values_list(*(f.name for f in fields)):
            decrypted += sum(1 for value in values if value)
    case_ids = set(Case.objects.values_list("pk", flat=True))
    opened = set(CaseEvent.objects.filter(kind="opened").values_list("case_id", flat=True))
    audited = {
        int(pk)
        for pk in AuditEntry.objects.filter(object_type="case", action="create").values_list(
            "object_id", flat=True
        )
    }
    problems = [problem.message for problem in audit_verify_chain()]
    print(
        json.dumps(
            {
                "cases": len(case_ids),
                "values_decrypted": decrypted,
                "cases_without_event": len(case_ids - opened),
                "events_without_case": len(opened - case_ids),
                "cases_without_audit": len(case_ids - audited),
                "audit_entries": AuditEntry.objects.count(),
                "chain_problems": problems,
            }
        )
    )


if __name__ == "__main__":
    django.setup()
    if sys.argv[1] == "write":
        write(int(sys.argv[2]))
    elif sys.argv[1] == "verify":
        verify()
    else:
        raise SystemExit(__doc__)
