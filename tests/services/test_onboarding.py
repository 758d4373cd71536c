"""Binding accounts by contact and by invite, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain.errors import InviteExpired, InviteInvalid, InviteUsed, NotAllowed, UnknownPhone
from bot.domain.vocabulary import Role
from bot.services.onboarding import (
    actor_by_telegram,
    bind_by_contact,
    create_invite,
    redeem_invite,
)
from storage.db import SessionFactory
from storage.models import AuditEntry, User
from storage.queries.people import actor_of
from storage.uow import UnitOfWork
from tests.factories import make_user

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
Uows = Callable[[], UnitOfWork]


async def test_contact_binds_the_matching_user(sessions: SessionFactory, uows: Uows) -> None:
    async with sessions() as session, session.begin():
        await make_user(session, "王芳", phone="+8613800000001")
    binding = await bind_by_contact(
        uows(), telegram_id=555, phone="8613800000001", now=NOW, office="辦公室"
    )
    assert binding.newly_bound and binding.actor.name == "王芳"
    actor = await actor_by_telegram(uows(), 555)
    assert actor is not None and actor.id == binding.actor.id and actor.role == Role.HELPER
    async with sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert actions == ["user.bind"]


async def test_sharing_again_is_not_a_new_binding(sessions: SessionFactory, uows: Uows) -> None:
    async with sessions() as session, session.begin():
        await make_user(session, phone="+8613800000002", telegram_id=556)
    binding = await bind_by_contact(
        uows(), telegram_id=556, phone="+86 138 0000 0002", now=NOW, office="x"
    )
    assert not binding.newly_bound


async def test_unknown_number_is_refused_with_whom_to_contact(
    sessions: SessionFactory, uows: Uows
) -> None:
    with pytest.raises(UnknownPhone) as caught:
        await bind_by_contact(
            uows(), telegram_id=1, phone="13900000000", now=NOW, office="縣扶貧辦"
        )
    assert "縣扶貧辦" in str(caught.value)
    async with sessions() as session:
        assert await session.scalar(select(User).where(User.telegram_id == 1)) is None


async def test_invite_works_once(sessions: SessionFactory, uows: Uows) -> None:
    async with sessions() as session, session.begin():
        office = actor_of(
            await make_user(session, "辦公室", role=Role.OFFICE, telegram_id=10), None
        )
        target = await make_user(session, "趙六", phone="+8613800000077")
    invite = await create_invite(
        uows(), office, target="13800000077", now=NOW, valid_for=timedelta(hours=1)
    )
    assert invite.user_name == "趙六"
    binding = await redeem_invite(uows(), code=invite.code, telegram_id=77, now=NOW)
    assert binding.actor.id == target.id
    with pytest.raises(InviteUsed):
        await redeem_invite(uows(), code=invite.code, telegram_id=78, now=NOW)
    actor = await actor_by_telegram(uows(), 77)
    assert actor is not None and actor.id == target.id
    assert await actor_by_telegram(uows(), 78) is None


async def test_invite_expires(sessions: SessionFactory, uows: Uows) -> None:
    async with sessions() as session, session.begin():
        office = actor_of(await make_user(session, role=Role.LEADER), None)
        await make_user(session, "孫七", phone="+8613800000088")
    invite = await create_invite(
        uows(), office, target="孫七", now=NOW, valid_for=timedelta(hours=1)
    )
    with pytest.raises(InviteExpired):
        await redeem_invite(uows(), code=invite.code, telegram_id=88, now=NOW + timedelta(hours=2))
    with pytest.raises(InviteInvalid):
        await redeem_invite(uows(), code="forged", telegram_id=88, now=NOW)


async def test_helpers_cannot_invite(sessions: SessionFactory, uows: Uows) -> None:
    async with sessions() as session, session.begin():
        helper = actor_of(await make_user(session, role=Role.HELPER), None)
    with pytest.raises(NotAllowed):
        await create_invite(uows(), helper, target="x", now=NOW, valid_for=timedelta(hours=1))


async def test_one_account_speaks_for_one_user(sessions: SessionFactory, uows: Uows) -> None:
    async with sessions() as session, session.begin():
        await make_user(session, "甲", phone="+8613800000091", telegram_id=900)
        await make_user(session, "乙", phone="+8613800000092")
    await bind_by_contact(uows(), telegram_id=900, phone="8613800000092", now=NOW, office="x")
    async with sessions() as session:
        bound = list(await session.scalars(select(User.name).where(User.telegram_id == 900)))
    assert bound == ["乙"]
