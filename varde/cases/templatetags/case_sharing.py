"""The case page's sharing panel reads its data through the consent selector."""

from __future__ import annotations

from typing import Any

from django import template

from varde.cases.consent import Sharing, sharing_overview
from varde.cases.models import Case
from varde.cases.rules import CaseRules

register = template.Library()


@register.simple_tag
def case_sharing(
    case: Case, user: Any, rules: CaseRules | None = None, present: object = None
) -> Sharing:
    """`present`: the case page's case_lists_present (anything else reads every list)."""
    lists = present if isinstance(present, frozenset) else None
    return sharing_overview(case=case, user=user, rules=rules, present=lists)
