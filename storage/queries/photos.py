"""Stored photos as the duplicate search reads them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Photo, Visit

# (photo id, sha256, fingerprint, visit id, helper id, household id)
PhotoRow = tuple[int, str, str, int, int, int]


class PhotoQueries:
    """Queries over stored photos, in one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def since(self, floor_id: int) -> list[PhotoRow]:
        """Every photo with an id above `floor_id`, with its visit's helper and household."""
        result = await self.session.execute(
            select(
                Photo.id,
                Photo.sha256,
                Photo.fingerprint,
                Photo.visit_id,
                Visit.helper_id,
                Visit.household_id,
            )
            .join(Visit, Visit.id == Photo.visit_id)
            .where(Photo.id > floor_id)
        )
        return [(p, s, f, v, h, hh) for p, s, f, v, h, hh in result]
