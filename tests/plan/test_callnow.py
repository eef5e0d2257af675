from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from varde.plan.callnow import (
    CallStep,
    PlanReferenceError,
    UnknownSituation,
    situation_keys,
    tel_uri,
    who_to_call,
)

# Plain Python: the database under the test does not matter.
pytestmark = pytest.mark.any_database

OSLO = ZoneInfo("Europe/Oslo")
OFFICE_HOURS = {
    "weekly": {day: ["08:00-15:30"] for day in ("mon", "tue", "wed", "thu", "fri")},
    "closed_on_public_holidays": True,
}

# A small plan shaped like Lunner's: the child welfare office by day, its on-call service and
# the national helpline around the clock, and the police.
PLAN: dict[str, Any] = {
    "services": [
        {
            "key": "barnevern",
            "name": "Barnevernet",
            "contacts": [
                {
                    "key": "office",
                    "label": "Barneverntjenesten",
                    "phone": "906 42 577",
                    "hours": OFFICE_HOURS,
                    "note": "Anonyme drøftinger, råd og veiledning.",
                },
                {"key": "vakt", "label": "Barnevernvakten", "phone": "64 99 32 70"},
            ],
        },
        {
            "key": "alarmtelefonen",
            "name": "Alarmtelefonen for barn og unge",
            "contacts": [{"key": "main", "label": "Alarmtelefonen", "phone": "116 111"}],
        },
        {
            "key": "politiet",
            "name": "Politiet",
            "contacts": [{"key": "operasjonssentral", "label": "Politiet", "phone": "02800"}],
        },
        {
            "key": "nodetater",
            "name": "Nødetatene",
            "contacts": [{"key": "politi", "label": "Politi (nødnummer)", "phone": "112"}],
        },
    ],
    "situations": [
        {
            "key": "acute_danger",
            "title": "Noen er i akutt fare",
            "steps": [
                {"contact": "nodetater.politi", "why": "Ring 112 når liv og helse er i fare."},
                {"contact": "barnevern.office", "when": "open", "why": "Varsle barnevernet."},
                {
                    "contact": "barnevern.vakt",
                    "when": "closed",
                    "of": "barnevern.office",
                    "why": "Varsle barnevernvakten.",
                },
            ],
        },
        {
            "key": "worried",
            "title": "Jeg er bekymret for en elev",
            "steps": [
                {"contact": "barnevern.office", "when": "open", "why": "Ring for råd."},
                {
                    "contact": "barnevern.vakt",
                    "when": "closed",
                    "of": "barnevern.office",
                    "why": "Barneverntjenesten er stengt; ring barnevernvakten.",
                },
                {"contact": "alarmtelefonen.main", "why": "Eleven kan selv ringe 116 111."},
            ],
        },
        {
            "key": "drug_sale",
            "title": "Jeg mistenker salg av rusmidler",
            "steps": [
                {"contact": "politiet.operasjonssentral", "why": "Meld fra til politiet."},
                {"contact": "nodetater.politi", "why": "Ring 112 hvis noen er i fare."},
            ],
        },
        {
            "key": "advice",
            "title": "Jeg vil ha råd",
            "steps": [
                {"contact": "barnevern.office"},
                {"contact": "alarmtelefonen.main", "when": "always"},
            ],
        },
    ],
}


def oslo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


def contacts(steps: list[CallStep]) -> list[str]:
    return [f"{step.service_key}.{step.contact_key}" for step in steps]


SATURDAY_EVENING = oslo(2026, 12, 5, 19, 30)
TUESDAY_MORNING = oslo(2026, 12, 8, 10)
CHRISTMAS_DAY = oslo(2026, 12, 25, 10)


def test_a_worried_teacher_on_saturday_evening_calls_the_on_call_service_then_helpline() -> None:
    steps = who_to_call(PLAN, "worried", SATURDAY_EVENING)
    assert contacts(steps) == ["barnevern.vakt", "alarmtelefonen.main"]
    assert steps[0].tel == "tel:64993270"
    assert steps[0].why == "Barneverntjenesten er stengt; ring barnevernvakten."


def test_a_worried_teacher_on_tuesday_morning_calls_the_office_first() -> None:
    steps = who_to_call(PLAN, "worried", TUESDAY_MORNING)
    assert contacts(steps) == ["barnevern.office", "alarmtelefonen.main"]
    office = steps[0]
    assert office.open_now
    assert office.closes_at == oslo(2026, 12, 8, 15, 30)
    assert office.opens_at is None
    assert office.tel == "tel:90642577"
    assert office.phone == "906 42 577"
    assert office.label == "Barneverntjenesten"
    assert office.service_name == "Barnevernet"
    assert office.note == "Anonyme drøftinger, råd og veiledning."


def test_a_worried_teacher_on_christmas_day_calls_the_on_call_service() -> None:
    assert contacts(who_to_call(PLAN, "worried", CHRISTMAS_DAY))[0] == "barnevern.vakt"


def test_the_office_counts_as_closed_from_half_past_three() -> None:
    steps = who_to_call(PLAN, "worried", oslo(2026, 12, 8, 15, 30))
    assert contacts(steps)[0] == "barnevern.vakt"


@pytest.mark.parametrize("at", [SATURDAY_EVENING, TUESDAY_MORNING, CHRISTMAS_DAY])
def test_drug_sale_always_starts_with_the_police(at: datetime) -> None:
    first = who_to_call(PLAN, "drug_sale", at)[0]
    assert first.tel == "tel:02800"
    assert first.service_name == "Politiet"


@pytest.mark.parametrize("at", [SATURDAY_EVENING, TUESDAY_MORNING, CHRISTMAS_DAY])
def test_acute_danger_always_starts_with_112(at: datetime) -> None:
    first = who_to_call(PLAN, "acute_danger", at)[0]
    assert first.tel == "tel:112"
    assert first.why == "Ring 112 når liv og helse er i fare."


def test_a_contact_without_hours_is_open_with_no_change_ahead() -> None:
    helpline = who_to_call(PLAN, "worried", SATURDAY_EVENING)[1]
    assert helpline.open_now
    assert helpline.closes_at is None
    assert helpline.opens_at is None


def test_a_closed_contact_says_when_it_opens() -> None:
    office = who_to_call(PLAN, "advice", SATURDAY_EVENING)[0]
    assert not office.open_now
    assert office.opens_at == oslo(2026, 12, 7, 8)
    assert office.closes_at is None
    assert office.why == ""


def test_the_time_can_be_given_in_utc() -> None:
    at = datetime(2026, 12, 8, 9, tzinfo=ZoneInfo("UTC"))  # 10:00 in Oslo
    assert contacts(who_to_call(PLAN, "worried", at))[0] == "barnevern.office"


def test_it_lists_the_situations_in_order() -> None:
    assert situation_keys(PLAN) == [
        ("acute_danger", "Noen er i akutt fare"),
        ("worried", "Jeg er bekymret for en elev"),
        ("drug_sale", "Jeg mistenker salg av rusmidler"),
        ("advice", "Jeg vil ha råd"),
    ]
    assert situation_keys({}) == []


def test_it_refuses_an_unknown_situation() -> None:
    with pytest.raises(UnknownSituation):
        who_to_call(PLAN, "fire", TUESDAY_MORNING)


def test_it_refuses_a_step_pointing_at_a_missing_contact() -> None:
    plan = {**PLAN, "situations": [{"key": "x", "steps": [{"contact": "barnevern.nobody"}]}]}
    with pytest.raises(PlanReferenceError, match="barnevern.nobody"):
        who_to_call(plan, "x", TUESDAY_MORNING)


def test_it_refuses_an_unknown_condition() -> None:
    step = {"contact": "barnevern.office", "when": "sometimes"}
    plan = {**PLAN, "situations": [{"key": "x", "steps": [step]}]}
    with pytest.raises(PlanReferenceError, match="sometimes"):
        who_to_call(plan, "x", TUESDAY_MORNING)


def test_a_contact_without_a_phone_has_no_tel_link() -> None:
    service = {"key": "web", "name": "Nettsiden", "contacts": [{"key": "chat", "label": "Chat"}]}
    plan = {"services": [service], "situations": [{"key": "x", "steps": [{"contact": "web.chat"}]}]}
    step = who_to_call(plan, "x", TUESDAY_MORNING)[0]
    assert step.phone is None
    assert step.tel is None


@pytest.mark.parametrize(
    ("phone", "uri"),
    [
        ("906 42 577", "tel:90642577"),
        ("64 99 32 70", "tel:64993270"),
        ("02800", "tel:02800"),
        ("116 111", "tel:116111"),
        ("+47 22 22 22 22", "tel:+4722222222"),
        ("112", "tel:112"),
    ],
)
def test_it_dials_the_digits_of_a_phone_number(phone: str, uri: str) -> None:
    assert tel_uri(phone) == uri
