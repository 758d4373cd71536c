"""A helper's month against the visit quota: the one use case every view of it shares."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.quota import HelperMonth, HouseholdMonth, period_of, quota_for
from bot.domain.script import fold
from bot.domain.visits import VisitRules
from storage.queries.households import PairedRow
from storage.uow import UnitOfWork


def month_of(rows: Sequence[PairedRow], period: int, default_quota: int) -> HelperMonth:
    """A helper's month from their paired households' visit days (one helper, one month)."""
    return HelperMonth(
        period=period,
        households=tuple(
            HouseholdMonth(
                household_id=r.household_id,
                head_name=r.head_name,
                village=r.village,
                days=r.days,
                quota=quota_for(r.quota_override, default_quota),
            )
            for r in rows
        ),
    )


async def helper_month_in(
    uow: UnitOfWork, helper_id: int, period: int, default_quota: int
) -> HelperMonth:
    """The month inside an open unit of work (shared by the save receipt)."""
    rows = await uow.households.paired_with_days(helper_id, period)
    return month_of(rows, period, default_quota)


async def helper_month(
    uow: UnitOfWork, helper_id: int, now: datetime, rules: VisitRules
) -> HelperMonth:
    """The helper's currently paired households with this month's visit days and quotas."""
    async with uow:
        return await helper_month_in(uow, helper_id, period_of(now, rules.tz), rules.default_quota)


def matching(month: HelperMonth, search: str) -> list[HouseholdMonth]:
    """The month's households whose head's name contains `search`, in either script."""
    key = fold(search)
    return [h for h in month.households if key in fold(h.head_name)]
