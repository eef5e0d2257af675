"""The plan's rules for pupils' anonymous questions, from `casework.advice.anonymous_questions`.

Read from the same cached copy of the published plan as the casework rules
(varde.cases.rules.case_rules), so a municipality changes them by publishing a new version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from varde.cases.rules import CaseRules, case_rules
from varde.plan.document import PlanDocument
from varde.plan.translations import SOURCE_LANGUAGE, content_for_reader, reader_language

# Used when the plan says nothing.
DELETE_AFTER_DAYS = 30
PER_SCHOOL_PER_HOUR = 20


@dataclass(frozen=True)
class QuestionRules:
    # The plan's advice roles (casework.advice.roles): who answers.
    roles: tuple[str, ...]
    topics: tuple[tuple[str, str], ...]
    delete_after_days: int = DELETE_AFTER_DAYS
    per_school_per_hour: int = PER_SCHOOL_PER_HOUR
    # Whom to call when it cannot wait: steps as in a situation of "who to call now".
    call: tuple[Mapping[str, Any], ...] = ()
    source: str = ""

    @property
    def offered(self) -> bool:
        """Whether the plan takes anonymous questions at all."""
        return bool(self.roles and self.topics)

    def topic_title(self, key: str) -> str:
        return next((title for k, title in self.topics if k == key), key)


def rules_of(casework_rules: CaseRules, document: PlanDocument | None = None) -> QuestionRules:
    """The question rules of a plan; its texts (topics, whom to call) from `document` when the
    reader's language differs from the plan's own."""
    advice = (document or casework_rules.document).casework.get("advice") or {}
    questions = advice.get("anonymous_questions") or {}
    return QuestionRules(
        roles=casework_rules.advice_roles,
        topics=tuple(
            (str(t["key"]), str(t.get("title") or t["key"])) for t in questions.get("topics") or []
        ),
        delete_after_days=int(questions.get("delete_after_days", DELETE_AFTER_DAYS)),
        per_school_per_hour=int(questions.get("per_school_per_hour", PER_SCHOOL_PER_HOUR)),
        call=tuple(questions.get("call") or ()),
        source=str(questions.get("source") or ""),
    )


def question_rules(*, municipality_id: int) -> QuestionRules:
    """The rules of the municipality's published plan (none offered if none is published),
    with topic titles in the reader's language."""
    casework_rules = case_rules(municipality_id=municipality_id)
    if reader_language() == SOURCE_LANGUAGE:
        return rules_of(casework_rules)
    content = content_for_reader(casework_rules.document.content)
    return rules_of(casework_rules, PlanDocument(content))
