"""Reminder stages, their schedule, quiet hours and who is behind: plain rules, no framework.

A stage fires on a local calendar day at a local hour. Days count from the month's start
(10 is the 10th) or, when negative, from its end (-3 is the third-last day, so three days are
left including that one). The office digest covers the month before the day it fires.
"""

from __future__ import annotations

import calendar
import enum
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from bot.domain.quota import HelperMonth, HouseholdMonth, MonthTotals


class Stage(enum.StrEnum):
    """A step of the month's reminders."""

    GENTLE = "gentle"  # a summary to helpers behind pace
    FIRM = "firm"  # a firmer one
    URGENT = "urgent"  # each household still short, with a button to log its visit
    DIGEST = "digest"  # to the office: who missed, by how much, who could not be reached


class Outcome(enum.StrEnum):
    """What became of one claimed nudge."""

    PENDING = "pending"  # claimed, not yet known to be delivered
    SENT = "sent"
    BLOCKED = "blocked"  # 403: the user blocked the bot or deleted the account
    FAILED = "failed"  # retries exhausted or refused for another reason


HELPER_STAGES = (Stage.GENTLE, Stage.FIRM, Stage.URGENT)


@dataclass(frozen=True)
class StageTime:
    """When one stage fires: a day of the month (negative: from its end) and a local hour."""

    stage: Stage
    day: int
    hour: int

    def day_in(self, year: int, month: int) -> date:
        """The calendar day this stage fires on in a given month."""
        last = calendar.monthrange(year, month)[1]
        number = self.day if self.day > 0 else last + self.day + 1
        return date(year, month, min(max(number, 1), last))


DEFAULT_SCHEDULE = "gentle=10@10,firm=20@10,urgent=-3@10,digest=1@9"
_ENTRY = re.compile(r"^\s*([a-z]+)\s*=\s*(-?\d+)\s*@\s*(\d+)\s*$")


def parse_schedule(text: str) -> tuple[StageTime, ...]:
    """`gentle=10@10,urgent=-3@10`: stage, day (negative from the month's end), hour."""
    entries: dict[Stage, StageTime] = {}
    for part in (p for p in text.split(",") if p.strip()):
        match = _ENTRY.match(part)
        if match is None:
            raise ValueError(f"{part.strip()!r} is not STAGE=DAY@HOUR, such as firm=20@10")
        name, day, hour = match.group(1), int(match.group(2)), int(match.group(3))
        try:
            stage = Stage(name)
        except ValueError:
            names = ", ".join(s.value for s in Stage)
            raise ValueError(f"{name!r} is not a stage; the stages are {names}") from None
        if day == 0 or not -28 <= day <= 28:
            raise ValueError(f"day {day} of {name} must be 1 to 28, or -1 to -28 from the end")
        if not 0 <= hour <= 23:
            raise ValueError(f"hour {hour} of {name} must be 0 to 23")
        if stage in entries:
            raise ValueError(f"{name} is given twice")
        entries[stage] = StageTime(stage, day, hour)
    return tuple(entries[s] for s in Stage if s in entries)


@dataclass(frozen=True)
class QuietHours:
    """Local hours with no sends, e.g. 21:00 to 08:00 (the span may cross midnight)."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        """Whether a local time of day is quiet."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


NO_QUIET_HOURS = QuietHours(time(0), time(0))


def parse_quiet_hours(text: str) -> QuietHours:
    """`21:00-08:00`; an empty text means no quiet hours."""
    if not text.strip():
        return NO_QUIET_HOURS
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
    if match is None:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM, such as 21:00-08:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM with hours 0-23 and minutes 0-59")
    return QuietHours(time(h1, m1), time(h2, m2))


@dataclass(frozen=True)
class ReminderRules:
    """The deployment's reminder schedule, quiet hours and time zone."""

    schedule: tuple[StageTime, ...]
    quiet: QuietHours
    tz: tzinfo

    def time_of(self, stage: Stage) -> StageTime | None:
        """When a stage fires, if it is scheduled at all."""
        return next((s for s in self.schedule if s.stage == stage), None)


def previous_period(period: int) -> int:
    """The month before a quota month."""
    year, month = divmod(period, 100)
    return (year - 1) * 100 + 12 if month == 1 else period - 1


def stage_period(stage: Stage, today: date) -> int:
    """The quota month a stage run on `today` is about (the digest: the month just ended)."""
    period = today.year * 100 + today.month
    return previous_period(period) if stage == Stage.DIGEST else period


def is_quiet(now: datetime, rules: ReminderRules) -> bool:
    """Whether `now` falls in the local quiet hours."""
    return rules.quiet.contains(now.astimezone(rules.tz).time())


def due_stages(now: datetime, rules: ReminderRules) -> list[tuple[Stage, int]]:
    """Stages to run at `now`, each with its quota month.

    A stage is due from its hour to the end of its day, outside quiet hours: a stage missed
    while nothing ran is caught up when it comes back the same day, and never later, so it
    cannot arrive after the next stage. Running a due stage twice is harmless: every nudge is
    claimed in the database once.
    """
    if is_quiet(now, rules):
        return []
    local = now.astimezone(rules.tz)
    today = local.date()
    return [
        (s.stage, stage_period(s.stage, today))
        for s in rules.schedule
        if s.day_in(today.year, today.month) == today and local.hour >= s.hour
    ]


def expected_by(required: int, today: date) -> int:
    """Visits a helper should have done by the end of `today` if spread over the month."""
    days = calendar.monthrange(today.year, today.month)[1]
    return math.ceil(required * today.day / days)


def needs_nudge(month: HelperMonth | MonthTotals, stage: Stage, today: date) -> bool:
    """Whether a helper gets this stage: never once the month is met.

    The gentle stage goes only to helpers behind pace (fewer visits than an even spread over
    the month would have by today); the later stages go to everyone still short.
    """
    totals = month.totals if isinstance(month, HelperMonth) else month
    if totals.met or not totals.households:
        return False
    if stage == Stage.GENTLE:
        return totals.done < expected_by(totals.required, today)
    return True


@dataclass(frozen=True)
class Standing:
    """A helper's month as the reminders see it: who to write to and how far behind."""

    helper_id: int
    name: str
    telegram_id: int | None
    language: str | None
    unreachable: bool
    totals: MonthTotals
    # The households still short, with names, for the message (filled only for recipients).
    short: tuple[HouseholdMonth, ...] = ()


def behind(standings: Iterable[Standing], stage: Stage, today: date) -> list[Standing]:
    """The helpers a stage goes to."""
    return [s for s in standings if needs_nudge(s.totals, stage, today)]


def missed(standings: Sequence[Standing]) -> list[Standing]:
    """Helpers whose month ended short, the furthest behind first."""
    short = [s for s in standings if s.totals.households and not s.totals.met]
    return sorted(short, key=lambda s: (-s.totals.short, s.name, s.helper_id))
