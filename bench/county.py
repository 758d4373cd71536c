"""The small county the whole-bot benchmarks run against: helpers bound to Telegram ids,
one paired household each, all at one home."""

from __future__ import annotations

from datetime import date

from bot.domain.vocabulary import OrgKind, Role
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import Household, OrgUnit, Pairing, User

HOME = (26.58, 106.71)


async def seed_county(
    db_url: str, *, place: str, helpers: int, first_uid: int, office_uid: int | None = None
) -> dict[int, int]:
    """Migrate and fill the database; returns each helper's Telegram id -> household id.

    Names start with `place` (the county 久測縣, helper 久測0, household 久測戶0); an office user
    is added when `office_uid` is given.
    """
    engine = create_engine(db_url)
    await upgrade(engine)
    households: dict[int, int] = {}
    async with session_factory(engine)() as session, session.begin():
        county = OrgUnit(kind=OrgKind.COUNTY, name=f"{place}縣", path="/")
        session.add(county)
        await session.flush()
        village = OrgUnit(kind=OrgKind.VILLAGE, name=f"{place}村", parent_id=county.id, path="/")
        session.add(village)
        if office_uid is not None:
            session.add(
                User(
                    name="辦公室",
                    phone=f"+86137{office_uid:08d}",
                    role=Role.OFFICE,
                    telegram_id=office_uid,
                )
            )
        await session.flush()
        for i in range(helpers):
            uid = first_uid + i
            helper = User(
                name=f"{place}{i}", phone=f"+86137{uid:08d}", role=Role.HELPER, telegram_id=uid
            )
            household = Household(
                head_name=f"{place}戶{i}",
                members=3,
                village_id=village.id,
                home_lat=HOME[0],
                home_lon=HOME[1],
                causes=[],
            )
            session.add_all([helper, household])
            await session.flush()
            session.add(
                Pairing(
                    helper_id=helper.id, household_id=household.id, started_on=date(2026, 1, 1)
                )
            )
            households[uid] = household.id
    await engine.dispose()
    return households
