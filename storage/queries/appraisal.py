"""Helpers and their appraisals, within an admin's scope.

A helper is in a scope when their department matches (department heads) and, for a scope
below the county, when they are currently paired with a household in its villages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.appraisal import HelperRow
from bot.domain.people import Scope
from bot.domain.vocabulary import (
    AppraisalStatus,
    BenefitStatus,
    ComplaintStatus,
    HouseholdStatus,
    LocationSource,
    Role,
)
from storage.models import (
    Appraisal,
    BenefitEnrolment,
    Complaint,
    Household,
    HouseholdStatusChange,
    OrgUnit,
    Pairing,
    Photo,
    SpotCheck,
    User,
    Visit,
    VisitFlag,
)

Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class VisitStats:
    """A helper's visits in a span of months: all, complete, logged late."""

    visits: int
    complete: int
    late: int


@dataclass(frozen=True)
class Progress:
    """A helper's currently paired households by where they stand."""

    households: int
    exited: int
    exit_pending: int
    returned: int


def helper_in_scope(scope: Scope) -> ColumnElement[bool]:
    """True for a helper (User row) inside the scope."""
    condition: ColumnElement[bool] = User.role == Role.HELPER
    if scope.department_id is not None:
        condition = condition & (User.department_id == scope.department_id)
    if scope.org_path is not None:
        paired_here = (
            select(Pairing.id)
            .join(Household, Household.id == Pairing.household_id)
            .join(OrgUnit, OrgUnit.id == Household.village_id)
            .where(
                Pairing.helper_id == User.id,
                Pairing.ended_on.is_(None),
                OrgUnit.path.startswith(scope.org_path, autoescape=True),
            )
        )
        condition = condition & exists(paired_here)
    return condition


class AppraisalQueries:
    """Queries of the office's oversight of helpers, in one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        """Stage a new row (an appraisal)."""
        self.session.add(row)

    async def flush(self) -> None:
        """Send staged rows so that their ids are known."""
        await self.session.flush()

    # helpers
    async def helpers(self, scope: Scope) -> list[HelperRow]:
        """Every active helper in the scope, by name."""
        rows = await self.session.execute(
            select(User.id, User.name)
            .where(helper_in_scope(scope), User.active.is_(True))
            .order_by(User.name, User.id)
        )
        return [HelperRow(i, n) for i, n in rows]

    async def helper(self, helper_id: int, scope: Scope) -> HelperRow | None:
        """One helper if they are in the scope."""
        row = (
            await self.session.execute(
                select(User.id, User.name).where(User.id == helper_id, helper_in_scope(scope))
            )
        ).first()
        return HelperRow(row[0], row[1]) if row else None

    async def helpers_named(self, text: str, scope: Scope, limit: int) -> list[HelperRow]:
        """Helpers in the scope whose name contains the text."""
        rows = await self.session.execute(
            select(User.id, User.name)
            .where(
                helper_in_scope(scope),
                User.active.is_(True),
                User.name.contains(text, autoescape=True),
            )
            .order_by(User.name, User.id)
            .limit(limit)
        )
        return [HelperRow(i, n) for i, n in rows]

    async def paired_households(self, helper_id: int) -> list[tuple[int, str]]:
        """The helper's currently paired households (id, head's name)."""
        rows = await self.session.execute(
            select(Household.id, Household.head_name)
            .join(Pairing, Pairing.household_id == Household.id)
            .where(Pairing.helper_id == helper_id, Pairing.ended_on.is_(None))
            .order_by(Household.head_name, Household.id)
        )
        return [(i, n) for i, n in rows]

    # facts of many helpers at once (a county's annual appraisal)
    async def paired_quotas_of(
        self, helper_ids: Sequence[int], periods: Sequence[int]
    ) -> tuple[list[tuple[int, int, int | None]], dict[tuple[int, int], int]]:
        """The helpers' current pairings (helper, household, own quota) and, per (household,
        month), the household's distinct visit days: two queries, no names."""
        paired = [
            (int(h), int(i), q)
            for h, i, q in await self.session.execute(
                select(Pairing.helper_id, Household.id, Household.visit_quota)
                .join(Household, Household.id == Pairing.household_id)
                .where(Pairing.helper_id.in_(list(helper_ids)), Pairing.ended_on.is_(None))
            )
        ]
        households = (
            select(Pairing.household_id)
            .where(Pairing.helper_id.in_(list(helper_ids)), Pairing.ended_on.is_(None))
            .scalar_subquery()
        )
        days: dict[tuple[int, int], int] = {}
        if paired and periods:
            for household_id, period, n in await self.session.execute(
                select(
                    Visit.household_id,
                    Visit.period,
                    func.count(func.distinct(Visit.local_day)),
                )
                .where(Visit.household_id.in_(households), Visit.period.in_(list(periods)))
                .group_by(Visit.household_id, Visit.period)
            ):
                days[(household_id, period)] = int(n)
        return paired, days

    async def visit_stats_of(
        self, helper_ids: Sequence[int], months: Sequence[int]
    ) -> dict[int, VisitStats]:
        """visit_stats for many helpers."""
        has_photo = exists(select(Photo.id).where(Photo.visit_id == Visit.id))
        complete = (Visit.location_source != LocationSource.NONE) & has_photo
        rows = await self.session.execute(
            select(
                Visit.helper_id,
                func.count(Visit.id),
                func.count(Visit.id).filter(complete),
                func.count(Visit.id).filter(Visit.late.is_(True)),
            )
            .where(Visit.helper_id.in_(list(helper_ids)), Visit.period.in_(list(months)))
            .group_by(Visit.helper_id)
        )
        return {h: VisitStats(int(a), int(b), int(c)) for h, a, b, c in rows}

    async def progress_of(
        self, helper_ids: Sequence[int], start: datetime, end: datetime
    ) -> dict[int, Progress]:
        """progress for many helpers."""
        ids = list(helper_ids)
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for helper_id, status, n in await self.session.execute(
            select(Pairing.helper_id, Household.status, func.count(Household.id))
            .join(Household, Household.id == Pairing.household_id)
            .where(Pairing.helper_id.in_(ids), Pairing.ended_on.is_(None))
            .group_by(Pairing.helper_id, Household.status)
        ):
            counts[helper_id][str(status)] = int(n)
        returned = dict(
            (h, int(n))
            for h, n in await self.session.execute(
                select(
                    Pairing.helper_id,
                    func.count(func.distinct(HouseholdStatusChange.household_id)),
                )
                .join(Pairing, Pairing.household_id == HouseholdStatusChange.household_id)
                .where(
                    Pairing.helper_id.in_(ids),
                    Pairing.ended_on.is_(None),
                    HouseholdStatusChange.old_status.in_(
                        [HouseholdStatus.EXITED, HouseholdStatus.RELAPSE_RISK]
                    ),
                    HouseholdStatusChange.new_status == HouseholdStatus.POOR,
                    HouseholdStatusChange.changed_at >= start,
                    HouseholdStatusChange.changed_at < end,
                )
                .group_by(Pairing.helper_id)
            )
        )
        return {
            h: Progress(
                households=sum(counts[h].values()),
                exited=counts[h].get(HouseholdStatus.EXITED, 0),
                exit_pending=counts[h].get(HouseholdStatus.EXIT_PENDING, 0),
                returned=returned.get(h, 0),
            )
            for h in ids
        }

    async def benefit_states_of(self, helper_ids: Sequence[int]) -> dict[int, list[BenefitStatus]]:
        """benefit_states for many helpers."""
        found: dict[int, list[BenefitStatus]] = defaultdict(list)
        for helper_id, status in await self.session.execute(
            select(Pairing.helper_id, BenefitEnrolment.status)
            .join(Pairing, Pairing.household_id == BenefitEnrolment.household_id)
            .where(Pairing.helper_id.in_(list(helper_ids)), Pairing.ended_on.is_(None))
        ):
            found[helper_id].append(BenefitStatus(str(status)))
        return found

    async def satisfaction_of(
        self, helper_ids: Sequence[int], start: datetime, end: datetime
    ) -> dict[int, list[int]]:
        """satisfaction for many helpers."""
        found: dict[int, list[int]] = defaultdict(list)
        for helper_id, value in await self.session.execute(
            select(SpotCheck.helper_id, SpotCheck.satisfaction)
            .where(
                SpotCheck.helper_id.in_(list(helper_ids)),
                SpotCheck.satisfaction.is_not(None),
                SpotCheck.checked_at >= start,
                SpotCheck.checked_at < end,
            )
            .order_by(SpotCheck.id)
        ):
            if value is not None:
                found[helper_id].append(int(value))
        return found

    async def open_flags_of(self, helper_ids: Sequence[int]) -> dict[int, int]:
        """open_flags for many helpers."""
        rows = await self.session.execute(
            select(Visit.helper_id, func.count(VisitFlag.id))
            .join(Visit, Visit.id == VisitFlag.visit_id)
            .where(Visit.helper_id.in_(list(helper_ids)), VisitFlag.cleared_at.is_(None))
            .group_by(Visit.helper_id)
        )
        return {h: int(n) for h, n in rows}

    async def complained_about(self, helper_ids: Sequence[int]) -> set[int]:
        """Which of these helpers any resolved complaint names (the rest need no look)."""
        rows = await self.session.scalars(
            select(Complaint.subject_helper_id)
            .where(
                Complaint.subject_helper_id.in_(list(helper_ids)),
                Complaint.status == ComplaintStatus.RESOLVED,
            )
            .distinct()
        )
        return {h for h in rows if h is not None}

    async def appraisals_of(self, helper_ids: Sequence[int], period: str) -> dict[int, Appraisal]:
        """The period's appraisals of these helpers, by helper."""
        rows = await self.session.scalars(
            select(Appraisal).where(
                Appraisal.helper_id.in_(list(helper_ids)), Appraisal.period == period
            )
        )
        return {a.helper_id: a for a in rows}

    # appraisals
    async def appraisal_of(self, helper_id: int, period: str) -> Appraisal | None:
        """The helper's appraisal of a period, if run."""
        return await self.session.scalar(
            select(Appraisal).where(Appraisal.helper_id == helper_id, Appraisal.period == period)
        )

    async def appraisals(
        self, period: str, scope: Scope, *, offset: int = 0, limit: int | None = None
    ) -> tuple[list[tuple[Appraisal, str]], int]:
        """A period's appraisals of helpers in the scope (with names), and how many there are."""
        where = (Appraisal.period == period, helper_in_scope(scope))
        total = await self.session.scalar(
            select(func.count(Appraisal.id))
            .join(User, User.id == Appraisal.helper_id)
            .where(*where)
        )
        query = (
            select(Appraisal, User.name)
            .join(User, User.id == Appraisal.helper_id)
            .where(*where)
            .order_by(User.name, Appraisal.id)
            .offset(offset)
        )
        if limit is not None:
            query = query.limit(limit)
        rows = await self.session.execute(query)
        return [(a, n) for a, n in rows], int(total or 0)

    async def statuses(self, period: str, scope: Scope) -> dict[AppraisalStatus, int]:
        """How many of a period's appraisals in the scope are drafts and how many final."""
        rows = await self.session.execute(
            select(Appraisal.status, func.count(Appraisal.id))
            .join(User, User.id == Appraisal.helper_id)
            .where(Appraisal.period == period, helper_in_scope(scope))
            .group_by(Appraisal.status)
        )
        return {AppraisalStatus(str(status)): int(n) for status, n in rows}

    async def appraisal(self, appraisal_id: int, scope: Scope) -> tuple[Appraisal, str] | None:
        """One appraisal of a helper in the scope, with the helper's name."""
        row = (
            await self.session.execute(
                select(Appraisal, User.name)
                .join(User, User.id == Appraisal.helper_id)
                .where(Appraisal.id == appraisal_id, helper_in_scope(scope))
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def own_appraisals(self, helper_id: int, limit: int) -> list[Appraisal]:
        """A helper's final appraisals, newest first."""
        rows = await self.session.scalars(
            select(Appraisal)
            .where(Appraisal.helper_id == helper_id, Appraisal.status == AppraisalStatus.FINAL)
            .order_by(Appraisal.confirmed_at.desc(), Appraisal.id.desc())
            .limit(limit)
        )
        return list(rows)

    async def latest_final(self, helper_id: int) -> Appraisal | None:
        """The helper's most recently confirmed appraisal."""
        found = await self.own_appraisals(helper_id, 1)
        return found[0] if found else None
