"""Queries of the sandbox about its demo county: who the people are, where households live."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.vocabulary import BenefitStatus, HouseholdStatus
from storage.models import (
    Assistance,
    BenefitEnrolment,
    GuaranteeRecord,
    HelpPlan,
    Household,
    IncomeEntry,
    OrgUnit,
    Pairing,
    User,
)


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


@dataclass(frozen=True)
class CaseSeed:
    """Demo case records of one household (amounts in CNY, guarantees as item keys)."""

    status: HouseholdStatus
    incomes: tuple[tuple[Decimal, date, str], ...] = ()
    guarantees: tuple[tuple[str, bool, str | None, date], ...] = ()
    benefits: tuple[tuple[str, BenefitStatus, date | None, str | None], ...] = ()
    plan: tuple[str, str] | None = None
    assistance: tuple[tuple[str, str, Decimal | None, date], ...] = ()


async def paired_households(session: AsyncSession) -> list[tuple[int, int]]:
    """(household id, helper id) of every currently paired household, by household id."""
    rows = await session.execute(
        select(Pairing.household_id, func.min(Pairing.helper_id))
        .where(Pairing.ended_on.is_(None))
        .group_by(Pairing.household_id)
        .order_by(Pairing.household_id)
    )
    return [(hid, helper) for hid, helper in rows]


async def add_case_records(
    session: AsyncSession, household_id: int, helper_id: int, seed: CaseSeed
) -> None:
    """Give a demo household its case records, as if its helper had entered them."""
    household = await session.get(Household, household_id)
    if household is None:
        return
    household.status = seed.status
    for amount, day, source in seed.incomes:
        session.add(
            IncomeEntry(
                household_id=household_id,
                per_capita=amount,
                source=source,
                recorded_on=day,
                recorded_by_id=helper_id,
            )
        )
        household.income_per_capita = float(amount)
    for item, met, note, day in seed.guarantees:
        session.add(
            GuaranteeRecord(
                household_id=household_id,
                item=item,
                met=met,
                note=note,
                recorded_on=day,
                recorded_by_id=helper_id,
            )
        )
    for policy, status, since, note in seed.benefits:
        session.add(
            BenefitEnrolment(
                household_id=household_id,
                category=policy,
                status=status,
                since=since,
                note=note,
                updated_by_id=helper_id,
            )
        )
    if seed.plan is not None:
        session.add(
            HelpPlan(
                household_id=household_id,
                goals=seed.plan[0],
                measures=seed.plan[1],
                written_by_id=helper_id,
            )
        )
    for kind, text, paid, day in seed.assistance:
        session.add(
            Assistance(
                household_id=household_id,
                helper_id=helper_id,
                category=kind,
                description=text,
                amount_cny=paid,
                given_on=day,
            )
        )
