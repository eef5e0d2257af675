"""Reads: the adviser's section of the inbox, whom to call when it cannot wait, and the SLT
coordinator's topics per month.

The topics per month are the tallies (`QuestionTally`), published with the trend page's
disclosure control (varde/insights/suppression.py) as a family of their own: per school and
month, by topic, with the questions hidden as abuse as one more category. Each request
publishes the blocks (an SLT region, or a municipality in none, and a calendar year) that hold
the user's schools, whole: a block's publication does not depend on any other block, so what
is shown is what one publication of every block would show, for any filter the user picks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q
from django.db.models.lookups import IsNull
from django.utils import formats
from django.utils.translation import gettext as _

from varde.audit.models import AuditAction
from varde.insights.publication import lineages, rows
from varde.insights.report import Reader, Selection, Shown, ShownTable
from varde.insights.selectors import Period, Published, geography
from varde.insights.suppression import TOTAL, Cube, State, publish
from varde.people.models import School
from varde.plan.callnow import CallStep, steps_at
from varde.plan.models import PlanVersion
from varde.plan.translations import content_for_reader
from varde.questions.access import questions_addressed_to, questions_audit
from varde.questions.models import PupilQuestion, QuestionTally
from varde.questions.rules import QuestionRules, question_rules

INBOX_PAGE_SIZE = 50
FAMILY = "pupil_questions"
# The category of the questions hidden as abuse; a plan's topic keys are slugs, never this.
HIDDEN = "~hidden"


@dataclass(frozen=True)
class PupilInbox:
    page: Page[PupilQuestion]
    # The page's questions, each with its topic's title.
    rows: list[tuple[PupilQuestion, str]]
    waiting: int
    urgent_waiting: int
    hidden: int


def question_inbox(user: Any, *, page: object = None) -> PupilInbox | None:
    """One page of the pupils' questions to this adviser: unanswered first, and among them
    those that cannot wait; then newest first. None for someone who advises nowhere.

    Sorted and cut in the database; only the questions on the page are shown, so only they
    are audited. A page number that is not a number gives the first page.
    """
    addressed = questions_addressed_to(user)
    if addressed is None:
        return None
    visible = addressed.filter(hidden_at__isnull=True)
    unanswered = IsNull(F("answered_at"), True)
    ordered = visible.select_related("school").order_by(
        unanswered.desc(), "-urgent", "-asked_at", "-pk"
    )
    shown = Paginator(ordered, INBOX_PAGE_SIZE).get_page(page)
    listed = list(shown.object_list)
    questions_audit(user, listed, action=AuditAction.READ, reason="Spørsmål fra elever, liste")
    rules = {
        municipality_id: question_rules(municipality_id=municipality_id)
        for municipality_id in {q.school.municipality_id for q in listed}
    }
    waiting = Q(hidden_at__isnull=True, answered_at__isnull=True)
    counts = addressed.aggregate(
        waiting=Count("pk", filter=waiting),
        urgent=Count("pk", filter=waiting & Q(urgent=True)),
        hidden=Count("pk", filter=Q(hidden_at__isnull=False)),
    )
    return PupilInbox(
        page=shown,
        rows=[(q, rules[q.school.municipality_id].topic_title(q.topic)) for q in listed],
        waiting=counts["waiting"],
        urgent_waiting=counts["urgent"],
        hidden=counts["hidden"],
    )


def cannot_wait(*, version: PlanVersion, rules: QuestionRules, at: dt.datetime) -> list[CallStep]:
    """Whom to call when it cannot wait (116 111, 112), as "who to call now" works it out."""
    return steps_at(content_for_reader(version.content), list(rules.call), at)


# ---------------------------------------------------------------- topics per month


def topic_label(fine: str) -> str:
    return f"topic:{fine}"


def _labels(family: str, fine: Hashable, yearly: bool) -> tuple[str, ...]:
    return (TOTAL, topic_label(str(fine)))


def topic_columns(schools: list[School]) -> list[tuple[str, str]]:
    """(category, heading) for the table: the topics of the schools' plans, in the plans'
    order, then the questions hidden as abuse."""
    columns: dict[str, str] = {}
    for municipality_id in dict.fromkeys(s.municipality_id for s in schools):
        for key, title in question_rules(municipality_id=municipality_id).topics:
            columns.setdefault(key, title)
    return [*columns.items(), (HIDDEN, _("Skjult som misbruk"))]


def _published(schools: list[School], years: list[int]) -> tuple[Published, set[str]]:
    """The publication of the blocks holding `schools` for `years`, and every category that
    has a count there."""
    lineage = lineages(geography())
    tops = {lineage[s.pk][-1] for s in schools}
    in_blocks = [pk for pk, nodes in lineage.items() if nodes[-1] in tops]
    counts: dict[tuple[str, int, dt.date, str], int] = {}
    for school_id, month, topic, hidden, count in QuestionTally.objects.filter(
        school_id__in=in_blocks, month__year__in=years, count__gt=0
    ).values_list("school_id", "month", "topic", "hidden", "count"):
        key = (FAMILY, school_id, month, HIDDEN if hidden else topic)
        counts[key] = counts.get(key, 0) + count
    publication = publish(Cube(counts=counts, lineage=lineage, labels=_labels))
    published = Published(
        cells={
            (row.family, row.node, row.year, row.month, row.label): (row.shown, row.state)
            for row in rows(publication)
        },
        withheld=frozenset(publication.withheld),
    )
    return published, {key[3] for key in counts}


def topic_table(*, selection: Selection, schools: list[School], period: Period) -> ShownTable:
    """Questions per month by topic for the selection, suppressed as the trend page is."""
    published, present = _published(schools, period.years())
    columns = topic_columns(schools)
    known = {key for key, _title in columns}
    # A topic a plan no longer has keeps its column while it has counts.
    columns[-1:-1] = [(key, key) for key in sorted(present - known)]
    labels = [topic_label(key) for key, _title in columns] + [TOTAL]
    reader = Reader(published, selection, period)
    table_rows: list[tuple[str, tuple[Shown, ...]]] = [
        (
            formats.date_format(month, "F Y"),
            tuple(reader.month(FAMILY, month, label) for label in labels),
        )
        for month in period.months()
    ]
    table_rows.append(
        (_("Sum"), tuple(reader.period(FAMILY, list(selection.parts), label) for label in labels))
    )
    return ShownTable(
        key="elevsporsmal",
        title=_("Spørsmål fra elever per måned og tema"),
        row_heading=_("Måned"),
        columns=[title for _key, title in columns] + [_("Sum")],
        rows=table_rows,
        withheld=all(c.state is State.WITHHELD for _label, cells in table_rows for c in cells),
    )
