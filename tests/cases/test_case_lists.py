"""case_lists_present: which of a case's lists have rows, so the case page reads only those;
case_list_rows: the rows of one."""

from __future__ import annotations

import pytest

from varde.cases.models import Case, CaseParticipant, Referral
from varde.cases.selectors import CASE_LISTS, case_list_rows, case_lists_present

# The related rows each list is read with on the case page.
READ_WITH = {
    "handovers": ("to_user",),
    "participants": ("user", "invited_by"),
    "referrals": ("made_by",),
    "advice_requests": ("asked_by", "adviser"),
}


def _recount(case: Case) -> frozenset[str]:
    return frozenset(
        name for name, model in CASE_LISTS.items() if model.objects.filter(case=case).exists()
    )


@pytest.mark.django_db
def test_the_one_query_agrees_with_a_recount_for_every_case(world) -> None:
    cases = list(Case.objects.all())
    assert len(cases) >= 2
    for case in cases:
        assert case_lists_present(case) == _recount(case)
    assert "measures" in case_lists_present(world.case)
    assert "handovers" in case_lists_present(world.case)


@pytest.mark.django_db
def test_a_new_row_shows_up_and_a_removed_one_goes(world) -> None:
    case = world.case
    assert "participants" not in case_lists_present(case)
    CaseParticipant.objects.create(
        case=case, user=world.kjentmann, invited_by=world.teacher, invited_at=case.opened_at
    )
    assert "participants" in case_lists_present(case)
    CaseParticipant.objects.filter(case=case).delete()
    assert "participants" not in case_lists_present(case)
    assert not Referral.objects.filter(case=case).exists()
    assert "referrals" not in case_lists_present(case)


@pytest.mark.django_db
def test_each_list_reads_the_rows_the_cases_own_manager_gives(world) -> None:
    CaseParticipant.objects.create(
        case=world.case,
        user=world.kjentmann,
        invited_by=world.teacher,
        invited_at=world.case.opened_at,
    )
    for case in Case.objects.all():
        present = case_lists_present(case)
        for name, model in CASE_LISTS.items():
            rows = case_list_rows(case, name, present, "pk", related=READ_WITH.get(name, ()))
            expected = sorted(getattr(case, name).all(), key=lambda row: row.pk)
            assert rows == expected, name
            assert all(row.case is case for row in rows)
            for row in rows:
                for relation in READ_WITH.get(name, ()):
                    assert model._meta.get_field(relation).is_cached(row)
        assert case_list_rows(case, "measures", frozenset()) == []
