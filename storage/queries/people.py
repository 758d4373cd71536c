"""Users, their Telegram binding, and invites."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.people import Actor, scope_for
from storage.models import Invite, OrgUnit, User


def actor_of(user: User, scope_path: str | None) -> Actor:
    """The frozen picture of a user that the core passes around."""
    return Actor(
        id=user.id,
        name=user.name,
        role=user.role,
        language=user.language,
        scope=scope_for(user.role, scope_path, user.department_id),
        department_id=user.department_id,
    )


class PeopleQueries:
    """Queries over users and invites, in one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def actor_by_telegram(self, telegram_id: int) -> Actor | None:
        """The active user bound to a Telegram account, as an actor with their scope."""
        row = (
            await self.session.execute(
                select(User, OrgUnit.path)
                .outerjoin(OrgUnit, OrgUnit.id == User.scope_id)
                .where(User.telegram_id == telegram_id, User.active.is_(True))
            )
        ).first()
        return None if row is None else actor_of(row[0], row[1])

    async def actor(self, user: User) -> Actor:
        """The actor of a loaded user (their scope's path looked up)."""
        path = None
        if user.scope_id is not None:
            path = await self.session.scalar(
                select(OrgUnit.path).where(OrgUnit.id == user.scope_id)
            )
        return actor_of(user, path)

    async def by_telegram(self, telegram_id: int) -> User | None:
        """The active user row bound to a Telegram account."""
        return await self.session.scalar(
            select(User).where(User.telegram_id == telegram_id, User.active.is_(True))
        )

    async def by_phone(self, phone: str) -> User | None:
        """The user with this canonical phone number."""
        return await self.session.scalar(select(User).where(User.phone == phone))

    async def get(self, user_id: int) -> User | None:
        """A user by id."""
        return await self.session.get(User, user_id)

    async def matching(self, name: str, phone: str | None, limit: int = 2) -> list[User]:
        """Users whose name is exactly `name` or whose phone is `phone`."""
        conditions = [User.name == name]
        if phone is not None:
            conditions.append(User.phone == phone)
        return list(await self.session.scalars(select(User).where(or_(*conditions)).limit(limit)))

    async def release_telegram(self, telegram_id: int, keep_user_id: int) -> None:
        """Unbind a Telegram account from every user but one."""
        await self.session.execute(
            update(User)
            .where(User.telegram_id == telegram_id, User.id != keep_user_id)
            .values(telegram_id=None, bound_at=None)
        )

    async def add_invite(self, invite: Invite) -> Invite:
        """Store a new invite and give it its id."""
        self.session.add(invite)
        await self.session.flush()
        return invite

    async def invite_for_update(self, code: str) -> Invite | None:
        """An invite by code, locked for the rest of the transaction where supported."""
        return await self.session.scalar(
            select(Invite).where(Invite.code == code).with_for_update()
        )

    async def claim_invite(self, invite_id: int, user_id: int, now: datetime) -> bool:
        """Mark an unused invite used; False if another opening claimed it first."""
        claimed = await self.session.execute(
            update(Invite)
            .where(Invite.id == invite_id, Invite.used_at.is_(None))
            .values(used_at=now, used_by_id=user_id)
        )
        return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]
