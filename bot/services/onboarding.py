"""Binding Telegram accounts to users: by shared contact, or by a one-time invite link."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import (
    AmbiguousUser,
    InviteExpired,
    InviteInvalid,
    InviteUsed,
    NotAllowed,
    UnknownPhone,
    UserNotFound,
)
from bot.identity import InvalidPhone, normalize_phone
from bot.roles import can_invite
from bot.services.audit import record
from storage.models import Invite, User


@dataclass(frozen=True)
class Binding:
    """The outcome of binding a Telegram account."""

    user: User
    newly_bound: bool


async def user_by_telegram(session: AsyncSession, telegram_id: int) -> User | None:
    """The active user bound to a Telegram account, if any."""
    return await session.scalar(
        select(User).where(User.telegram_id == telegram_id, User.active.is_(True))
    )


async def _bind(
    session: AsyncSession, user: User, telegram_id: int, now: datetime, how: str
) -> bool:
    if user.telegram_id == telegram_id:
        return False
    # One Telegram account speaks for one user: release it from any earlier binding first.
    await session.execute(
        update(User)
        .where(User.telegram_id == telegram_id, User.id != user.id)
        .values(telegram_id=None, bound_at=None)
    )
    previous = user.telegram_id
    user.telegram_id = telegram_id
    user.bound_at = now
    await session.flush()
    record(
        session,
        user,
        "user.bind",
        target_type="user",
        target_id=user.id,
        how=how,
        rebound=previous is not None,
    )
    return True


async def bind_by_contact(
    session: AsyncSession, *, telegram_id: int, phone: str, now: datetime, office: str
) -> Binding:
    """Bind the account whose own verified contact carries `phone` to the matching user."""
    try:
        canonical = normalize_phone(phone, international=True)  # Telegram sends country codes
    except InvalidPhone:
        raise UnknownPhone(phone=phone, office=office) from None
    user = await session.scalar(select(User).where(User.phone == canonical))
    if user is None or not user.active:
        raise UnknownPhone(phone=canonical, office=office)
    newly = await _bind(session, user, telegram_id, now, "contact")
    return Binding(user=user, newly_bound=newly)


async def find_user(session: AsyncSession, query: str) -> User:
    """One user by phone number or exact name; refuses when none or several match."""
    query = query.strip()
    conditions = [User.name == query]
    with contextlib.suppress(InvalidPhone):
        conditions.append(User.phone == normalize_phone(query))
    users = list(await session.scalars(select(User).where(or_(*conditions)).limit(2)))
    if not users:
        raise UserNotFound(query=query)
    if len(users) > 1:
        raise AmbiguousUser(query=query)
    return users[0]


async def create_invite(
    session: AsyncSession, *, actor: User, target: str, now: datetime, valid_for: timedelta
) -> Invite:
    """A one-time invite code binding whoever opens it to the user named by `target`."""
    if not can_invite(actor.role):
        raise NotAllowed()
    user = await find_user(session, target)
    invite = Invite(
        code=secrets.token_urlsafe(12),
        user_id=user.id,
        role=user.role,
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + valid_for,
    )
    session.add(invite)
    await session.flush()
    record(
        session,
        actor,
        "invite.create",
        target_type="user",
        target_id=user.id,
        invite_id=invite.id,
        expires_at=invite.expires_at.isoformat(),
    )
    return invite


async def redeem_invite(
    session: AsyncSession, *, code: str, telegram_id: int, now: datetime
) -> Binding:
    """Use an invite code once: bind the opener's account to the invited user."""
    invite = await session.scalar(select(Invite).where(Invite.code == code).with_for_update())
    if invite is None or invite.user_id is None:
        raise InviteInvalid()
    if invite.used_at is not None:
        raise InviteUsed()
    if invite.expires_at <= now:
        raise InviteExpired()
    user = await session.get(User, invite.user_id)
    if user is None or not user.active:
        raise InviteInvalid()
    # Mark it used with a guarded UPDATE so two simultaneous openings cannot both succeed.
    claimed = await session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None))
        .values(used_at=now, used_by_id=user.id)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InviteUsed()
    newly = await _bind(session, user, telegram_id, now, "invite")
    return Binding(user=user, newly_bound=newly)


async def set_language(session: AsyncSession, telegram_id: int, language: str) -> bool:
    """Save a bound user's language choice; False when the account is not bound."""
    user = await user_by_telegram(session, telegram_id)
    if user is None:
        return False
    user.language = language
    return True
