"""What overseers read across an area: org units, helpers, complaints, the audit, exports.

Every query takes the reader's `Scope` and filters in SQL (village path, helper's
department), so a record outside it is never loaded. Export queries stream their rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.complaints import OPEN_STATUSES
from bot.domain.oversight import HelperEntry
from bot.domain.people import Scope
from bot.domain.vocabulary import BenefitStatus, OrgKind, Role
from storage.models import (
    AuditEntry,
    BenefitEnrolment,
    Complaint,
    Department,
    Household,
    OrgUnit,
    Pairing,
    User,
    Visit,
    VisitFlag,
)

STREAM_BATCH = 500


@dataclass(frozen=True)
class UnitRow:
    """An org unit: id, kind, name, materialised path, parent."""

    unit_id: int
    kind: OrgKind
    name: str
    path: str
    parent_id: int | None


@dataclass(frozen=True)
class HelperHousehold:
    """A helper's current household with its visit days in a month and where it lies."""

    household_id: int
    head_name: str
    village: str
    village_path: str
    quota_override: int | None
    days: int


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as /audit lists it."""

    entry_id: int
    at: datetime
    who: str
    action: str
    target_type: str | None
    target_id: int | None
    detail: dict[str, Any]


def _in_area(scope: Scope) -> list[ColumnElement[bool]]:
    """Conditions on a query joining the village (OrgUnit) and the Household."""
    conditions: list[ColumnElement[bool]] = []
    if scope.org_path is not None:
        conditions.append(OrgUnit.path.startswith(scope.org_path, autoescape=True))
    if scope.department_id is not None:
        helpers = (
            select(Pairing.household_id)
            .join(User, User.id == Pairing.helper_id)
            .where(Pairing.ended_on.is_(None), User.department_id == scope.department_id)
        )
        conditions.append(Household.id.in_(helpers))
    return conditions


def _days(first: int, last: int) -> Any:
    return (
        select(Visit.household_id, func.count(func.distinct(Visit.local_day)).label("days"))
        .where(Visit.period >= first, Visit.period <= last)
        .group_by(Visit.household_id)
        .subquery()
    )


class OversightQueries:
    """Queries of summaries, helper cards, drill-down, the audit and exports."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def units(self, scope: Scope) -> list[UnitRow]:
        """Every org unit in the scope's subtree (the county-wide: all), by path."""
        query = select(OrgUnit.id, OrgUnit.kind, OrgUnit.name, OrgUnit.path, OrgUnit.parent_id)
        if scope.org_path is not None:
            query = query.where(OrgUnit.path.startswith(scope.org_path, autoescape=True))
        rows = await self.session.execute(query.order_by(OrgUnit.path))
        return [UnitRow(i, OrgKind(k), n, p or "/", parent) for i, k, n, p, parent in rows]

    async def unit(self, unit_id: int, scope: Scope) -> UnitRow | None:
        """One org unit, if it lies in the scope's subtree."""
        query = select(
            OrgUnit.id, OrgUnit.kind, OrgUnit.name, OrgUnit.path, OrgUnit.parent_id
        ).where(OrgUnit.id == unit_id)
        if scope.org_path is not None:
            query = query.where(OrgUnit.path.startswith(scope.org_path, autoescape=True))
        row = (await self.session.execute(query)).first()
        return None if row is None else UnitRow(row[0], OrgKind(row[1]), row[2], row[3], row[4])

    async def visit_days(self, periods: list[int]) -> dict[tuple[int, int], int]:
        """Distinct visit days per (household, month) over these months: one query.

        The summary's trend reads past months with the current pairings: only the days change.
        """
        if not periods:
            return {}
        rows = await self.session.execute(
            select(
                Visit.household_id,
                Visit.period,
                func.count(func.distinct(Visit.local_day)),
            )
            .where(Visit.period.in_(periods))
            .group_by(Visit.household_id, Visit.period)
        )
        return {(int(h), int(p)): int(n) for h, p, n in rows}

    async def open_complaints(self, scope: Scope) -> int:
        """Open complaints in the area (by village; a department head: about their helpers)."""
        query = (
            select(func.count(Complaint.id))
            .outerjoin(OrgUnit, OrgUnit.id == Complaint.village_id)
            .where(Complaint.status.in_(OPEN_STATUSES))
        )
        if scope.org_path is not None:
            query = query.where(OrgUnit.path.startswith(scope.org_path, autoescape=True))
        if scope.department_id is not None:
            query = query.where(
                Complaint.subject_helper_id.in_(
                    select(User.id).where(User.department_id == scope.department_id)
                )
            )
        return int(await self.session.scalar(query) or 0)

    async def helpers(self, scope: Scope, helper_id: int | None = None) -> list[HelperEntry]:
        """Active helpers with a current household in the scope (a department head: theirs)."""
        paired_here = (
            select(Pairing.id)
            .join(Household, Household.id == Pairing.household_id)
            .join(OrgUnit, OrgUnit.id == Household.village_id)
            .where(Pairing.helper_id == User.id, Pairing.ended_on.is_(None), *_in_area(scope))
        )
        query = (
            select(User.id, User.name, Department.name, User.department_id)
            .outerjoin(Department, Department.id == User.department_id)
            .where(User.role == Role.HELPER, User.active.is_(True), exists(paired_here))
        )
        if helper_id is not None:
            query = query.where(User.id == helper_id)
        if scope.department_id is not None:
            query = query.where(User.department_id == scope.department_id)
        rows = await self.session.execute(query.order_by(User.name, User.id))
        return [HelperEntry(*row) for row in rows]

    async def helper_households(
        self, helper_id: int, period: int, scope: Scope
    ) -> list[HelperHousehold]:
        """The helper's current households in the scope, with their visit days in a month."""
        days = _days(period, period)
        rows = await self.session.execute(
            select(
                Household.id,
                Household.head_name,
                OrgUnit.name,
                OrgUnit.path,
                Household.visit_quota,
                func.coalesce(days.c.days, 0),
            )
            .join(Pairing, Pairing.household_id == Household.id)
            .join(OrgUnit, OrgUnit.id == Household.village_id)
            .outerjoin(days, days.c.household_id == Household.id)
            .where(Pairing.helper_id == helper_id, Pairing.ended_on.is_(None), *_in_area(scope))
            .order_by(OrgUnit.name, Household.head_name, Household.id)
        )
        return [HelperHousehold(i, n, v, p or "", q, int(d)) for i, n, v, p, q, d in rows]

    async def open_flag_kinds(self, helper_id: int, scope: Scope) -> list[str]:
        """Kinds of the uncleared flags on the helper's visits to households in the scope."""
        rows = await self.session.scalars(
            select(VisitFlag.kind)
            .join(Visit, Visit.id == VisitFlag.visit_id)
            .join(Household, Household.id == Visit.household_id)
            .join(OrgUnit, OrgUnit.id == Household.village_id)
            .where(Visit.helper_id == helper_id, VisitFlag.cleared_at.is_(None), *_in_area(scope))
            .order_by(VisitFlag.id)
        )
        return list(rows)

    async def household_line(
        self, household_id: int, period: int, scope: Scope
    ) -> tuple[Household, str, int, list[str], int] | None:
        """A household in the scope with its village, month's days, helpers and open flags."""
        days = _days(period, period)
        row = (
            await self.session.execute(
                select(Household, OrgUnit.name, func.coalesce(days.c.days, 0))
                .join(OrgUnit, OrgUnit.id == Household.village_id)
                .outerjoin(days, days.c.household_id == Household.id)
                .where(Household.id == household_id, *_in_area(scope))
            )
        ).first()
        if row is None:
            return None
        helpers = list(
            await self.session.scalars(
                select(User.name)
                .join(Pairing, Pairing.helper_id == User.id)
                .where(Pairing.household_id == household_id, Pairing.ended_on.is_(None))
                .order_by(User.name)
            )
        )
        flags = await self.session.scalar(
            select(func.count(VisitFlag.id))
            .join(Visit, Visit.id == VisitFlag.visit_id)
            .where(Visit.household_id == household_id, VisitFlag.cleared_at.is_(None))
        )
        return row[0], row[1], int(row[2]), helpers, int(flags or 0)

    async def village_households(self, village_id: int, scope: Scope) -> list[tuple[int, str]]:
        """The households of one village in the scope: (id, head), by name."""
        rows = await self.session.execute(
            select(Household.id, Household.head_name)
            .join(OrgUnit, OrgUnit.id == Household.village_id)
            .where(Household.village_id == village_id, *_in_area(scope))
            .order_by(Household.head_name, Household.id)
        )
        return [(i, n) for i, n in rows]

    async def audit(
        self, scope: Scope, search: str | None, *, offset: int, limit: int
    ) -> tuple[list[AuditRow], int]:
        """A page of admin actions the scope covers, newest first, and how many in all.

        An entry is covered when it concerns a household in the scope, or when it was made
        by a user whose own scope lies inside the reader's (the county-wide reader: all).
        """
        query: Select[Any] = select(AuditEntry.id)
        if not scope.is_everything:
            actor = aliased(User)
            actor_unit = aliased(OrgUnit)
            by_actor = (
                select(actor.id)
                .outerjoin(actor_unit, actor_unit.id == actor.scope_id)
                .where(actor.id == AuditEntry.actor_id)
            )
            if scope.org_path is not None:
                by_actor = by_actor.where(
                    actor_unit.path.startswith(scope.org_path, autoescape=True)
                )
            if scope.department_id is not None:
                by_actor = by_actor.where(actor.department_id == scope.department_id)
            household_here = (
                select(Household.id)
                .join(OrgUnit, OrgUnit.id == Household.village_id)
                .where(Household.id == AuditEntry.target_id, *_in_area(scope))
            )
            query = query.where(
                or_(
                    exists(by_actor),
                    and_(AuditEntry.target_type == "household", exists(household_here)),
                )
            )
        if search:
            pattern = f"%{search}%"
            query = query.where(
                or_(AuditEntry.action.like(pattern), AuditEntry.actor_label.like(pattern))
            )
        ids = query.subquery()
        total = await self.session.scalar(select(func.count()).select_from(ids))
        rows = await self.session.execute(
            select(
                AuditEntry.id,
                AuditEntry.at,
                AuditEntry.actor_label,
                AuditEntry.action,
                AuditEntry.target_type,
                AuditEntry.target_id,
                AuditEntry.detail,
            )
            .where(AuditEntry.id.in_(select(ids.c.id)))
            .order_by(AuditEntry.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [AuditRow(*row) for row in rows], int(total or 0)

    # ------------------------------------------------------------------ exports (streamed)

    async def stream_visits(
        self, scope: Scope, first: int, last: int
    ) -> AsyncIterator[tuple[Any, ...]]:
        """Visits of the months in the scope, oldest first, fetched in batches."""
        helper = aliased(User)
        flags = (
            select(func.count(VisitFlag.id))
            .where(VisitFlag.visit_id == Visit.id, VisitFlag.cleared_at.is_(None))
            .scalar_subquery()
        )
        query = (
            select(
                Visit.id,
                Visit.local_day,
                Visit.visited_at,
                helper.name,
                Household.id,
                Household.head_name,
                OrgUnit.name,
                Visit.location_source,
                Visit.late,
                flags,
                Visit.note,
            )
            .join(Household, Household.id == Visit.household_id)
            .join(OrgUnit, OrgUnit.id == Household.village_id)
            .join(helper, helper.id == Visit.helper_id)
            .where(Visit.period >= first, Visit.period <= last, *_in_area(scope))
            .order_by(Visit.visited_at, Visit.id)
            .execution_options(yield_per=STREAM_BATCH)
        )
        result = await self.session.stream(query)
        # A batch per await, not a row: the async bridge costs as much as a row's reading.
        async for batch in result.partitions():
            for row in batch:
                yield tuple(row)

    async def stream_households(
        self, scope: Scope, first: int, last: int
    ) -> AsyncIterator[tuple[Any, ...]]:
        """Households in the scope with a helper's name and visit days over the months."""
        days = _days(first, last)
        helper = (
            select(Pairing.household_id, func.min(User.name).label("helper"))
            .join(User, User.id == Pairing.helper_id)
            .where(Pairing.ended_on.is_(None))
            .group_by(Pairing.household_id)
            .subquery()
        )
        query = (
            select(
                Household.id,
                Household.head_name,
                Household.members,
                OrgUnit.name,
                Household.status,
                Household.causes,
                Household.income_per_capita,
                helper.c.helper,
                func.coalesce(days.c.days, 0),
            )
            .join(OrgUnit, OrgUnit.id == Household.village_id)
            .outerjoin(helper, helper.c.household_id == Household.id)
            .outerjoin(days, days.c.household_id == Household.id)
            .where(*_in_area(scope))
            .order_by(OrgUnit.name, Household.head_name, Household.id)
            .execution_options(yield_per=STREAM_BATCH)
        )
        result = await self.session.stream(query)
        async for row in result:
            yield tuple(row)

    async def stream_coverage(self, scope: Scope) -> AsyncIterator[tuple[Any, ...]]:
        """Per household in the scope: benefits enrolled and eligible (應享盡享)."""
        enrolled = BenefitEnrolment.status == BenefitStatus.ENROLLED
        eligible = BenefitEnrolment.status.in_(
            [BenefitStatus.ENROLLED, BenefitStatus.ELIGIBLE, BenefitStatus.APPLIED]
        )
        query = (
            select(
                Household.id,
                Household.head_name,
                OrgUnit.name,
                Household.status,
                func.coalesce(func.sum(case((enrolled, 1), else_=0)), 0),
                func.coalesce(func.sum(case((eligible, 1), else_=0)), 0),
            )
            .join(OrgUnit, OrgUnit.id == Household.village_id)
            .outerjoin(BenefitEnrolment, BenefitEnrolment.household_id == Household.id)
            .where(*_in_area(scope))
            .group_by(Household.id, Household.head_name, OrgUnit.name, Household.status)
            .order_by(OrgUnit.name, Household.head_name, Household.id)
            .execution_options(yield_per=STREAM_BATCH)
        )
        result = await self.session.stream(query)
        async for row in result:
            yield tuple(row)
