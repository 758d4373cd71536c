"""The one quota rule, at the edges of days and months in the bureau's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.domain.quota import (
    HelperMonth,
    HouseholdMonth,
    local_day,
    period_bounds,
    period_label,
    period_of,
    quota_for,
    visit_days,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_late_evening_on_the_last_day_is_that_month_whatever_utc_says() -> None:
    evening = datetime(2026, 10, 31, 15, 30, tzinfo=UTC)  # 31 October, 23:30 in Shanghai
    assert period_of(evening, SHANGHAI) == 202610
    assert local_day(evening, SHANGHAI) == date(2026, 10, 31)
    just_after = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)  # 1 November, 00:30 locally
    assert period_of(just_after, SHANGHAI) == 202611
    assert local_day(just_after, SHANGHAI) == date(2026, 11, 1)
    assert period_of(just_after, UTC) == 202610  # the zone, not UTC, decides


def test_two_visits_on_one_local_day_count_once() -> None:
    morning = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # 09:00 local
    night = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)  # 23:00 local, same day
    after_midnight = datetime(2026, 11, 3, 16, 5, tzinfo=UTC)  # 00:05 on the 4th, same UTC day
    assert visit_days([morning, night], SHANGHAI) == 1
    assert visit_days([morning, night, after_midnight], SHANGHAI) == 2
    assert visit_days([], SHANGHAI) == 0


def test_month_bounds_are_local_midnights() -> None:
    start, end = period_bounds(202612, SHANGHAI)
    assert start == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert period_label(202612) == "2026-12"


def test_a_household_may_carry_its_own_quota() -> None:
    assert quota_for(None, 2) == 2
    assert quota_for(4, 2) == 4
    assert quota_for(0, 2) == 0
    assert quota_for(-1, 2) == 0


def test_helper_progress_is_capped_per_household() -> None:
    month = HelperMonth(
        period=202611,
        households=(
            HouseholdMonth(1, "甲", "東村", days=5, quota=2),  # extra visits do not carry over
            HouseholdMonth(2, "乙", "東村", days=1, quota=2),
            HouseholdMonth(3, "丙", "西村", days=0, quota=3),  # its own quota
        ),
    )
    assert month.done == 2 + 1 + 0
    assert month.required == 7
    assert month.short == 4
    assert not month.met
    first = month.household(1)
    second = month.household(2)
    assert first is not None and first.met and first.short == 0
    assert second is not None and not second.met and second.short == 1
    assert month.household(99) is None


def test_a_month_with_every_household_visited_is_met() -> None:
    month = HelperMonth(202611, (HouseholdMonth(1, "甲", "東村", days=2, quota=2),))
    assert month.met and month.short == 0
    assert HelperMonth(202611, ()).met  # nothing paired: nothing missing
