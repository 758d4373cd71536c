"""The sandbox's queries on a real database: people in order, where a household lives."""

from __future__ import annotations

from bot.config import Settings
from emulator.sandbox.seed import demo_people, seed_database, village_centre
from storage.db import SessionFactory
from storage.queries import demo


async def test_demo_county_people_and_places(sessions: SessionFactory, settings: Settings) -> None:
    assert await seed_database(sessions, settings) is True
    assert await seed_database(sessions, settings) is False  # imported once
    people = await demo_people(sessions)
    assert len(people) == 15 and people[0].telegram_id == 10_001
    helper = people[0]
    async with sessions() as session:
        assert await demo.user_count(session) == 15
        first = await demo.household_place(session, household_id=None, helper_phone=helper.phone)
        assert first is not None and first.home_lat is not None  # homes come first
        homeless = [
            place
            for hid in range(1, 101)
            if (place := await demo.household_place(session, household_id=hid, helper_phone=""))
            and place.home_lat is None
        ]
        missing = await demo.household_place(session, household_id=10_000, helper_phone="")
    assert missing is None
    assert len(homeless) == 6
    for place in homeless:  # every household without a home still has a known village centre
        assert village_centre(place.township, place.village) is not None
    assert village_centre("青山鎮", "大寨村") is not None
    assert village_centre("龍塘鄉", "大寨村") is None
