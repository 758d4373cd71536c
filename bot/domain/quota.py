"""The monthly visit quota (每月不少於 X 次): the one rule every view and nudge uses.

A household's visits in a month count once per local calendar day (two visits on one day
are one); the month is the calendar month in the bureau's time zone; a household may carry
its own quota instead of the bureau's; a helper's progress is the sum over their currently
paired households, each capped at its quota.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo


def local_day(moment: datetime, tz: tzinfo) -> date:
    """The calendar day of a moment in the bureau's time zone."""
    return moment.astimezone(tz).date()


def period_of(moment: datetime, tz: tzinfo) -> int:
    """The quota month of a moment (year*100 + month, in the bureau's time zone)."""
    local = moment.astimezone(tz)
    return local.year * 100 + local.month


def period_label(period: int) -> str:
    """A quota month as people write it: 2026-11."""
    return f"{period // 100:04d}-{period % 100:02d}"


def period_bounds(period: int, tz: tzinfo) -> tuple[datetime, datetime]:
    """The first moment of the month and the first moment of the next, both in UTC."""
    year, month = divmod(period, 100)
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(next_year, next_month, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def visit_days(moments: Iterable[datetime], tz: tzinfo) -> int:
    """How many visits count: distinct local days among the visit times."""
    return len({local_day(m, tz) for m in moments})


def quota_for(override: int | None, default: int) -> int:
    """The quota of one household: its own when set, else the bureau's."""
    return default if override is None else max(0, override)


def counted(days: int, quota: int) -> int:
    """A household's visit days that count towards its helper's month: capped at its quota."""
    return min(days, quota)


@dataclass(frozen=True)
class MonthTotals:
    """A helper's month in figures: paired households, visits required, visits that count.

    The reminders' shortfall query computes these in SQL for every helper at once (a test
    checks it against `HelperMonth.totals` on random data).
    """

    period: int
    households: int
    required: int
    done: int

    @property
    def short(self) -> int:
        """Visits still missing."""
        return self.required - self.done

    @property
    def met(self) -> bool:
        """Every paired household had its visits (the capped sum reaches the requirement)."""
        return self.done >= self.required


@dataclass(frozen=True)
class HouseholdMonth:
    """One paired household's month: visit days against its quota."""

    household_id: int
    head_name: str
    village: str
    days: int
    quota: int

    @property
    def counted(self) -> int:
        """Visit days that count towards the helper's total (capped at the quota)."""
        return counted(self.days, self.quota)

    @property
    def met(self) -> bool:
        """The household had its visits this month."""
        return self.days >= self.quota

    @property
    def short(self) -> int:
        """Visits still missing this month."""
        return max(0, self.quota - self.days)


@dataclass(frozen=True)
class HelperMonth:
    """A helper's month over their currently paired households."""

    period: int
    households: Sequence[HouseholdMonth]

    @property
    def done(self) -> int:
        """Visits that count, each household capped at its quota."""
        return sum(h.counted for h in self.households)

    @property
    def required(self) -> int:
        """Visits the month asks for."""
        return sum(h.quota for h in self.households)

    @property
    def short(self) -> int:
        """Visits still missing."""
        return self.required - self.done

    @property
    def met(self) -> bool:
        """Every paired household had its visits."""
        return all(h.met for h in self.households)

    @property
    def totals(self) -> MonthTotals:
        """The month in figures."""
        return MonthTotals(self.period, len(self.households), self.required, self.done)

    def household(self, household_id: int) -> HouseholdMonth | None:
        """One household's line, if the helper is paired with it."""
        return next((h for h in self.households if h.household_id == household_id), None)
