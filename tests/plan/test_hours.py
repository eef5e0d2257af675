from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from varde.plan.hours import HoursError, OpeningHours, describe, parse_hours

# Plain Python: the database under the test does not matter.
pytestmark = pytest.mark.any_database

OSLO = ZoneInfo("Europe/Oslo")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
ALL_DAYS = (*WEEKDAYS, "sat", "sun")

OFFICE_RAW: dict[str, Any] = {
    "weekly": {day: ["08:00-15:30"] for day in WEEKDAYS},
    "closed_on_public_holidays": True,
    "exceptions": [{"date": "2026-12-24", "hours": ["08:00-12:00"], "note": "Julaften"}],
}


def hours(raw: dict[str, Any]) -> OpeningHours:
    parsed = parse_hours(raw)
    assert parsed is not None
    return parsed


def oslo(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO, fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


OFFICE = hours(OFFICE_RAW)
# Open every night from 15:45 until 08:00 the next morning, on holidays too.
NIGHTS = hours({"weekly": {day: ["15:45-08:00"] for day in ALL_DAYS}})


# Weekly hours


def test_it_is_open_on_a_weekday_morning() -> None:
    assert OFFICE.is_open(oslo(2026, 6, 9, 10))


def test_it_is_closed_at_exactly_closing_time() -> None:
    assert OFFICE.is_open(oslo(2026, 6, 9, 15, 29))
    assert not OFFICE.is_open(oslo(2026, 6, 9, 15, 30))


def test_it_is_open_at_exactly_opening_time() -> None:
    assert not OFFICE.is_open(oslo(2026, 6, 9, 7, 59))
    assert OFFICE.is_open(oslo(2026, 6, 9, 8, 0))


def test_it_is_closed_on_saturday_evening() -> None:
    assert not OFFICE.is_open(oslo(2026, 12, 5, 19, 30))


def test_it_is_closed_on_sunday_noon() -> None:
    assert not OFFICE.is_open(oslo(2026, 12, 6, 12))


def test_it_reads_the_time_in_oslo_whatever_the_zone_of_the_input() -> None:
    # 10:00 in Oslo in June is 08:00 UTC and 04:00 in New York.
    assert OFFICE.is_open(utc(2026, 6, 9, 8))
    assert OFFICE.is_open(datetime(2026, 6, 9, 4, tzinfo=NEW_YORK))
    assert not OFFICE.is_open(utc(2026, 6, 9, 13, 30))


def test_it_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError):
        OFFICE.is_open(datetime(2026, 6, 9, 10))


def test_no_hours_means_always_open() -> None:
    assert parse_hours(None) is None
    assert hours({}).is_open(oslo(2026, 12, 25, 3))


# Holidays and exceptions


def test_it_is_closed_on_constitution_day_on_a_friday() -> None:
    assert date(2024, 5, 17).weekday() == 4
    assert not OFFICE.is_open(oslo(2024, 5, 17, 10))


def test_it_is_closed_on_ascension_thursday() -> None:
    assert not OFFICE.is_open(oslo(2026, 5, 14, 10))
    assert OFFICE.is_open(oslo(2026, 5, 15, 10))


def test_it_stays_open_on_holidays_unless_told_to_close() -> None:
    raw = {**OFFICE_RAW, "closed_on_public_holidays": False}
    assert hours(raw).is_open(oslo(2026, 5, 14, 10))


def test_it_closes_at_noon_on_christmas_eve() -> None:
    assert OFFICE.is_open(oslo(2026, 12, 24, 11, 59))
    assert not OFFICE.is_open(oslo(2026, 12, 24, 12))


def test_an_exception_opens_a_holiday() -> None:
    raw = {**OFFICE_RAW, "exceptions": [{"date": "2026-12-25", "hours": ["10:00-12:00"]}]}
    assert hours(raw).is_open(oslo(2026, 12, 25, 11))


def test_an_exception_without_hours_closes_the_day() -> None:
    raw = {**OFFICE_RAW, "exceptions": [{"date": "2026-12-31", "hours": [], "note": "Stengt"}]}
    assert not hours(raw).is_open(oslo(2026, 12, 31, 10))


# Intervals that cross midnight


def test_a_friday_night_interval_is_still_open_on_saturday_morning() -> None:
    friday_nights = hours({"weekly": {"fri": ["15:45-08:00"]}})
    assert not friday_nights.is_open(oslo(2026, 12, 4, 15, 44))
    assert friday_nights.is_open(oslo(2026, 12, 4, 23, 59))
    assert friday_nights.is_open(oslo(2026, 12, 5, 7))
    assert not friday_nights.is_open(oslo(2026, 12, 5, 8))


def test_a_night_interval_belongs_to_the_day_it_starts() -> None:
    weekly = {day: ["15:45-08:00"] for day in WEEKDAYS}
    weeknights = hours({"weekly": weekly, "closed_on_public_holidays": True})
    # Wednesday night runs into Ascension Thursday; Thursday night does not start at all.
    assert weeknights.is_open(oslo(2026, 5, 14, 7))
    assert not weeknights.is_open(oslo(2026, 5, 14, 16))
    assert not weeknights.is_open(oslo(2026, 5, 15, 7))


def test_a_closing_exception_ends_the_night_that_would_start_that_day() -> None:
    raw = {"weekly": {"fri": ["15:45-08:00"]}, "exceptions": [{"date": "2026-12-04"}]}
    assert not hours(raw).is_open(oslo(2026, 12, 5, 7))


def test_an_end_of_24_00_closes_at_midnight() -> None:
    evenings = hours({"weekly": {"mon": ["18:00-24:00"]}})
    assert evenings.is_open(oslo(2026, 6, 8, 23, 59))
    assert not evenings.is_open(oslo(2026, 6, 9, 0))


# Summer time


def test_it_is_closed_on_the_sunday_summer_time_starts() -> None:
    assert not OFFICE.is_open(oslo(2026, 3, 29, 10))


def test_it_opens_at_eight_summer_time_on_the_monday_after() -> None:
    assert not OFFICE.is_open(utc(2026, 3, 30, 5, 59))
    assert OFFICE.is_open(utc(2026, 3, 30, 6))
    assert oslo(2026, 3, 30, 8).utcoffset() == timedelta(hours=2)
    assert not OFFICE.is_open(utc(2026, 3, 30, 13, 30))


def test_it_is_closed_on_the_sunday_summer_time_ends() -> None:
    assert not OFFICE.is_open(oslo(2026, 10, 25, 10))


def test_it_opens_at_eight_winter_time_on_the_monday_after() -> None:
    assert not OFFICE.is_open(utc(2026, 10, 26, 6, 59))
    assert OFFICE.is_open(utc(2026, 10, 26, 7))
    assert not OFFICE.is_open(utc(2026, 10, 26, 14, 30))


def test_a_whole_sunday_lasts_23_hours_when_summer_time_starts() -> None:
    sundays = hours({"weekly": {"sun": ["00:00-24:00"]}})
    assert sundays.next_change(oslo(2026, 3, 28, 12)) == oslo(2026, 3, 29)
    closes = sundays.next_change(oslo(2026, 3, 29))
    assert closes == oslo(2026, 3, 30)
    assert closes is not None and _seconds(oslo(2026, 3, 29), closes) == 23 * 3600


def test_a_whole_sunday_lasts_25_hours_when_summer_time_ends() -> None:
    sundays = hours({"weekly": {"sun": ["00:00-24:00"]}})
    closes = sundays.next_change(oslo(2026, 10, 25))
    assert closes is not None and _seconds(oslo(2026, 10, 25), closes) == 25 * 3600


def test_a_night_across_the_spring_forward_ends_at_six_summer_time() -> None:
    saturday_night = hours({"weekly": {"sat": ["22:00-06:00"]}})
    assert saturday_night.is_open(utc(2026, 3, 29, 0, 59))  # 01:59 winter time
    assert saturday_night.is_open(utc(2026, 3, 29, 1))  # 03:00 summer time
    assert saturday_night.is_open(utc(2026, 3, 29, 3, 59))
    assert not saturday_night.is_open(utc(2026, 3, 29, 4))
    assert saturday_night.next_change(oslo(2026, 3, 28, 23)) == utc(2026, 3, 29, 4)


def test_a_night_across_the_fall_back_is_open_through_both_half_past_twos() -> None:
    saturday_night = hours({"weekly": {"sat": ["22:00-06:00"]}})
    assert saturday_night.is_open(oslo(2026, 10, 25, 2, 30, fold=0))
    assert saturday_night.is_open(oslo(2026, 10, 25, 2, 30, fold=1))
    closes = saturday_night.next_change(oslo(2026, 10, 24, 22))
    assert closes == utc(2026, 10, 25, 5)
    assert closes is not None and _seconds(oslo(2026, 10, 24, 22), closes) == 9 * 3600


def test_an_interval_starting_in_the_skipped_hour_starts_at_three() -> None:
    early = hours({"weekly": {"sun": ["02:30-04:00"]}})
    assert not early.is_open(utc(2026, 3, 29, 0, 59))
    assert early.is_open(utc(2026, 3, 29, 1))
    opens = early.next_change(oslo(2026, 3, 29))
    assert opens == oslo(2026, 3, 29, 3)
    assert opens is not None and opens.utcoffset() == timedelta(hours=2)


def test_an_interval_inside_the_skipped_hour_never_opens() -> None:
    skipped = hours({"weekly": {"sun": ["02:10-02:50"]}})
    assert skipped.next_change(oslo(2026, 3, 28, 12)) == oslo(2026, 4, 5, 2, 10)


def test_an_interval_starting_in_the_repeated_hour_starts_at_its_first_occurrence() -> None:
    early = hours({"weekly": {"sun": ["02:30-04:00"]}})
    assert not early.is_open(utc(2026, 10, 25, 0, 29))
    assert early.is_open(utc(2026, 10, 25, 0, 30))
    assert early.is_open(oslo(2026, 10, 25, 2, 30, fold=1))
    assert early.next_change(oslo(2026, 10, 25, 2, 45)) == utc(2026, 10, 25, 3)


def _seconds(start: datetime, end: datetime) -> float:
    return end.timestamp() - start.timestamp()


# next_change


def test_it_closes_next_at_half_past_three_on_a_weekday() -> None:
    closes = OFFICE.next_change(oslo(2026, 6, 5, 10))
    assert closes == oslo(2026, 6, 5, 15, 30)
    assert closes is not None and closes.tzinfo == OSLO


def test_it_opens_next_on_monday_after_a_weekend() -> None:
    assert OFFICE.next_change(oslo(2026, 6, 5, 15, 30)) == oslo(2026, 6, 8, 8)
    assert OFFICE.next_change(oslo(2026, 6, 6, 19, 30)) == oslo(2026, 6, 8, 8)


def test_it_opens_next_on_the_tuesday_after_easter() -> None:
    assert OFFICE.next_change(oslo(2026, 4, 1, 12)) == oslo(2026, 4, 1, 15, 30)
    assert OFFICE.next_change(oslo(2026, 4, 1, 15, 30)) == oslo(2026, 4, 7, 8)


def test_it_opens_next_on_monday_across_the_spring_forward() -> None:
    opens = OFFICE.next_change(oslo(2026, 3, 27, 15, 30))
    assert opens == utc(2026, 3, 30, 6)
    assert opens is not None and (opens.hour, opens.minute) == (8, 0)


def test_back_to_back_intervals_are_one_opening() -> None:
    split = hours({"weekly": {"mon": ["08:00-12:00", "12:00-16:00"], "tue": ["00:00-01:00"]}})
    assert split.next_change(oslo(2026, 6, 8, 9)) == oslo(2026, 6, 8, 16)


def test_a_night_running_into_the_next_night_is_one_opening() -> None:
    # Open every evening until the next morning: the morning close comes first.
    assert NIGHTS.next_change(oslo(2026, 6, 8, 23)) == oslo(2026, 6, 9, 8)


def test_there_is_no_next_change_when_it_is_always_open() -> None:
    always = hours({"weekly": {day: ["00:00-24:00"] for day in ALL_DAYS}})
    assert always.next_change(oslo(2026, 6, 8, 9)) is None
    assert hours({}).next_change(oslo(2026, 6, 8, 9)) is None


def test_there_is_no_next_change_when_it_is_never_open() -> None:
    assert hours({"weekly": {}}).next_change(oslo(2026, 6, 8, 9)) is None


def test_it_looks_fourteen_days_ahead_and_no_further() -> None:
    def only_on(day: str) -> OpeningHours:
        return hours({"weekly": {}, "exceptions": [{"date": day, "hours": ["10:00-11:00"]}]})

    assert only_on("2026-06-20").next_change(oslo(2026, 6, 8, 9)) == oslo(2026, 6, 20, 10)
    assert only_on("2026-06-30").next_change(oslo(2026, 6, 8, 9)) is None


# Properties

CONFIGS = [
    OFFICE,
    NIGHTS,
    hours({"weekly": {"fri": ["15:45-08:00"], "sat": ["22:00-06:00"], "sun": ["02:30-04:00"]}}),
    hours({"weekly": {"sun": ["02:10-02:50", "00:00-02:15"], "mon": ["01:00-03:00"]}}),
    hours({"weekly": {d: ["00:00-24:00"] for d in ALL_DAYS}, "closed_on_public_holidays": True}),
]


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


@st.composite
def _near_summer_time_changes(draw: st.DrawFn) -> datetime:
    # Uniform moments almost never land on the two nights a year the clocks change.
    sunday = _last_sunday(draw(st.integers(2020, 2035)), draw(st.sampled_from([3, 10])))
    seconds = draw(st.integers(-2 * 86400, 2 * 86400))
    return datetime(sunday.year, sunday.month, sunday.day, 1, tzinfo=UTC) + timedelta(
        seconds=seconds
    )


moments = st.one_of(
    st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
    ),
    _near_summer_time_changes(),
)
zones = st.sampled_from([UTC, OSLO, NEW_YORK])
configs = st.sampled_from(CONFIGS)
fractions = st.lists(st.floats(min_value=0, max_value=1, exclude_max=True), max_size=5)


@settings(max_examples=300)
@given(config=configs, moment=moments, zone=zones, data=st.data())
def test_the_state_flips_at_next_change_and_holds_until_then(
    config: OpeningHours, moment: datetime, zone: ZoneInfo, data: st.DataObject
) -> None:
    at = moment.astimezone(zone)
    state = config.is_open(at)
    change = config.next_change(at)
    # Compare in UTC: same-zone datetimes compare by wall clock and ignore fold.
    until = moment + timedelta(days=14) if change is None else change.astimezone(UTC)
    assert until > moment
    assert until - moment <= timedelta(days=14)
    for fraction in [0.0, *data.draw(fractions)]:
        # min() because a fraction just below 1 can round up to `until` in microseconds.
        point = min(moment + (until - moment) * fraction, until - timedelta(microseconds=1))
        assert config.is_open(point) == state
    if change is not None:
        assert change.tzinfo == OSLO
        assert config.is_open(change) != state
        assert config.is_open(until - timedelta(microseconds=1)) == state


@settings(max_examples=300)
@given(config=configs, moment=moments, zone=zones)
def test_the_answer_does_not_depend_on_the_zone_of_the_input(
    config: OpeningHours, moment: datetime, zone: ZoneInfo
) -> None:
    at = moment.astimezone(zone)
    assert config.is_open(at) == config.is_open(moment)
    here, there = config.next_change(at), config.next_change(moment)
    assert (here is None) == (there is None)
    if here is not None and there is not None:
        assert here.timestamp() == there.timestamp()


# Parsing


def test_it_names_an_impossible_time() -> None:
    with pytest.raises(HoursError) as error:
        parse_hours({"weekly": {"mon": ["08:00-25:00"]}})
    assert str(error.value) == (
        "Ugyldig klokkeslett «25:00» for mandag. Bruk TT:MM, for eksempel 08:00."
    )


@pytest.mark.parametrize(
    "bad", ["8:00-15:30", "08:60-15:30", "08:00-15:30-16:00", "08:00", "lunsj", 800]
)
def test_it_rejects_badly_written_intervals(bad: object) -> None:
    with pytest.raises(HoursError, match="tirsdag"):
        parse_hours({"weekly": {"tue": [bad]}})


def test_it_names_an_unknown_day() -> None:
    with pytest.raises(HoursError, match="«monday»"):
        parse_hours({"weekly": {"monday": ["08:00-15:30"]}})


def test_it_names_an_impossible_date() -> None:
    with pytest.raises(HoursError, match="«2026-13-01»"):
        parse_hours({"exceptions": [{"date": "2026-13-01", "hours": []}]})


def test_it_names_a_date_written_the_norwegian_way() -> None:
    with pytest.raises(HoursError, match="«24.12.2026»"):
        parse_hours({"exceptions": [{"date": "24.12.2026", "hours": []}]})


def test_it_accepts_a_date_yaml_has_already_read() -> None:
    parsed = hours({"weekly": {}, "exceptions": [{"date": date(2026, 12, 24), "hours": []}]})
    exception = parsed.exception_on(date(2026, 12, 24))
    assert exception is not None and exception.intervals == ()


def test_it_refuses_the_same_date_twice() -> None:
    twice = [{"date": "2026-12-24"}, {"date": "2026-12-24", "hours": ["08:00-12:00"]}]
    with pytest.raises(HoursError, match="2026-12-24"):
        parse_hours({"exceptions": twice})


def test_it_refuses_24_00_as_a_start() -> None:
    with pytest.raises(HoursError, match="24:00"):
        parse_hours({"weekly": {"mon": ["24:00-08:00"]}})


def test_it_names_an_unknown_key() -> None:
    with pytest.raises(HoursError, match="«exeptions»"):
        parse_hours({"exeptions": []})


def test_it_wants_true_or_false_for_holidays() -> None:
    with pytest.raises(HoursError, match="closed_on_public_holidays"):
        parse_hours({"closed_on_public_holidays": "ja"})


def test_it_accepts_an_en_dash_between_times() -> None:
    assert hours({"weekly": {"mon": ["08:00–15:30"]}}).is_open(oslo(2026, 6, 8, 10))


# Describing


def test_it_describes_office_hours() -> None:
    assert describe(OFFICE) == [
        "Mandag–fredag 08:00–15:30",
        "Lørdag–søndag stengt",
        "Stengt helligdager",
        "24.12.2026 (Julaften): 08:00–12:00",
    ]


def test_it_describes_a_night_service() -> None:
    raw = {
        "weekly": {
            **{day: ["15:45-08:00"] for day in ("mon", "tue", "wed", "thu")},
            "fri": ["15:45-24:00"],
            "sat": ["00:00-24:00"],
            "sun": ["00:00-24:00"],
        }
    }
    assert describe(hours(raw)) == [
        "Mandag–torsdag 15:45–08:00",
        "Fredag 15:45–24:00",
        "Lørdag–søndag hele døgnet",
    ]


def test_it_describes_a_service_open_around_the_clock() -> None:
    assert describe(None) == ["Døgnåpen"]
    assert describe(hours({"weekly": {day: ["00:00-24:00"] for day in ALL_DAYS}})) == ["Døgnåpen"]


def test_it_describes_a_single_day_and_a_split_day() -> None:
    raw = {"weekly": {"wed": ["09:00-11:00", "12:00-14:00"]}}
    assert describe(hours(raw)) == [
        "Mandag–tirsdag stengt",
        "Onsdag 09:00–11:00, 12:00–14:00",
        "Torsdag–søndag stengt",
    ]
