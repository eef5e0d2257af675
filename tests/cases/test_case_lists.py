"""case_lists_present: which of a case's lists have rows, so the case page reads only those."""

from __future__ import annotations

import pytest

from varde.cases.models import Case, CaseParticipant, Referral
from varde.cases.selectors import CASE_LISTS, case_lists_present


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
