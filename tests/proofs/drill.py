"""Run inside a drill instance: `python -m tests.proofs.drill <command> ...`.

`world` builds the test world for HTTP clients and prints its ids. `write N` builds the
world once and opens N worries, one transaction each, printing "wrote <count> <case id>"
after each commit. `acknowledged FILE` checks that the writes a client saw succeed are all
there. `verify` opens every encrypted value, checks that each case came with its event and
audit entry, verifies the audit chain and prints one JSON object.
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


def world() -> None:
    """The test world, with known TOTP secrets and a measure to evaluate; prints its ids."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from tests.proofs.server import TOTP_SECRETS
    from tests.world import build_world
    from varde.cases.services import measure_add
    from varde.people.models import User

    people = build_world()
    for email, secret in TOTP_SECRETS.items():
        user = User.objects.get(email=email)
        Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
        TOTP.activate(user, secret)
    measure = measure_add(
        actor=people.teacher,
        case=people.case,
        description="Samtale hver uke med kontaktlærer",
        goal="Petter har en voksen å snakke med",
        responsible="Tina",
        evaluate_on=dt.date(2026, 12, 20),
    )
    print(json.dumps({"pupil": people.pupil.pk, "case": people.case.pk, "measure": measure.pk}))


def acknowledged(path: str) -> None:
    """Check the writes a client saw succeed: "<case id> <marker>" per line of the file."""
    from varde.cases.models import Case

    expected = dict(line.split(" ", 1) for line in open(path).read().splitlines() if line)
    found = dict(Case.objects.filter(pk__in=expected).values_list("pk", "observed"))
    missing = [pk for pk in expected if int(pk) not in found]
    changed = [pk for pk in expected if int(pk) in found and found[int(pk)] != expected[pk]]
    print(json.dumps({"acknowledged": len(expected), "missing": missing, "changed": changed}))


def verify() -> None:
    from varde.audit.models import AuditEntry
    from varde.audit.selectors import audit_chains, audit_verify_chain
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
    problems = [
        problem.message for chain in audit_chains() for problem in audit_verify_chain(chain)
    ]
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
    elif sys.argv[1] == "world":
        world()
    elif sys.argv[1] == "acknowledged":
        acknowledged(sys.argv[2])
    else:
        raise SystemExit(__doc__)
