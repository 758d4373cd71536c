"""What follows an appraisal: spot checks, rectifications and re-pairing requests.

Scopes as in `storage.queries.appraisal`: a helper is in a scope when their department
matches and, below the county, when they are paired with a household in its villages.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.appraisal import CheckRow, HelperRow
from bot.domain.people import Scope
from bot.domain.vocabulary import Role
from storage.models import (
    Household,
    OrgUnit,
    Pairing,
    Rectification,
    RepairRequest,
    SpotCheck,
    User,
)
from storage.queries.appraisal import helper_in_scope
from storage.queries.records import household_scoped


class ConsequenceQueries:
    """Spot checks, rectifications and re-pairing, in one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        """Stage a new row (spot check, rectification, request)."""
        self.session.add(row)

    async def flush(self) -> None:
        """Send staged rows so that their ids are known."""
        await self.session.flush()

    # spot checks
    async def check_by_key(self, key: str) -> SpotCheck | None:
        """A spot check by its idempotency key."""
        return await self.session.scalar(select(SpotCheck).where(SpotCheck.idempotency_key == key))

    async def household_of_helper(self, helper_id: int, household_id: int) -> str | None:
        """The head's name if the helper is currently paired with the household."""
        return await self.session.scalar(
            select(Household.head_name)
            .join(Pairing, Pairing.household_id == Household.id)
            .where(
                Household.id == household_id,
                Pairing.helper_id == helper_id,
                Pairing.ended_on.is_(None),
            )
        )

    async def recent_checks(self, helper_id: int, limit: int) -> list[CheckRow]:
        """The helper's latest spot checks, newest first."""
        rows = await self.session.execute(
            select(
                SpotCheck.id,
                SpotCheck.method,
                Household.head_name,
                SpotCheck.satisfaction,
                SpotCheck.note,
                SpotCheck.checked_at,
            )
            .outerjoin(Household, Household.id == SpotCheck.household_id)
            .where(SpotCheck.helper_id == helper_id)
            .order_by(SpotCheck.checked_at.desc(), SpotCheck.id.desc())
            .limit(limit)
        )
        return [CheckRow(i, str(m), h, s, n, at) for i, m, h, s, n, at in rows]

    # rectifications
    async def pending_rectification(self, helper_id: int) -> Rectification | None:
        """The helper's latest rectification still open, or failed (to be replaced)."""
        return await self.session.scalar(
            select(Rectification)
            .where(Rectification.helper_id == helper_id, Rectification.status != "closed")
            .order_by(Rectification.id.desc())
            .limit(1)
        )

    async def open_rectifications(
        self,
    ) -> list[tuple[Rectification, str, int | None, str | None]]:
        """Every open rectification with the helper's name, Telegram id and language."""
        rows = await self.session.execute(
            select(Rectification, User.name, User.telegram_id, User.language)
            .join(User, User.id == Rectification.helper_id)
            .where(Rectification.status == "open")
            .order_by(Rectification.due_on, Rectification.id)
        )
        return [(r, n, t, lang) for r, n, t, lang in rows]

    async def rectification(self, rect_id: int, scope: Scope) -> Rectification | None:
        """An open rectification of a helper in the scope."""
        return await self.session.scalar(
            select(Rectification)
            .join(User, User.id == Rectification.helper_id)
            .where(
                Rectification.id == rect_id,
                Rectification.status == "open",
                helper_in_scope(scope),
            )
        )

    async def office_chats(self) -> list[tuple[int, str | None, str | None]]:
        """Bound, active office users: (Telegram id, language, scope path)."""
        rows = await self.session.execute(
            select(User.telegram_id, User.language, OrgUnit.path)
            .outerjoin(OrgUnit, OrgUnit.id == User.scope_id)
            .where(User.role == Role.OFFICE, User.active.is_(True), User.telegram_id.is_not(None))
        )
        return [(int(t), lang, p) for t, lang, p in rows if t is not None]

    async def leader_chats(self) -> list[tuple[int, str | None, str | None]]:
        """Bound, active leaders: (Telegram id, language, scope path)."""
        rows = await self.session.execute(
            select(User.telegram_id, User.language, OrgUnit.path)
            .outerjoin(OrgUnit, OrgUnit.id == User.scope_id)
            .where(User.role == Role.LEADER, User.active.is_(True), User.telegram_id.is_not(None))
        )
        return [(int(t), lang, p) for t, lang, p in rows if t is not None]

    # re-pairing
    async def household(self, household_id: int, scope: Scope) -> tuple[Household, str] | None:
        """A household in the scope with its village's path."""
        query = household_scoped(
            select(Household, OrgUnit.path)
            .join(OrgUnit, OrgUnit.id == Household.village_id)
            .where(Household.id == household_id),
            scope,
        )
        row = (await self.session.execute(query)).first()
        return (row[0], row[1]) if row else None

    async def open_pairing(self, household_id: int) -> Pairing | None:
        """The household's current pairing (the first, if several)."""
        return await self.session.scalar(
            select(Pairing)
            .where(Pairing.household_id == household_id, Pairing.ended_on.is_(None))
            .order_by(Pairing.id)
            .limit(1)
        )

    async def any_helper(self, helper_id: int) -> HelperRow | None:
        """An active helper by id, wherever they work (the new helper of a re-pairing)."""
        row = (
            await self.session.execute(
                select(User.id, User.name).where(
                    User.id == helper_id, User.role == Role.HELPER, User.active.is_(True)
                )
            )
        ).first()
        return HelperRow(row[0], row[1]) if row else None

    async def repair_request(
        self, request_id: int, scope: Scope
    ) -> tuple[RepairRequest, str] | None:
        """A re-pairing request whose household lies in the scope, with the village path."""
        query = household_scoped(
            select(RepairRequest, OrgUnit.path)
            .join(Household, Household.id == RepairRequest.household_id)
            .join(OrgUnit, OrgUnit.id == Household.village_id)
            .where(RepairRequest.id == request_id),
            scope,
        )
        row = (await self.session.execute(query)).first()
        return (row[0], row[1]) if row else None

    async def pending_requests(self, scope: Scope) -> list[RepairRequest]:
        """Re-pairing requests awaiting a leader, in the scope, oldest first."""
        query = household_scoped(
            select(RepairRequest)
            .join(Household, Household.id == RepairRequest.household_id)
            .join(OrgUnit, OrgUnit.id == Household.village_id)
            .where(RepairRequest.status == "pending")
            .order_by(RepairRequest.id),
            scope,
        )
        return list((await self.session.scalars(query)).all())

    async def names(self, user_ids: Sequence[int | None]) -> dict[int, str]:
        """Users' names by id."""
        ids = [i for i in user_ids if i is not None]
        if not ids:
            return {}
        rows = await self.session.execute(select(User.id, User.name).where(User.id.in_(ids)))
        return {i: n for i, n in rows}

    async def pairings(self, household_id: int) -> list[Pairing]:
        """A household's pairing history, oldest first."""
        rows = await self.session.scalars(
            select(Pairing).where(Pairing.household_id == household_id).order_by(Pairing.id)
        )
        return list(rows)
