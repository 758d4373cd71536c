"""The sandbox's queries on a real database: people in order, where a household lives."""

from __future__ import annotations

from bot.config import Settings
from bot.domain.households import Guarantee, RiskKind
from bot.domain.people import Actor
from bot.domain.vocabulary import BenefitStatus, Role
from bot.runtime import case_rules_from
from bot.services.households import exit_ready, household_card, risk_watch, scope_coverage
from emulator.sandbox.seed import demo_people, seed_database, village_centre
from storage.db import SessionFactory
from storage.queries import demo
from storage.uow import UnitOfWork


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


async def test_demo_county_has_varied_case_records(
    sessions: SessionFactory, settings: Settings
) -> None:
    assert await seed_database(sessions, settings) is True
    rules = case_rules_from(settings)
    office = next(p for p in await demo_people(sessions) if p.role == "office")
    async with sessions() as session:
        users = await demo.users_in_order(session)
    admin = Actor(next(u.id for u in users if u.phone == office.phone), "office", Role.OFFICE)
    ready = await exit_ready(UnitOfWork(sessions), admin, rules)
    flagged = await risk_watch(UnitOfWork(sessions), admin, rules)
    assert 10 <= len(ready) <= 20
    assert flagged and all(h.risks for h in flagged)
    assert {RiskKind.INCOME_BELOW_MONITORING, RiskKind.GUARANTEE_FAILED} <= {
        r.kind for h in flagged for r in h.risks
    }
    report = await scope_coverage(UnitOfWork(sessions), admin)
    assert 0 < report.total.enrolled < report.total.eligible
    # A helper's "one guarantee short" household: exactly safe housing is missing.
    paired = await _paired(sessions)
    helper_id = paired[1][1]
    helper = Actor(helper_id, "helper", Role.HELPER)
    card = await household_card(UnitOfWork(sessions), helper, paired[1][0], rules)
    assert [g.guarantee for g in card.readiness.gaps] == [Guarantee.HOUSING]
    states = set()
    for household_id, helper_id in paired[:6]:
        who = Actor(helper_id, "helper", Role.HELPER)
        found = await household_card(UnitOfWork(sessions), who, household_id, rules)
        states |= {b.status for b in found.benefits}
    assert states >= {
        BenefitStatus.NOT_ASSESSED,
        BenefitStatus.ELIGIBLE,
        BenefitStatus.ENROLLED,
        BenefitStatus.NOT_ELIGIBLE,
    }


async def _paired(sessions: SessionFactory) -> list[tuple[int, int]]:
    async with sessions() as session:
        return await demo.paired_households(session)
