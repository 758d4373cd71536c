"""Households, their pairings with helpers, and the month's visit days per household."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.people import Scope
from storage.models import Household, OrgUnit, Pairing, User, Visit


@dataclass(frozen=True)
class PairedRow:
    """A helper's currently paired household with its visit days in one month."""

    household_id: int
    head_name: str
    village: str
    quota_override: int | None
    days: int


def _paired_with_days() -> Select[int, str, str, int | None, Any]:
    """The helper's paired households with the month's visit days (helper_id, period)."""
    # Distinct local days with a visit by anyone: the quota is the household's. Only the
    # helper's households are counted: the grouped subquery is not narrowed by the join,
    # and would otherwise count the month of the whole county for each /visit.
    helper = bindparam("helper_id", type_=Integer)
    mine = select(Pairing.household_id).where(
        Pairing.helper_id == helper, Pairing.ended_on.is_(None)
    )
    days = (
        select(
            Visit.household_id,
            func.count(func.distinct(Visit.local_day)).label("days"),
        )
        .where(Visit.period == bindparam("period", type_=Integer), Visit.household_id.in_(mine))
        .group_by(Visit.household_id)
        .subquery()
    )
    return (
        select(
            Household.id,
            Household.head_name,
            OrgUnit.name,
            Household.visit_quota,
            func.coalesce(days.c.days, 0),
        )
        .join(Pairing, Pairing.household_id == Household.id)
        .join(OrgUnit, OrgUnit.id == Household.village_id)
        .outerjoin(days, days.c.household_id == Household.id)
        .where(Pairing.helper_id == helper, Pairing.ended_on.is_(None))
        .order_by(OrgUnit.name, Household.head_name, Household.id)
    )


# Built once: on every /visit and every save, building these statements and their cache
# keys cost SQLAlchemy about as much CPU as running them (bench.ingest).
_PAIRED_WITH_DAYS = _paired_with_days()
_PAIRED = (
    select(Household)
    .join(Pairing, Pairing.household_id == Household.id)
    .where(
        Household.id == bindparam("household_id", type_=Integer),
        Pairing.helper_id == bindparam("helper_id", type_=Integer),
        Pairing.ended_on.is_(None),
    )
)


class HouseholdQueries:
    """Queries over households and pairings, in one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def paired_with_days(self, helper_id: int, period: int) -> list[PairedRow]:
        """The helper's currently paired households, by village and name, with visit days."""
        rows = await self.session.execute(
            _PAIRED_WITH_DAYS, {"helper_id": helper_id, "period": period}
        )
        return [PairedRow(i, name, village, q, int(n)) for i, name, village, q, n in rows]

    async def get(self, household_id: int) -> Household | None:
        """A household by id (callers check pairing or scope themselves)."""
        return await self.session.get(Household, household_id)

    async def paired(self, helper_id: int, household_id: int) -> Household | None:
        """The household if the helper is currently paired with it."""
        return await self.session.scalar(
            _PAIRED, {"helper_id": helper_id, "household_id": household_id}
        )

    async def in_scope(self, household_id: int, scope: Scope) -> Household | None:
        """The household if it lies in the scope (village subtree, helper's department)."""
        query = (
            select(Household)
            .join(OrgUnit, OrgUnit.id == Household.village_id)
            .where(Household.id == household_id)
        )
        if scope.org_path is not None:
            query = query.where(OrgUnit.path.startswith(scope.org_path, autoescape=True))
        if scope.department_id is not None:
            helpers = (
                select(Pairing.household_id)
                .join(User, User.id == Pairing.helper_id)
                .where(Pairing.ended_on.is_(None), User.department_id == scope.department_id)
            )
            query = query.where(Household.id.in_(helpers))
        return await self.session.scalar(query)
