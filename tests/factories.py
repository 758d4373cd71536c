"""Small builders of domain rows for tests (real rows in a real database, no mocks)."""

from __future__ import annotations

from datetime import date
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.vocabulary import OrgKind, Role
from storage.models import Household, OrgUnit, Pairing, User

_seq = count(1)


async def make_village(session: AsyncSession, name: str = "東村") -> OrgUnit:
    """A county with one village under it."""
    county = OrgUnit(kind=OrgKind.COUNTY, name=f"示範縣{next(_seq)}")
    session.add(county)
    await session.flush()
    county.path = f"/{county.id}/"
    village = OrgUnit(kind=OrgKind.VILLAGE, name=name, parent_id=county.id)
    session.add(village)
    await session.flush()
    village.path = f"{county.path}{village.id}/"
    return village


async def make_user(
    session: AsyncSession,
    name: str = "王芳",
    *,
    phone: str | None = None,
    role: Role = Role.HELPER,
    telegram_id: int | None = None,
) -> User:
    """A user with a unique fictitious phone number unless one is given."""
    user = User(
        name=name,
        phone=phone or f"+86138000{next(_seq):05d}",
        role=role,
        telegram_id=telegram_id,
    )
    session.add(user)
    await session.flush()
    return user


async def make_household(
    session: AsyncSession,
    village: OrgUnit,
    head_name: str = "李四",
    *,
    helper: User | None = None,
    home: tuple[float, float] | None = None,
) -> Household:
    """A household in `village`, paired with `helper` when given."""
    household = Household(
        head_name=head_name,
        members=3,
        village_id=village.id,
        causes=["因病"],
        home_lat=home[0] if home else None,
        home_lon=home[1] if home else None,
    )
    session.add(household)
    await session.flush()
    if helper is not None:
        session.add(
            Pairing(helper_id=helper.id, household_id=household.id, started_on=date(2026, 1, 1))
        )
        await session.flush()
    return household
