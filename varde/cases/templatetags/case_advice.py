"""Advice in other pages: the questions on a case, and how many wait for an adviser."""

from __future__ import annotations

from typing import Any

from django import template

from varde.cases.advice import advice_on_case, advice_unanswered_count, adviser_school_ids
from varde.cases.models import AdviceRequest, Case

register = template.Library()


@register.simple_tag
def case_advice(case: Case, present: object = None) -> list[AdviceRequest]:
    """`present`: the case page's case_lists_present (anything else reads the questions)."""
    return advice_on_case(case=case, present=present if isinstance(present, frozenset) else None)


@register.simple_tag
def advice_waiting(user: Any) -> int | None:
    """Questions waiting for the user's answer; None for someone who advises nowhere."""
    if not adviser_school_ids(user):
        return None
    return advice_unanswered_count(user)
