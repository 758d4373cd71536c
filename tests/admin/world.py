"""A small county for appraisal tests: two townships, three villages, two departments.

Helper 甲 (department A) is paired in village V1 of township T1; helper 乙 (department B)
in village V3 of township T2. Admins of every role sit at county, township T1 and village V1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.people import Actor
from bot.domain.vocabulary import BenefitStatus, HouseholdStatus, OrgKind, Role
from storage.models import (
    BenefitEnrolment,
    Department,
    Household,
    OrgUnit,
    Pairing,
    User,
    Visit,
)
from storage.queries.people import actor_of

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
SCOPES = ("county", "township", "village")
_phones = count(1)


@dataclass
class World:
    """Ids and actors of the small county."""

    helper_a: Actor
    helper_b: Actor
    household_a: int
    household_b: int
    actors: dict[tuple[Role, str], Actor] = field(default_factory=dict)

    def actor(self, role: Role, scope: str = "county") -> Actor:
        """The admin of a role at a scope (helpers: helper 甲)."""
        return self.helper_a if role == Role.HELPER else self.actors[(role, scope)]


async def _unit(s: AsyncSession, kind: OrgKind, name: str, parent: OrgUnit | None) -> OrgUnit:
    unit = OrgUnit(kind=kind, name=name, parent_id=parent.id if parent else None)
    s.add(unit)
    await s.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


async def _user(
    s: AsyncSession,
    name: str,
    role: Role,
    scope: OrgUnit | None = None,
    department: Department | None = None,
    telegram_id: int | None = None,
) -> User:
    user = User(
        name=name,
        phone=f"+86137{next(_phones):08d}",
        role=role,
        scope_id=scope.id if scope else None,
        department_id=department.id if department else None,
        telegram_id=telegram_id,
    )
    s.add(user)
    await s.flush()
    return user


async def _household(
    s: AsyncSession, village: OrgUnit, name: str, helper: User, status: HouseholdStatus
) -> Household:
    household = Household(head_name=name, members=3, village_id=village.id, status=status)
    s.add(household)
    await s.flush()
    s.add(Pairing(helper_id=helper.id, household_id=household.id, started_on=date(2026, 1, 1)))
    return household


async def build_world(s: AsyncSession, *, with_visits: bool = True) -> World:
    """Create the county and return its actors."""
    county = await _unit(s, OrgKind.COUNTY, "示範縣", None)
    t1 = await _unit(s, OrgKind.TOWNSHIP, "東鄉", county)
    t2 = await _unit(s, OrgKind.TOWNSHIP, "西鄉", county)
    v1 = await _unit(s, OrgKind.VILLAGE, "一村", t1)
    await _unit(s, OrgKind.VILLAGE, "二村", t1)
    v3 = await _unit(s, OrgKind.VILLAGE, "三村", t2)
    dept_a, dept_b = Department(name="農業局"), Department(name="教育局")
    s.add_all([dept_a, dept_b])
    await s.flush()
    helper_a = await _user(s, "甲幫扶", Role.HELPER, department=dept_a, telegram_id=9001)
    helper_b = await _user(s, "乙幫扶", Role.HELPER, department=dept_b)
    ha = await _household(s, v1, "李一", helper_a, HouseholdStatus.EXITED)
    hb = await _household(s, v3, "張三", helper_b, HouseholdStatus.POOR)
    s.add(BenefitEnrolment(household_id=ha.id, category="health", status=BenefitStatus.ENROLLED))
    if with_visits:
        for day in (3, 12):
            s.add(
                Visit(
                    household_id=ha.id,
                    helper_id=helper_a.id,
                    visited_at=datetime(2026, 11, day, 4, tzinfo=UTC),
                    period=202611,
                    local_day=date(2026, 11, day),
                    idempotency_key=f"w:{ha.id}:{day}",
                )
            )
    world = World(
        helper_a=actor_of(helper_a, None),
        helper_b=actor_of(helper_b, None),
        household_a=ha.id,
        household_b=hb.id,
    )
    places = {"county": county, "township": t1, "village": v1}
    for role in (Role.OFFICE, Role.LEADER, Role.MEMBER):
        for scope_name, unit in places.items():
            user = await _user(
                s,
                f"{role.value}-{scope_name}",
                role,
                scope=unit if scope_name != "county" else None,
                department=dept_a if role == Role.MEMBER else None,
                telegram_id=800_000 + next(_phones),
            )
            path = unit.path if scope_name != "county" else None
            world.actors[(role, scope_name)] = actor_of(user, path)
    await s.commit()
    return world
