"""A household's case record: guarantees, income, benefits, plans, assistance, history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.people import Scope
from bot.domain.vocabulary import BenefitStatus, HouseholdStatus
from storage.models import (
    Assistance,
    AuditEntry,
    BenefitEnrolment,
    GuaranteeRecord,
    HelpPlan,
    Household,
    IncomeEntry,
    OrgUnit,
    Pairing,
    User,
    Visit,
    VisitFlag,
)

Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class HouseholdRow:
    """A household as lists show it."""

    household_id: int
    head_name: str
    village: str
    status: HouseholdStatus


@dataclass(frozen=True)
class VisitRow:
    """One recent visit to a household with the kinds of its open flags."""

    visited_at: datetime
    helper_name: str
    flags: tuple[str, ...]


@dataclass(frozen=True)
class BenefitRow:
    """One benefit state of one household, with where the household lives."""

    household_id: int
    village: str
    helper_id: int | None
    status: BenefitStatus


def household_scoped(query: Select[*Ts], scope: Scope) -> Select[*Ts]:
    """Limit a query that joins OrgUnit (the village) and Household to the scope."""
    if scope.org_path is not None:
        query = query.where(OrgUnit.path.startswith(scope.org_path, autoescape=True))
    if scope.department_id is not None:
        helpers = (
            select(Pairing.household_id)
            .join(User, User.id == Pairing.helper_id)
            .where(Pairing.ended_on.is_(None), User.department_id == scope.department_id)
        )
        query = query.where(Household.id.in_(helpers))
    return query


class RecordQueries:
    """Queries over households' case records, in one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        """Add a new record row to the transaction."""
        self.session.add(row)

    async def village_name(self, household: Household) -> str:
        """The name of the household's village."""
        unit = await self.session.get(OrgUnit, household.village_id)
        return unit.name if unit is not None else ""

    async def helper_names(self, household_id: int) -> list[str]:
        """The names of the helpers currently paired with the household."""
        return list(
            await self.session.scalars(
                select(User.name)
                .join(Pairing, Pairing.helper_id == User.id)
                .where(Pairing.household_id == household_id, Pairing.ended_on.is_(None))
                .order_by(User.name)
            )
        )

    async def incomes(self, household_id: int) -> list[IncomeEntry]:
        """Every income record of the household, oldest first."""
        return list(
            await self.session.scalars(
                select(IncomeEntry)
                .where(IncomeEntry.household_id == household_id)
                .order_by(IncomeEntry.recorded_on, IncomeEntry.id)
            )
        )

    async def guarantees(self, household_id: int) -> list[GuaranteeRecord]:
        """Every guarantee assessment of the household, oldest first."""
        return list(
            await self.session.scalars(
                select(GuaranteeRecord)
                .where(GuaranteeRecord.household_id == household_id)
                .order_by(GuaranteeRecord.recorded_on, GuaranteeRecord.id)
            )
        )

    async def benefits(self, household_id: int) -> list[BenefitEnrolment]:
        """The household's benefit states."""
        return list(
            await self.session.scalars(
                select(BenefitEnrolment)
                .where(BenefitEnrolment.household_id == household_id)
                .order_by(BenefitEnrolment.id)
            )
        )

    async def benefit(self, household_id: int, policy: str) -> BenefitEnrolment | None:
        """The household's state for one policy, if ever set."""
        return await self.session.scalar(
            select(BenefitEnrolment).where(
                BenefitEnrolment.household_id == household_id,
                BenefitEnrolment.category == policy,
            )
        )

    async def plans(self, household_id: int) -> list[HelpPlan]:
        """Every version of the household's help plan, newest first."""
        return list(
            await self.session.scalars(
                select(HelpPlan)
                .where(HelpPlan.household_id == household_id)
                .order_by(HelpPlan.id.desc())
            )
        )

    async def assistance(self, household_id: int, limit: int | None = None) -> list[Assistance]:
        """The household's assistance, newest first."""
        query = (
            select(Assistance)
            .where(Assistance.household_id == household_id)
            .order_by(Assistance.given_on.desc(), Assistance.id.desc())
        )
        if limit is not None:
            query = query.limit(limit)
        return list(await self.session.scalars(query))

    async def assistance_by_key(self, key: str) -> Assistance | None:
        """The assistance stored under an idempotency key."""
        return await self.session.scalar(
            select(Assistance).where(Assistance.idempotency_key == key)
        )

    async def visit_of(self, visit_id: int, household_id: int) -> Visit | None:
        """A visit, if it was to this household."""
        return await self.session.scalar(
            select(Visit).where(Visit.id == visit_id, Visit.household_id == household_id)
        )

    async def recent_visits(self, household_id: int, limit: int) -> list[VisitRow]:
        """The household's latest visits with their uncleared flags."""
        visits = (
            await self.session.execute(
                select(Visit.id, Visit.visited_at, User.name)
                .join(User, User.id == Visit.helper_id)
                .where(Visit.household_id == household_id)
                .order_by(Visit.visited_at.desc(), Visit.id.desc())
                .limit(limit)
            )
        ).all()
        flags: dict[int, list[str]] = defaultdict(list)
        if visits:
            for visit_id, kind in await self.session.execute(
                select(VisitFlag.visit_id, VisitFlag.kind)
                .where(
                    VisitFlag.visit_id.in_([v[0] for v in visits]),
                    VisitFlag.cleared_at.is_(None),
                )
                .order_by(VisitFlag.id)
            ):
                flags[visit_id].append(kind)
        return [VisitRow(at, name, tuple(flags[vid])) for vid, at, name in visits]

    async def history(self, household_id: int, limit: int) -> list[AuditEntry]:
        """Changes of the household's case record, newest first."""
        return list(
            await self.session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.target_type == "household",
                    AuditEntry.target_id == household_id,
                )
                .order_by(AuditEntry.id.desc())
                .limit(limit)
            )
        )

    async def in_scope(self, scope: Scope) -> list[HouseholdRow]:
        """Every household in the scope, by village and name."""
        query = household_scoped(
            select(Household.id, Household.head_name, OrgUnit.name, Household.status).join(
                OrgUnit, OrgUnit.id == Household.village_id
            ),
            scope,
        ).order_by(OrgUnit.name, Household.head_name, Household.id)
        return [HouseholdRow(*row) for row in (await self.session.execute(query)).all()]

    async def incomes_of(self, ids: Sequence[int]) -> dict[int, list[IncomeEntry]]:
        """Income records of many households, oldest first."""
        found: dict[int, list[IncomeEntry]] = defaultdict(list)
        for row in await self.session.scalars(
            select(IncomeEntry)
            .where(IncomeEntry.household_id.in_(ids))
            .order_by(IncomeEntry.recorded_on, IncomeEntry.id)
        ):
            found[row.household_id].append(row)
        return found

    async def guarantees_of(self, ids: Sequence[int]) -> dict[int, list[GuaranteeRecord]]:
        """Guarantee assessments of many households, oldest first."""
        found: dict[int, list[GuaranteeRecord]] = defaultdict(list)
        for row in await self.session.scalars(
            select(GuaranteeRecord)
            .where(GuaranteeRecord.household_id.in_(ids))
            .order_by(GuaranteeRecord.recorded_on, GuaranteeRecord.id)
        ):
            found[row.household_id].append(row)
        return found

    async def benefit_states(self, scope: Scope) -> list[BenefitRow]:
        """Every benefit state in the scope with its village and current helper."""
        helper = (
            select(Pairing.household_id, func.min(Pairing.helper_id).label("helper_id"))
            .where(Pairing.ended_on.is_(None))
            .group_by(Pairing.household_id)
            .subquery()
        )
        query = household_scoped(
            select(
                BenefitEnrolment.household_id,
                OrgUnit.name,
                helper.c.helper_id,
                BenefitEnrolment.status,
            )
            .join(Household, Household.id == BenefitEnrolment.household_id)
            .join(OrgUnit, OrgUnit.id == Household.village_id)
            .outerjoin(helper, helper.c.household_id == Household.id),
            scope,
        )
        return [BenefitRow(*row) for row in (await self.session.execute(query)).all()]

    async def waiting_benefits(self, helper_id: int) -> dict[int, int]:
        """Per paired household of the helper: benefits eligible but not yet enrolled."""
        rows = await self.session.execute(
            select(BenefitEnrolment.household_id, func.count(BenefitEnrolment.id))
            .join(Pairing, Pairing.household_id == BenefitEnrolment.household_id)
            .where(
                Pairing.helper_id == helper_id,
                Pairing.ended_on.is_(None),
                BenefitEnrolment.status.in_([BenefitStatus.ELIGIBLE, BenefitStatus.APPLIED]),
            )
            .group_by(BenefitEnrolment.household_id)
        )
        return {hid: int(n) for hid, n in rows}
