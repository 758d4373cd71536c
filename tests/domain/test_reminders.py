"""The reminder schedule, quiet hours and who is behind, on a controllable clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.quota import HelperMonth, HouseholdMonth
from bot.domain.reminders import (
    DEFAULT_SCHEDULE,
    NO_QUIET_HOURS,
    ReminderRules,
    Stage,
    StageTime,
    due_stages,
    expected_by,
    needs_nudge,
    parse_quiet_hours,
    parse_schedule,
    stage_period,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
RULES = ReminderRules(
    schedule=parse_schedule(DEFAULT_SCHEDULE),
    quiet=parse_quiet_hours("21:00-08:00"),
    tz=SHANGHAI,
)


class FakeClock:
    """A clock the test moves by hand, in the bureau's local time."""

    def __init__(self, local: datetime) -> None:
        self.now = local.replace(tzinfo=SHANGHAI).astimezone(UTC)

    def at(self, local: datetime) -> datetime:
        """Move to a local moment and return it in UTC."""
        self.now = local.replace(tzinfo=SHANGHAI).astimezone(UTC)
        return self.now


def _month(*days_and_quotas: tuple[int, int]) -> HelperMonth:
    return HelperMonth(
        period=202611,
        households=tuple(
            HouseholdMonth(i, f"戶{i}", "東村", days, quota)
            for i, (days, quota) in enumerate(days_and_quotas, 1)
        ),
    )


def test_default_schedule_days() -> None:
    by_stage = {s.stage: s for s in RULES.schedule}
    assert by_stage[Stage.GENTLE].day_in(2026, 11) == date(2026, 11, 10)
    assert by_stage[Stage.FIRM].day_in(2026, 11) == date(2026, 11, 20)
    # Three days before the end: three days left counting that one.
    assert by_stage[Stage.URGENT].day_in(2026, 11) == date(2026, 11, 28)
    assert by_stage[Stage.URGENT].day_in(2026, 2) == date(2026, 2, 26)
    assert by_stage[Stage.DIGEST].day_in(2026, 12) == date(2026, 12, 1)


def test_a_stage_is_due_from_its_hour_to_the_end_of_its_day() -> None:
    clock = FakeClock(datetime(2026, 11, 20, 9, 59))
    assert due_stages(clock.now, RULES) == []
    assert due_stages(clock.at(datetime(2026, 11, 20, 10, 0)), RULES) == [(Stage.FIRM, 202611)]
    # The bot was down at ten: it catches up on coming back the same afternoon.
    assert due_stages(clock.at(datetime(2026, 11, 20, 16, 30)), RULES) == [(Stage.FIRM, 202611)]
    # Never the next day: by then the stage is stale.
    assert due_stages(clock.at(datetime(2026, 11, 21, 10, 0)), RULES) == []


def test_quiet_hours_hold_back_every_stage() -> None:
    clock = FakeClock(datetime(2026, 11, 20, 21, 0))
    assert due_stages(clock.now, RULES) == []
    early = ReminderRules(schedule=(StageTime(Stage.FIRM, 20, 6),), quiet=RULES.quiet, tz=SHANGHAI)
    assert due_stages(clock.at(datetime(2026, 11, 20, 7, 59)), early) == []
    # A stage set inside the quiet hours goes out when they end.
    assert due_stages(clock.at(datetime(2026, 11, 20, 8, 0)), early) == [(Stage.FIRM, 202611)]


def test_quiet_hours_within_one_day_and_none() -> None:
    lunch = parse_quiet_hours("12:00-13:30")
    assert lunch.contains(time(12, 0)) and lunch.contains(time(13, 29))
    assert not lunch.contains(time(13, 30)) and not lunch.contains(time(11, 59))
    assert parse_quiet_hours("") == NO_QUIET_HOURS
    assert not NO_QUIET_HOURS.contains(time(3, 0))


def test_the_digest_covers_the_month_that_just_ended() -> None:
    clock = FakeClock(datetime(2027, 1, 1, 9, 0))
    assert due_stages(clock.now, RULES) == [(Stage.DIGEST, 202612)]
    assert stage_period(Stage.DIGEST, date(2026, 12, 1)) == 202611
    assert stage_period(Stage.URGENT, date(2026, 11, 28)) == 202611


def test_the_time_zone_decides_the_day() -> None:
    # 02:00 UTC on the 20th is 10:00 in Shanghai: due there, not yet in UTC's evening.
    moment = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    assert due_stages(moment, RULES) == [(Stage.FIRM, 202611)]
    in_utc = ReminderRules(schedule=RULES.schedule, quiet=NO_QUIET_HOURS, tz=UTC)
    assert due_stages(moment, in_utc) == []


def test_helpers_who_met_the_quota_are_never_nudged() -> None:
    done = _month((2, 2), (3, 2))
    for stage in Stage:
        assert not needs_nudge(done, stage, date(2026, 11, 28))
    assert not needs_nudge(_month(), Stage.URGENT, date(2026, 11, 28))


def test_the_gentle_stage_goes_to_helpers_behind_pace_only() -> None:
    day10 = date(2026, 11, 10)
    assert expected_by(4, day10) == 2  # 4 * 10 / 30, rounded up
    assert needs_nudge(_month((0, 2), (1, 2)), Stage.GENTLE, day10)
    on_pace = _month((1, 2), (1, 2))
    assert not needs_nudge(on_pace, Stage.GENTLE, day10)
    # Later stages go to everyone still short.
    assert needs_nudge(on_pace, Stage.FIRM, date(2026, 11, 20))
    assert needs_nudge(on_pace, Stage.URGENT, date(2026, 11, 28))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("firm=20", "STAGE=DAY@HOUR"),
        ("sometime=3@10", "not a stage"),
        ("firm=0@10", "1 to 28"),
        ("firm=20@24", "0 to 23"),
        ("firm=20@10,firm=21@10", "twice"),
    ],
)
def test_bad_schedules_are_refused_with_a_reason(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_schedule(text)


def test_bad_quiet_hours_are_refused() -> None:
    for text in ("21-08", "25:00-08:00", "21:00-08:61"):
        with pytest.raises(ValueError):
            parse_quiet_hours(text)
