"""A small county for the admin commands: two townships, three villages, two departments.

王芳 (agriculture) helps a household in 大寨村 (compliant: two visit days) and one in 小寨村
(no visit); 李明 (education) helps one in 河邊村 (exited, income below the monitoring line,
one visit with an open flag). Office users are scoped to the county, 青山鎮 and 大寨村.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.households import CaseRules, Guarantee
from bot.domain.people import Actor, Scope
from bot.domain.vocabulary import (
    BenefitStatus,
    ComplaintStatus,
    HouseholdStatus,
    OrgKind,
    Role,
)
from storage.db import SessionFactory
from storage.models import (
    AuditEntry,
    BenefitEnrolment,
    Complaint,
    Department,
    GuaranteeRecord,
    Household,
    IncomeEntry,
    OrgUnit,
    Pairing,
    User,
    Visit,
    VisitFlag,
)

PERIOD = 202611
RULES = CaseRules(income_line=4000.0, monitoring_line=4500.0, months_between=6)
QUOTA = 2
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


@dataclass
class County:
    """Ids of what the county holds, and actors of every role and scope."""

    units: dict[str, int] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    households: dict[str, int] = field(default_factory=dict)
    helpers: dict[str, int] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)
    admins: dict[str, int] = field(default_factory=dict)

    def actor(self, role: Role, scope: str) -> Actor:
        """An actor of `role` seeing `scope`: county, township, village, or department."""
        if scope == "department":
            where = Scope(department_id=self.departments["農業局"])
        elif scope == "county":
            where = Scope()
        else:
            where = Scope(org_path=self.paths["青山鎮" if scope == "township" else "大寨村"])
        admin = self.admins.get(scope, self.admins["county"])
        return Actor(admin, f"{role}-{scope}", role, "zh-CN", where)


async def _unit(
    session: AsyncSession, kind: OrgKind, name: str, parent: OrgUnit | None
) -> OrgUnit:
    unit = OrgUnit(kind=kind, name=name, parent_id=parent.id if parent else None)
    session.add(unit)
    await session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


async def build_county(sessions: SessionFactory) -> County:
    """Store the county and return its ids."""
    c = County()
    async with sessions() as s, s.begin():
        root = await _unit(s, OrgKind.COUNTY, "示範縣", None)
        qing = await _unit(s, OrgKind.TOWNSHIP, "青山鎮", root)
        bai = await _unit(s, OrgKind.TOWNSHIP, "白水鄉", root)
        villages = {
            "大寨村": await _unit(s, OrgKind.VILLAGE, "大寨村", qing),
            "小寨村": await _unit(s, OrgKind.VILLAGE, "小寨村", qing),
            "河邊村": await _unit(s, OrgKind.VILLAGE, "河邊村", bai),
        }
        await s.flush()
        for unit in (root, qing, bai, *villages.values()):
            c.units[unit.name] = unit.id
            c.paths[unit.name] = unit.path
        for name in ("農業局", "教育局"):
            dept = Department(name=name)
            s.add(dept)
            await s.flush()
            c.departments[name] = dept.id
        wang = User(
            name="王芳",
            phone="+8613900001001",
            role=Role.HELPER,
            department_id=c.departments["農業局"],
        )
        li = User(
            name="李明",
            phone="+8613900001002",
            role=Role.HELPER,
            department_id=c.departments["教育局"],
        )
        s.add_all([wang, li])
        await s.flush()
        c.helpers = {"王芳": wang.id, "李明": li.id}
        for n, (label, unit) in enumerate(
            (("county", None), ("township", qing), ("village", villages["大寨村"]))
        ):
            admin = User(
                name=f"辦公室{label}",
                phone=f"+861390000200{n}",
                role=Role.OFFICE,
                scope_id=unit.id if unit else None,
            )
            s.add(admin)
            await s.flush()
            c.admins[label] = admin.id
        for village, helper, status in (
            ("大寨村", wang, HouseholdStatus.POOR),
            ("小寨村", wang, HouseholdStatus.POOR),
            ("河邊村", li, HouseholdStatus.EXITED),
        ):
            household = Household(
                head_name=f"{village[:2]}戶",
                members=3,
                village_id=villages[village].id,
                causes=["因病"],
                status=status,
                income_per_capita=5000.0,
            )
            s.add(household)
            await s.flush()
            c.households[village] = household.id
            s.add(
                Pairing(
                    helper_id=helper.id, household_id=household.id, started_on=date(2026, 1, 1)
                )
            )
        visits = [
            ("大寨村", wang, 3, "第一次"),
            ("大寨村", wang, 10, "第二次"),
            ("河邊村", li, 12, "河邊"),
            ("大寨村", wang, 5, "上月"),
        ]
        for n, (village, helper, day, note) in enumerate(visits):
            month = 10 if note == "上月" else 11
            at = datetime(2026, month, day, 2, 0, tzinfo=UTC)
            visit = Visit(
                household_id=c.households[village],
                helper_id=helper.id,
                visited_at=at,
                period=2026 * 100 + month,
                local_day=date(2026, month, day),
                idempotency_key=f"county:{n}",
                note=note,
            )
            s.add(visit)
            await s.flush()
            if village == "河邊村":
                s.add(VisitFlag(visit_id=visit.id, kind="no_location", reason="x", numbers={}))
        s.add_all(
            [
                BenefitEnrolment(
                    household_id=c.households["大寨村"],
                    category="health",
                    status=BenefitStatus.ENROLLED,
                ),
                BenefitEnrolment(
                    household_id=c.households["大寨村"],
                    category="education",
                    status=BenefitStatus.ELIGIBLE,
                ),
                BenefitEnrolment(
                    household_id=c.households["河邊村"],
                    category="housing",
                    status=BenefitStatus.ENROLLED,
                ),
            ]
        )
        # 大寨村戶 meets the exit standard; 河邊村戶 (exited) fell below the monitoring line.
        for village, amounts in (("大寨村", (5200, 5600)), ("河邊村", (4100, 3000))):
            hid = c.households[village]
            for when, amount in zip((date(2026, 1, 10), date(2026, 9, 10)), amounts, strict=True):
                s.add(
                    IncomeEntry(
                        household_id=hid, per_capita=Decimal(amount), source="x", recorded_on=when
                    )
                )
        for item in Guarantee:
            s.add(
                GuaranteeRecord(
                    household_id=c.households["大寨村"],
                    item=item.value,
                    met=True,
                    recorded_on=date(2026, 9, 10),
                )
            )
        s.add(
            Complaint(
                ref_code="R1",
                filed_on=date(2026, 11, 2),
                category="other",
                subject_helper_id=wang.id,
                village_id=villages["小寨村"].id,
                body="x",
                status=ComplaintStatus.NEW,
            )
        )
        s.add_all(
            [
                AuditEntry(
                    actor_id=c.admins["county"],
                    actor_label="辦公室county",
                    action="household.status",
                    target_type="household",
                    target_id=c.households["河邊村"],
                    detail={"before": "poor", "after": "exited"},
                ),
                AuditEntry(
                    actor_id=c.admins["township"],
                    actor_label="辦公室township",
                    action="flag.clear",
                    target_type="flag",
                    target_id=1,
                    detail={"reason": "核實"},
                ),
            ]
        )
    return c
