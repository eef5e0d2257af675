from __future__ import annotations

from datetime import date

import pytest

from varde.lib.holidays import easter_sunday, is_public_holiday, public_holidays

# Plain Python: the database under the test does not matter.
pytestmark = pytest.mark.any_database


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_it_finds_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter
    assert public_holidays(year)[easter] == "1. påskedag"


def test_it_lists_the_twelve_holidays_of_2026_in_order() -> None:
    assert public_holidays(2026) == {
        date(2026, 1, 1): "1. nyttårsdag",
        date(2026, 4, 2): "Skjærtorsdag",
        date(2026, 4, 3): "Langfredag",
        date(2026, 4, 5): "1. påskedag",
        date(2026, 4, 6): "2. påskedag",
        date(2026, 5, 1): "Offentlig høytidsdag",
        date(2026, 5, 14): "Kristi himmelfartsdag",
        date(2026, 5, 17): "Grunnlovsdag",
        date(2026, 5, 24): "1. pinsedag",
        date(2026, 5, 25): "2. pinsedag",
        date(2026, 12, 25): "1. juledag",
        date(2026, 12, 26): "2. juledag",
    }
    assert list(public_holidays(2026)) == sorted(public_holidays(2026))


def test_it_keeps_both_names_when_ascension_falls_on_may_day() -> None:
    both = "Offentlig høytidsdag og Kristi himmelfartsdag"
    assert public_holidays(2008)[date(2008, 5, 1)] == both


def test_it_knows_holidays_from_ordinary_days() -> None:
    assert is_public_holiday(date(2026, 5, 17))
    assert is_public_holiday(date(2026, 5, 14))
    assert not is_public_holiday(date(2026, 12, 24))
    assert not is_public_holiday(date(2026, 5, 18))


def test_changing_the_returned_dict_does_not_change_the_calendar() -> None:
    public_holidays(2030).clear()
    assert is_public_holiday(date(2030, 12, 25))
    assert len(public_holidays(2030)) == 12
