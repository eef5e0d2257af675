"""The data generator fills the same tables the app uses, with notes encrypted and the
audit trail's hash chain intact."""

from __future__ import annotations

import io

from django.db import connection

from varde.audit.models import AuditChain, AuditEntry
from varde.audit.selectors import audit_verify_chain
from varde.cases.models import Case, CaseEvent
from varde.incidents.models import Incident
from varde.people.models import Pupil, School, User
from varde.web.generate import generate
from varde.yearplan.models import YearEvent


def test_a_small_scale_has_schools_pupils_cases_and_their_history(db):
    progress = io.StringIO()
    counts = generate(scale="school", seed=7, stream=progress)
    assert counts["schools"] == 2 and Pupil.objects.count() == 200 == counts["pupils"]
    assert Case.objects.count() == 40 and CaseEvent.objects.count() == counts["case events"]
    assert "rows/s" in progress.getvalue()


def test_what_staff_saw_is_stored_encrypted(db):
    generate(scale="school", seed=7, stream=io.StringIO())
    case = Case.objects.first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT observed FROM cases_case WHERE id = %s", [case.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:") and case.observed not in stored


def test_the_audit_trail_is_one_unbroken_chain_per_municipality(db):
    generate(scale="school", seed=7, stream=io.StringIO())
    chains = set(AuditEntry.objects.values_list("chain", flat=True))
    assert chains == set(AuditEntry.objects.values_list("municipality_id", flat=True))
    for chain in chains:
        assert list(audit_verify_chain(chain)) == []
        entries = AuditEntry.objects.filter(chain=chain)
        assert AuditChain.objects.get(chain=chain).last_seq == entries.count()


def pupils_and_cases() -> list[tuple]:
    return list(
        Case.objects.order_by("pk").values_list(
            "pupil__external_id", "pupil__first_name", "pupil__birth_date", "level", "opened_at"
        )
    )


def test_the_same_seed_gives_the_same_pupils_and_cases(db):
    generate(scale="school", seed=7, stream=io.StringIO())
    first = pupils_and_cases()
    for model in (Incident, YearEvent, Case, Pupil, AuditEntry, AuditChain):
        model.objects.all().delete()
    User.objects.filter(email__endswith="@generert.test").delete()
    School.objects.filter(external_id__startswith="GEN").delete()
    generate(scale="school", seed=7, stream=io.StringIO())
    again = pupils_and_cases()
    assert [row[:4] for row in again] == [row[:4] for row in first]
