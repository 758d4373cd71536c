"""Queries of the sandbox about its demo county: who the people are, where households live."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Household, OrgUnit, Pairing, User


@dataclass(frozen=True)
class HouseholdPlace:
    """Where a household lives, as far as the database knows."""

    household_id: int
    head_name: str
    home_lat: float | None
    home_lon: float | None
    village: str
    township: str | None


async def user_count(session: AsyncSession) -> int:
    """How many users (of any role) the database has."""
    return int(await session.scalar(select(func.count(User.id))) or 0)


async def users_in_order(session: AsyncSession) -> list[User]:
    """Every user in the order they were imported."""
    return list(await session.scalars(select(User).order_by(User.id)))


async def household_place(
    session: AsyncSession, *, household_id: int | None, helper_phone: str
) -> HouseholdPlace | None:
    """The given household, else the first one paired with the helper (homes first)."""
    township = aliased(OrgUnit)
    query = (
        select(
            Household.id,
            Household.head_name,
            Household.home_lat,
            Household.home_lon,
            OrgUnit.name,
            township.name,
        )
        .join(OrgUnit, OrgUnit.id == Household.village_id)
        .outerjoin(township, township.id == OrgUnit.parent_id)
    )
    if household_id is not None:
        query = query.where(Household.id == household_id)
    else:
        query = (
            query.join(Pairing, Pairing.household_id == Household.id)
            .join(User, User.id == Pairing.helper_id)
            .where(User.phone == helper_phone, Pairing.ended_on.is_(None))
            .order_by(Household.home_lat.is_(None), Household.id)
        )
    row = (await session.execute(query.limit(1))).first()
    if row is None:
        return None
    hid, head, lat, lon, village, town = row
    return HouseholdPlace(hid, head, lat, lon, village, town)
