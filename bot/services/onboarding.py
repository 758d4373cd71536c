"""Binding Telegram accounts to users: by shared contact, or by a one-time invite link."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.errors import (
    AmbiguousUser,
    InviteExpired,
    InviteInvalid,
    InviteUsed,
    NotAllowed,
    UnknownPhone,
    UserNotFound,
)
from bot.domain.people import Actor
from bot.domain.roles import can_invite
from bot.identity import InvalidPhone, normalize_phone
from storage.models import Invite, User
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Binding:
    """The outcome of binding a Telegram account."""

    actor: Actor
    newly_bound: bool


@dataclass(frozen=True)
class CreatedInvite:
    """A one-time invite code and when it stops working."""

    code: str
    expires_at: datetime
    user_name: str


async def actor_by_telegram(uow: UnitOfWork, telegram_id: int) -> Actor | None:
    """The signed-in user of a Telegram account, if it is bound to an active user."""
    async with uow:
        return await uow.people.actor_by_telegram(telegram_id)


async def _bind(uow: UnitOfWork, user: User, telegram_id: int, now: datetime, how: str) -> bool:
    if user.telegram_id == telegram_id:
        return False
    # One Telegram account speaks for one user: release it from any earlier binding first.
    await uow.people.release_telegram(telegram_id, user.id)
    previous = user.telegram_id
    user.telegram_id = telegram_id
    user.bound_at = now
    await uow.flush()
    uow.record(
        await uow.people.actor(user),
        "user.bind",
        target_type="user",
        target_id=user.id,
        how=how,
        rebound=previous is not None,
    )
    return True


async def bind_by_contact(
    uow: UnitOfWork, *, telegram_id: int, phone: str, now: datetime, office: str
) -> Binding:
    """Bind the account whose own verified contact carries `phone` to the matching user."""
    try:
        canonical = normalize_phone(phone, international=True)  # Telegram sends country codes
    except InvalidPhone:
        raise UnknownPhone(phone=phone, office=office) from None
    async with uow:
        user = await uow.people.by_phone(canonical)
        if user is None or not user.active:
            raise UnknownPhone(phone=canonical, office=office)
        newly = await _bind(uow, user, telegram_id, now, "contact")
        binding = Binding(actor=await uow.people.actor(user), newly_bound=newly)
        await uow.commit()
        return binding


async def _find_user(uow: UnitOfWork, query: str) -> User:
    query = query.strip()
    phone = None
    with contextlib.suppress(InvalidPhone):
        phone = normalize_phone(query)
    users = await uow.people.matching(query, phone)
    if not users:
        raise UserNotFound(query=query)
    if len(users) > 1:
        raise AmbiguousUser(query=query)
    return users[0]


async def create_invite(
    uow: UnitOfWork, actor: Actor, *, target: str, now: datetime, valid_for: timedelta
) -> CreatedInvite:
    """A one-time invite code binding whoever opens it to the user named by `target`."""
    if not can_invite(actor.role):
        raise NotAllowed()
    async with uow:
        user = await _find_user(uow, target)
        invite = await uow.people.add_invite(
            Invite(
                code=secrets.token_urlsafe(12),
                user_id=user.id,
                role=user.role,
                created_by_id=actor.id,
                created_at=now,
                expires_at=now + valid_for,
            )
        )
        uow.record(
            actor,
            "invite.create",
            target_type="user",
            target_id=user.id,
            invite_id=invite.id,
            expires_at=invite.expires_at.isoformat(),
        )
        created = CreatedInvite(
            code=invite.code, expires_at=invite.expires_at, user_name=user.name
        )
        await uow.commit()
        return created


async def redeem_invite(uow: UnitOfWork, *, code: str, telegram_id: int, now: datetime) -> Binding:
    """Use an invite code once: bind the opener's account to the invited user."""
    async with uow:
        invite = await uow.people.invite_for_update(code)
        if invite is None or invite.user_id is None:
            raise InviteInvalid()
        if invite.used_at is not None:
            raise InviteUsed()
        if invite.expires_at <= now:
            raise InviteExpired()
        user = await uow.people.get(invite.user_id)
        if user is None or not user.active:
            raise InviteInvalid()
        # A guarded UPDATE, so two simultaneous openings cannot both succeed.
        if not await uow.people.claim_invite(invite.id, user.id, now):
            raise InviteUsed()
        newly = await _bind(uow, user, telegram_id, now, "invite")
        binding = Binding(actor=await uow.people.actor(user), newly_bound=newly)
        await uow.commit()
        return binding


async def set_language(uow: UnitOfWork, telegram_id: int, language: str) -> bool:
    """Save a bound user's language choice; False when the account is not bound."""
    async with uow:
        user = await uow.people.by_telegram(telegram_id)
        if user is None:
            return False
        user.language = language
        await uow.commit()
        return True
