"""Case-record use cases on both databases: access, writes with history, lists, coverage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.domain.errors import BadAmount, HouseholdNotFound, HouseholdReadOnly
from bot.domain.households import CaseRules, GapKind, Guarantee, RiskKind
from bot.domain.people import Actor, Scope
from bot.domain.vocabulary import BenefitStatus, HouseholdStatus, Role
from bot.services.case_records import (
    AssistanceDraft,
    parse_amount,
    record_assistance,
    record_guarantee,
    record_income,
    set_benefit,
    write_plan,
)
from bot.services.households import (
    exit_ready,
    find_households,
    helper_coverage,
    household_card,
    household_history,
    risk_watch,
    scope_coverage,
)
from storage.db import SessionFactory
from storage.models import Assistance, Household
from storage.uow import UnitOfWork
from tests.factories import make_household, make_user, make_village

Uows = Callable[[], UnitOfWork]
RULES = CaseRules(income_line=4000.0, monitoring_line=4500.0, months_between=6)
TODAY = date(2026, 11, 20)


class World:
    """Two helpers, each with a household, an office user over the county."""

    mine: int
    theirs: int
    helper: Actor
    other: Actor
    office: Actor
    village_path: str


async def _world(sessions: SessionFactory) -> World:
    world = World()
    async with sessions() as session, session.begin():
        village = await make_village(session, "東村")
        helper = await make_user(session, "王芳")
        other = await make_user(session, "趙六")
        office = await make_user(session, "審核員", role=Role.OFFICE)
        world.mine = (await make_household(session, village, "李四", helper=helper)).id
        world.theirs = (await make_household(session, village, "張三", helper=other)).id
        world.village_path = village.path
    world.helper = Actor(helper.id, helper.name, Role.HELPER)
    world.other = Actor(other.id, other.name, Role.HELPER)
    world.office = Actor(office.id, office.name, Role.OFFICE)
    return world


async def _walk_to_ready(uows: Uows, world: World) -> None:
    for amount, day in ((Decimal("4100"), date(2026, 5, 1)), (Decimal("4300"), TODAY)):
        await record_income(
            uows(), world.helper, household_id=world.mine, per_capita=amount, source="務工", on=day
        )
    for item in Guarantee:
        await record_guarantee(
            uows(),
            world.helper,
            household_id=world.mine,
            item=item,
            met=True,
            note=None,
            today=TODAY,
        )


async def test_a_helper_brings_a_household_to_exit_ready(
    uows: Uows, sessions: SessionFactory
) -> None:
    world = await _world(sessions)
    card = await household_card(uows(), world.helper, world.mine, RULES)
    assert not card.readiness.ready and card.can_edit
    await _walk_to_ready(uows, world)
    await record_guarantee(
        uows(),
        world.helper,
        household_id=world.mine,
        item=Guarantee.HOUSING,
        met=False,
        note="屋頂漏雨",
        today=TODAY,
    )
    card = await household_card(uows(), world.helper, world.mine, RULES)
    assert [(g.kind, g.guarantee) for g in card.readiness.gaps] == [
        (GapKind.GUARANTEE_NOT_MET, Guarantee.HOUSING)
    ]
    assert card.guarantees[Guarantee.HOUSING].note == "屋頂漏雨"
    assert await exit_ready(uows(), world.office, RULES) == []
    await record_guarantee(
        uows(),
        world.helper,
        household_id=world.mine,
        item=Guarantee.HOUSING,
        met=True,
        note="已修繕",
        today=TODAY,
    )
    card = await household_card(uows(), world.helper, world.mine, RULES)
    assert card.readiness.ready
    listed = await exit_ready(uows(), world.office, RULES)
    assert [h.household_id for h in listed] == [world.mine]
    # History keeps both housing assessments, with old and new values, newest first.
    history = await household_history(uows(), world.helper, world.mine)
    housing = [h for h in history if h.record == "guarantee:housing"]
    assert [(h.before, h.after) for h in housing[:2]] == [
        ("not met · 屋頂漏雨", "met · 已修繕"),
        ("met", "not met · 屋頂漏雨"),
    ]
    assert housing[0].who == "王芳"
    async with sessions() as session:
        household = await session.get(Household, world.mine)
        assert household is not None and household.income_per_capita == 4300.0


async def test_another_helpers_household_is_not_found(
    uows: Uows, sessions: SessionFactory
) -> None:
    world = await _world(sessions)
    with pytest.raises(HouseholdNotFound):
        await household_card(uows(), world.helper, world.theirs, RULES)
    with pytest.raises(HouseholdNotFound):
        await set_benefit(
            uows(),
            world.helper,
            household_id=world.theirs,
            policy="health",
            status=BenefitStatus.ENROLLED,
            today=TODAY,
        )
    # Admins read in scope but write nothing; outside the scope the household is missing.
    assert (await household_card(uows(), world.office, world.theirs, RULES)).head_name == "張三"
    with pytest.raises(HouseholdReadOnly):
        await write_plan(uows(), world.office, household_id=world.theirs, goals="g", measures="m")
    elsewhere = Actor(world.office.id, "鄉鎮", Role.OFFICE, scope=Scope(org_path="/999999/"))
    with pytest.raises(HouseholdNotFound):
        await household_card(uows(), elsewhere, world.theirs, RULES)
    assert await find_households(uows(), elsewhere, "張") == []
    assert [h.head_name for h in await find_households(uows(), world.office, "张")] == ["張三"]


async def test_benefit_states_and_coverage(uows: Uows, sessions: SessionFactory) -> None:
    world = await _world(sessions)

    async def put(policy: str, status: BenefitStatus, note: str | None = None) -> None:
        await set_benefit(
            uows(),
            world.helper,
            household_id=world.mine,
            policy=policy,
            status=status,
            today=TODAY,
            note=note,
        )

    await put("health", BenefitStatus.ENROLLED)
    await put("education", BenefitStatus.ELIGIBLE)
    await put("housing", BenefitStatus.NOT_ELIGIBLE, "已有安全住房")
    card = await household_card(uows(), world.helper, world.mine, RULES)
    states = {b.policy: b for b in card.benefits}
    assert states["health"].since == TODAY
    assert states["housing"].note == "已有安全住房"
    assert states["industry"].status == BenefitStatus.NOT_ASSESSED
    assert (card.coverage.enrolled, card.coverage.eligible) == (1, 2)
    report = await scope_coverage(uows(), world.office)
    assert (report.total.enrolled, report.total.eligible) == (1, 2)
    assert [name for name, _ in report.villages] == ["東村"]
    mine = await helper_coverage(uows(), world.helper)
    assert (mine.enrolled, mine.eligible) == (1, 2)
    history = await household_history(uows(), world.helper, world.mine)
    assert any(h.record == "benefit:health" and h.after == f"enrolled · {TODAY}" for h in history)


async def test_assistance_is_stored_once_per_token(uows: Uows, sessions: SessionFactory) -> None:
    world = await _world(sessions)
    draft = AssistanceDraft(
        household_id=world.mine,
        kind="industry",
        description="送雞苗 50 隻",
        given_on=TODAY,
        amount=parse_amount("1,200元"),
    )
    first = await record_assistance(uows(), world.helper, draft, token="abc")
    again = await record_assistance(uows(), world.helper, draft, token="abc")
    assert first.created and not again.created and first.assistance_id == again.assistance_id
    async with sessions() as session:
        rows = list(await session.scalars(select(Assistance)))
    assert len(rows) == 1 and rows[0].amount_cny == Decimal("1200.00")
    card = await household_card(uows(), world.helper, world.mine, RULES)
    assert card.assistance[0].description == "送雞苗 50 隻"
    with pytest.raises(BadAmount):
        parse_amount("many")


async def test_the_watch_flags_an_exited_household(uows: Uows, sessions: SessionFactory) -> None:
    world = await _world(sessions)
    async with sessions() as session, session.begin():
        household = await session.get(Household, world.mine)
        assert household is not None
        household.status = HouseholdStatus.EXITED
    await record_income(
        uows(),
        world.helper,
        household_id=world.mine,
        per_capita=Decimal("4400"),
        source="務農",
        on=TODAY,
    )
    flagged = await risk_watch(uows(), world.office, RULES)
    assert [(h.household_id, [r.kind for r in h.risks]) for h in flagged] == [
        (world.mine, [RiskKind.INCOME_BELOW_MONITORING])
    ]
