"""The trend page's tallies hold exactly what a recount of the raw rows gives.

The recount here is written in plain Python over the model instances, apart from the SQL the
refresh uses, so a mistake in either shows as a difference.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from varde.cases.models import Case, Conversation, Decision
from varde.incidents.models import FollowUp, Incident
from varde.insights.models import ConversationTally, IncidentTally, TallyRefresh, WorryTally
from varde.insights.selectors import GRADE_BANDS, LEVELS, school_year
from varde.insights.services import insights_refresh
from varde.reminders.tasks import periodic_run
from varde.web.generate import generate

from .conftest import TODAY

OSLO = ZoneInfo("Europe/Oslo")


def month_of(moment: dt.datetime) -> dt.date:
    return moment.astimezone(OSLO).date().replace(day=1)


def band_of(case: Case) -> str:
    opened = case.opened_at.astimezone(OSLO).date()
    grade = case.pupil.grade - (school_year(timezone.localdate()) - school_year(opened))
    return next((key for key, _label, top in GRADE_BANDS[:-1] if grade <= top), "vgs")


def recount() -> tuple[Counter, Counter, Counter]:
    worries: Counter = Counter()
    days: Counter = Counter()
    incidents: Counter = Counter()
    decided: dict[int, int] = {}
    for decision in Decision.objects.all():
        decided[decision.case_id] = max(decided.get(decision.case_id, 0), decision.to_level)
    held = {c.case_id: c.held_at for c in Conversation.objects.filter(held_at__isnull=False)}
    for case in Case.objects.select_related("pupil"):
        highest = min(max(case.level, decided.get(case.pk, 0)), LEVELS[-1])
        worries[(case.school_id, month_of(case.opened_at), band_of(case), highest)] += 1
        if case.pk in held:
            gap = held[case.pk].astimezone(OSLO).date() - case.opened_at.astimezone(OSLO).date()
            days[(case.school_id, month_of(case.opened_at), gap.days)] += 1
    followed = set(
        FollowUp.objects.filter(held_at__isnull=False).values_list("incident_id", flat=True)
    )
    for incident in Incident.objects.all():
        key = (incident.school_id, month_of(incident.started_at), incident.kind)
        incidents[(*key, "count")] += 1
        incidents[(*key, "followed_up")] += incident.pk in followed
    return worries, days, incidents


def stored() -> tuple[Counter, Counter, Counter]:
    worries = Counter(
        {(t.school_id, t.month, t.band, t.level): t.count for t in WorryTally.objects.all()}
    )
    days = Counter(
        {(t.school_id, t.month, t.days): t.count for t in ConversationTally.objects.all()}
    )
    incidents: Counter = Counter()
    for t in IncidentTally.objects.all():
        incidents[(t.school_id, t.month, t.kind, "count")] = t.count
        incidents[(t.school_id, t.month, t.kind, "followed_up")] = t.followed_up
    return worries, days, incidents


def model_fields(case: Case) -> dict:
    return {
        f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields if not f.primary_key
    }


def without_zeros(counter: Counter) -> dict:
    return {key: n for key, n in counter.items() if n}


def assert_tallies_match_a_recount() -> None:
    for ours, theirs in zip(stored(), recount(), strict=True):
        assert without_zeros(ours) == without_zeros(theirs)


def test_generated_data_is_tallied_exactly_as_a_recount_from_raw_rows(db):
    with time_machine.travel(TODAY, tick=False):
        generate(scale="school", seed=3, stream=io.StringIO())
        assert WorryTally.objects.exists() and ConversationTally.objects.exists()
        assert IncidentTally.objects.exists()
        assert_tallies_match_a_recount()
        assert sum(t.count for t in WorryTally.objects.all()) == Case.objects.count()


def test_edges_of_months_and_summer_time_are_counted_in_oslo(world):
    """A worry at 00:30 Oslo time on 1 March is March's (UTC says February); a conversation
    across the October change to winter time is one calendar day later."""
    pupil = world.pupil
    first_of_march = dt.datetime(2026, 3, 1, 0, 30, tzinfo=OSLO)
    before_change = dt.datetime(2026, 10, 24, 23, 30, tzinfo=OSLO)
    cases = Case.objects.bulk_create(
        Case(
            municipality=pupil.municipality,
            school=pupil.school,
            pupil=pupil,
            owner=world.teacher,
            opened_at=opened,
            observed="x",
            observed_on=opened.date(),
            seriousness=2,
            level=level,
        )
        for opened, level in ((first_of_march, 0), (before_change, 1))
    )
    Conversation.objects.bulk_create(
        [
            Conversation(
                case=cases[1],
                planned_for=before_change,
                attendees="x",
                held_at=dt.datetime(2026, 10, 25, 23, 30, tzinfo=OSLO),
            )
        ]
    )
    Decision.objects.bulk_create(
        [
            Decision(
                case=cases[0],
                decided_at=first_of_march,
                decided_by=world.principal,
                key="level_3",
                from_level=2,
                to_level=3,
                reason="x",
            )
        ]
    )
    # An incident at 00:30 on 1 December in Oslo is 30 November in UTC: December's.
    Incident.objects.create(
        municipality=pupil.municipality,
        school=pupil.school,
        kind="drug_sale",
        reported_by=world.principal,
        started_at=dt.datetime(2025, 12, 1, 0, 30, tzinfo=OSLO),
    )
    insights_refresh()
    assert_tallies_match_a_recount()
    december = IncidentTally.objects.get(
        school=pupil.school, month=dt.date(2025, 12, 1), kind="drug_sale"
    )
    assert december.count == 1
    assert not IncidentTally.objects.filter(
        school=pupil.school, month=dt.date(2025, 11, 1), kind="drug_sale"
    ).exists()
    march = WorryTally.objects.get(school=pupil.school, month=dt.date(2026, 3, 1))
    assert march.level == 3 and march.count == 1
    assert ConversationTally.objects.get(school=pupil.school, month=dt.date(2026, 10, 1)).days == 1


def test_a_refresh_writes_only_what_changed_and_twice_changes_nothing(world):
    insights_refresh()
    before = stored()
    assert insights_refresh().written == 0
    assert stored() == before
    Case.objects.bulk_create(
        [Case(**{**model_fields(world.case), "opened_at": world.case.opened_at})]
    )
    # The same school, month, band and level: one row's count goes up by one.
    assert insights_refresh().written == 1
    assert_tallies_match_a_recount()
    Case.objects.filter(pk=Case.objects.latest("pk").pk).delete()
    assert insights_refresh().written == 1
    assert stored() == before
    Case.objects.filter(pk=world.case.pk).delete()
    insights_refresh()
    assert_tallies_match_a_recount()
    assert stored() != before


def test_the_worker_tick_recounts_and_the_page_says_when(client, world):
    client.force_login(world.slt)
    page = client.get("/ansatt/innsikt/").content.decode()
    assert "Tallene er ikke talt opp ennå" in page
    periodic_run()
    stamp = TallyRefresh.objects.get(pk=1)
    assert stamp.refreshed_at == timezone.now() and stamp.seconds >= 0
    page = client.get("/ansatt/innsikt/").content.decode()
    assert "Talt opp 10. desember 2026 12:00" in page
    assert_tallies_match_a_recount()


def test_a_slow_recount_is_skipped_until_it_is_a_small_share_of_the_time(world):
    from varde.insights.services import RECOUNT_SHARE, insights_refresh_due

    stamp = insights_refresh()
    now = timezone.now()
    TallyRefresh.objects.filter(pk=1).update(refreshed_at=now, seconds=30)
    assert not insights_refresh_due(now=now + dt.timedelta(minutes=5))
    assert insights_refresh_due(now=now + dt.timedelta(seconds=30 / RECOUNT_SHARE))
    TallyRefresh.objects.filter(pk=1).update(refreshed_at=now, seconds=stamp.seconds)
    assert insights_refresh_due(now=now + dt.timedelta(minutes=5))
