"""Open evidence flags as the office reviews them, always within the reviewer's scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.people import Scope
from bot.domain.review import OpenFlag
from bot.domain.vocabulary import FlagKind
from storage.models import Household, OrgUnit, User, Visit, VisitFlag


def _scoped(query: Select[Any], scope: Scope) -> Select[Any]:
    """Limit a query joined to Visit, Household's village (OrgUnit) and helper (User)."""
    if scope.org_path is not None:
        query = query.where(OrgUnit.path.startswith(scope.org_path, autoescape=True))
    if scope.department_id is not None:
        query = query.where(User.department_id == scope.department_id)
    return query


def _joined(query: Select[Any]) -> Select[Any]:
    return (
        query.join(Visit, Visit.id == VisitFlag.visit_id)
        .join(User, User.id == Visit.helper_id)
        .join(Household, Household.id == Visit.household_id)
        .join(OrgUnit, OrgUnit.id == Household.village_id)
    )


class ReviewQueries:
    """Queries over evidence flags, in one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open_flags(
        self, scope: Scope, *, offset: int, limit: int
    ) -> tuple[list[OpenFlag], int]:
        """A page of uncleared flags in scope, newest visits first, and how many in all."""
        is_open = VisitFlag.cleared_at.is_(None)
        total = await self.session.scalar(
            _scoped(_joined(select(func.count(VisitFlag.id))).where(is_open), scope)
        )
        rows = await self.session.execute(
            _scoped(
                _joined(
                    select(
                        VisitFlag.id,
                        VisitFlag.kind,
                        VisitFlag.reason,
                        VisitFlag.numbers,
                        Visit.id,
                        Visit.visited_at,
                        User.name,
                        Household.id,
                        Household.head_name,
                        OrgUnit.name,
                        Household.proposed_home_lat,
                    )
                ).where(is_open),
                scope,
            )
            .order_by(Visit.visited_at.desc(), VisitFlag.id)
            .offset(offset)
            .limit(limit)
        )
        flags = [
            OpenFlag(
                flag_id=fid,
                kind=FlagKind(kind),
                reason=reason,
                numbers=dict(numbers or {}),
                visit_id=vid,
                visited_at=at,
                helper_name=helper,
                household_id=hid,
                household_name=hname,
                village=village,
                has_proposed_home=proposed is not None,
            )
            for fid, kind, reason, numbers, vid, at, helper, hid, hname, village, proposed in rows
        ]
        return flags, int(total or 0)

    async def open_flag(self, flag_id: int, scope: Scope) -> VisitFlag | None:
        """An uncleared flag, if it exists and lies in the scope."""
        flag: VisitFlag | None = await self.session.scalar(
            _scoped(
                _joined(select(VisitFlag)).where(
                    VisitFlag.id == flag_id, VisitFlag.cleared_at.is_(None)
                ),
                scope,
            )
        )
        return flag

    async def open_flags_of_visit(self, visit_id: int, kind: FlagKind) -> list[VisitFlag]:
        """A visit's uncleared flags of one kind."""
        return list(
            await self.session.scalars(
                select(VisitFlag).where(
                    VisitFlag.visit_id == visit_id,
                    VisitFlag.kind == str(kind),
                    VisitFlag.cleared_at.is_(None),
                )
            )
        )
