"""Visits, their photos and flags."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Photo, Visit, VisitFlag

# (visit id, visited at, latitude, longitude)
LocatedVisit = tuple[int, datetime, float, float]
# (kind, reason, numbers)
FlagRow = tuple[str, str, dict[str, Any]]


# The save's statements, built once: building them and their cache keys on every save cost
# SQLAlchemy about as much CPU as running them.
_BY_KEY = select(Visit).where(
    Visit.idempotency_key == bindparam("key", type_=Visit.idempotency_key.type)
)
_LOCATED = (
    Visit.helper_id == bindparam("helper_id", type_=Integer),
    Visit.latitude.is_not(None),
)
_LOCATED_COLUMNS = (Visit.id, Visit.visited_at, Visit.latitude, Visit.longitude)
_AT = bindparam("at", type_=Visit.visited_at.type)
_BEFORE = (
    select(*_LOCATED_COLUMNS)
    .where(*_LOCATED, Visit.visited_at <= _AT)
    .order_by(Visit.visited_at.desc())
    .limit(1)
)
_AFTER = (
    select(*_LOCATED_COLUMNS)
    .where(*_LOCATED, Visit.visited_at > _AT)
    .order_by(Visit.visited_at)
    .limit(1)
)
_FLAGS_OF = (
    select(VisitFlag.kind, VisitFlag.reason, VisitFlag.numbers)
    .where(VisitFlag.visit_id == bindparam("visit_id", type_=Integer))
    .order_by(VisitFlag.id)
)


class VisitQueries:
    """Queries over visits, in one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_key(self, key: str) -> Visit | None:
        """The visit stored under an idempotency key."""
        return await self.session.scalar(_BY_KEY, {"key": key})

    async def household_days(self, household_id: int, period: int) -> int:
        """Distinct local days with a visit to the household in the month."""
        days = await self.session.scalar(
            select(func.count(func.distinct(Visit.local_day))).where(
                Visit.household_id == household_id, Visit.period == period
            )
        )
        return int(days or 0)

    async def neighbours(self, helper_id: int, at: datetime) -> list[LocatedVisit]:
        """The helper's located visits just before and just after a moment."""
        params = {"helper_id": helper_id, "at": at}
        before = await self.session.execute(_BEFORE, params)
        after = await self.session.execute(_AFTER, params)
        return [(i, t, lat, lon) for i, t, lat, lon in [*before, *after]]

    async def add_once(self, visit: Visit) -> bool:
        """Store a new visit; False when its idempotency key is already taken (a race)."""
        try:
            async with self.session.begin_nested():
                self.session.add(visit)
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    def add_evidence(self, photos: Sequence[Photo], flags: Sequence[VisitFlag]) -> None:
        """Add a stored visit's photos and flags to the transaction."""
        self.session.add_all([*photos, *flags])

    async def flush(self) -> None:
        """Send pending changes so that ids and constraints are known."""
        await self.session.flush()

    async def flags_of(self, visit_id: int) -> list[FlagRow]:
        """The flags stored for a visit, in the order they were raised."""
        rows = await self.session.execute(_FLAGS_OF, {"visit_id": visit_id})
        return [(k, r, dict(n or {})) for k, r, n in rows]
