"""Admins see and act on exactly their scope: county, township, village, department."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import FlagNotFound, NoProposedHome, NotAllowed
from bot.domain.people import Actor, Scope
from bot.domain.vocabulary import FlagKind, OrgKind, Role
from bot.services.review import clear_flag, confirm_home, flag_to_clear, open_flags
from storage.db import SessionFactory
from storage.models import Department, Household, OrgUnit, Pairing, User, Visit, VisitFlag
from storage.queries.people import PeopleQueries
from storage.uow import UnitOfWork

Uows = Callable[[], UnitOfWork]
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


async def _unit(
    session: AsyncSession, kind: OrgKind, name: str, parent: OrgUnit | None
) -> OrgUnit:
    unit = OrgUnit(kind=kind, name=name, parent_id=parent.id if parent else None)
    session.add(unit)
    await session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


async def _flagged_visit(
    session: AsyncSession, village: OrgUnit, helper: User, name: str, n: int
) -> tuple[int, int]:
    household = Household(
        head_name=name,
        members=2,
        village_id=village.id,
        proposed_home_lat=1.0,
        proposed_home_lon=2.0,
    )
    session.add(household)
    await session.flush()
    session.add(
        Pairing(helper_id=helper.id, household_id=household.id, started_on=date(2026, 1, 1))
    )
    visit = Visit(
        household_id=household.id,
        helper_id=helper.id,
        visited_at=NOW,
        period=202611,
        local_day=date(2026, 11, 20),
        idempotency_key=f"scope:{n}",
    )
    session.add(visit)
    await session.flush()
    household.proposed_by_visit_id = visit.id
    flag = VisitFlag(
        visit_id=visit.id, kind=str(FlagKind.NO_HOME_LOCATION), reason="x", numbers={}
    )
    session.add(flag)
    await session.flush()
    return flag.id, household.id


class County:
    """Two townships, three villages, a flagged visit in each village, and scoped admins."""

    flags: dict[str, int]
    households: dict[str, int]
    admins: dict[str, Actor]


async def _county(sessions: SessionFactory) -> County:
    county = County()
    county.flags, county.households, county.admins = {}, {}, {}
    async with sessions() as session, session.begin():
        root = await _unit(session, OrgKind.COUNTY, "示範縣", None)
        qingshan = await _unit(session, OrgKind.TOWNSHIP, "青山鎮", root)
        baishui = await _unit(session, OrgKind.TOWNSHIP, "白水鄉", root)
        villages = {
            "大寨村": await _unit(session, OrgKind.VILLAGE, "大寨村", qingshan),
            "小寨村": await _unit(session, OrgKind.VILLAGE, "小寨村", qingshan),
            "河邊村": await _unit(session, OrgKind.VILLAGE, "河邊村", baishui),
        }
        helper = User(name="幫扶員", phone="+8613900000001", role=Role.HELPER)
        session.add(helper)
        await session.flush()
        for n, (name, village) in enumerate(villages.items()):
            flag_id, household_id = await _flagged_visit(session, village, helper, f"{name}戶", n)
            county.flags[name] = flag_id
            county.households[name] = household_id
        scopes = {"county": None, "township": qingshan.id, "village": villages["大寨村"].id}
        people = PeopleQueries(session)
        for n, (label, scope_id) in enumerate(scopes.items()):
            admin = User(
                name=f"辦公室{label}",
                phone=f"+861390000010{n}",
                role=Role.OFFICE,
                scope_id=scope_id,
            )
            session.add(admin)
            await session.flush()
            county.admins[label] = await people.actor(admin)
    return county


@pytest.mark.parametrize(
    ("scope", "visible"),
    [
        ("county", {"大寨村", "小寨村", "河邊村"}),
        ("township", {"大寨村", "小寨村"}),
        ("village", {"大寨村"}),
    ],
)
async def test_each_office_user_sees_exactly_their_flags(
    sessions: SessionFactory, uows: Uows, scope: str, visible: set[str]
) -> None:
    county = await _county(sessions)
    page = await open_flags(uows(), county.admins[scope], limit=10)
    assert {f.household_name.removesuffix("戶") for f in page.flags} == visible
    assert page.total == len(visible)
    for village, flag_id in county.flags.items():
        if village in visible:
            assert await flag_to_clear(uows(), county.admins[scope], flag_id) == flag_id
        else:  # out of scope: refused exactly as a flag that does not exist
            with pytest.raises(FlagNotFound):
                await flag_to_clear(uows(), county.admins[scope], flag_id)
            with pytest.raises(FlagNotFound):
                await clear_flag(
                    uows(), county.admins[scope], flag_id=flag_id, reason="x", now=NOW
                )
            with pytest.raises(NoProposedHome):
                await confirm_home(
                    uows(), county.admins[scope], household_id=county.households[village], now=NOW
                )


async def test_in_scope_actions_work_and_helpers_are_refused(
    sessions: SessionFactory, uows: Uows
) -> None:
    county = await _county(sessions)
    village_admin = county.admins["village"]
    await clear_flag(uows(), village_admin, flag_id=county.flags["大寨村"], reason="核實", now=NOW)
    assert (await open_flags(uows(), village_admin)).total == 0
    assert (await open_flags(uows(), county.admins["county"])).total == 2
    confirmed = await confirm_home(
        uows(), county.admins["township"], household_id=county.households["小寨村"], now=NOW
    )
    assert confirmed.head_name == "小寨村戶"
    helper = Actor(id=1, name="幫扶員", role=Role.HELPER)
    with pytest.raises(NotAllowed):
        await open_flags(uows(), helper)


async def test_a_department_head_sees_only_their_departments_helpers(
    sessions: SessionFactory, uows: Uows
) -> None:
    async with sessions() as session, session.begin():
        root = await _unit(session, OrgKind.COUNTY, "示範縣", None)
        village = await _unit(session, OrgKind.VILLAGE, "大寨村", root)
        ours, theirs = Department(name="農業局"), Department(name="教育局")
        session.add_all([ours, theirs])
        await session.flush()
        mine = User(name="甲", phone="+8613900000201", role=Role.HELPER, department_id=ours.id)
        other = User(name="乙", phone="+8613900000202", role=Role.HELPER, department_id=theirs.id)
        head = User(name="部長", phone="+8613900000203", role=Role.MEMBER, department_id=ours.id)
        session.add_all([mine, other, head])
        await session.flush()
        mine_flag, mine_household = await _flagged_visit(session, village, mine, "甲戶", 10)
        _, other_household = await _flagged_visit(session, village, other, "乙戶", 11)
        actor = await PeopleQueries(session).actor(head)
    assert actor.scope == Scope(org_path=None, department_id=ours.id)
    async with uows() as uow:
        flags, total = await uow.review.open_flags(actor.scope, offset=0, limit=10)
        assert [f.flag_id for f in flags] == [mine_flag] and total == 1
        assert await uow.households.in_scope(mine_household, actor.scope) is not None
        assert await uow.households.in_scope(other_household, actor.scope) is None
