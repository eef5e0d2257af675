"""The one-case check (case_visible_to) and the list rule (cases_visible_to) must agree."""

from __future__ import annotations

import dataclasses

from django.utils import timezone

from varde.cases.access import case_visible_to, cases_visible_to
from varde.cases.models import Case, CaseParticipant
from varde.people.models import User


def test_one_case_and_the_list_agree_for_everyone_in_the_world(world):
    CaseParticipant.objects.create(
        case=world.case, user=world.kjentmann, invited_by=world.teacher, invited_at=timezone.now()
    )
    users = [v for v in dataclasses.asdict(world).values() if isinstance(v, User)]
    users = list(User.objects.filter(pk__in=[u.pk for u in users]))
    cases = list(Case.objects.all())
    seen = 0
    for user in users:
        listed = set(cases_visible_to(user).values_list("pk", flat=True))
        for case in cases:
            assert case_visible_to(user, case) == (case.pk in listed), (user.email, case.pk)
            seen += case.pk in listed
    # Owner, invited Kjentmann and leadership all see something; others see nothing.
    assert seen >= 3
    assert case_visible_to(world.kjentmann, world.case)
    assert not case_visible_to(world.teacher2, world.case)
    assert not case_visible_to(world.deactivated, world.case)
