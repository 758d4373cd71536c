"""Binding accounts by contact and by invite, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.errors import InviteExpired, InviteInvalid, InviteUsed, NotAllowed, UnknownPhone
from bot.services.onboarding import (
    bind_by_contact,
    create_invite,
    redeem_invite,
    user_by_telegram,
)
from storage.db import SessionFactory
from storage.enums import Role
from storage.models import AuditEntry, User
from tests.factories import make_user

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


async def test_contact_binds_the_matching_user(sessions: SessionFactory) -> None:
    async with sessions() as session, session.begin():
        await make_user(session, "王芳", phone="+8613800000001")
    async with sessions() as session, session.begin():
        binding = await bind_by_contact(
            session, telegram_id=555, phone="8613800000001", now=NOW, office="辦公室"
        )
    assert binding.newly_bound and binding.user.name == "王芳"
    async with sessions() as session:
        user = await user_by_telegram(session, 555)
        assert user is not None and user.phone == "+8613800000001"
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert actions == ["user.bind"]


async def test_sharing_again_is_not_a_new_binding(sessions: SessionFactory) -> None:
    async with sessions() as session, session.begin():
        await make_user(session, phone="+8613800000002", telegram_id=556)
    async with sessions() as session, session.begin():
        binding = await bind_by_contact(
            session, telegram_id=556, phone="+86 138 0000 0002", now=NOW, office="x"
        )
    assert not binding.newly_bound


async def test_unknown_number_is_refused_with_whom_to_contact(sessions: SessionFactory) -> None:
    with pytest.raises(UnknownPhone) as caught:
        async with sessions() as session, session.begin():
            await bind_by_contact(
                session, telegram_id=1, phone="13900000000", now=NOW, office="縣扶貧辦"
            )
    assert "縣扶貧辦" in str(caught.value)
    async with sessions() as session:
        assert await session.scalar(select(User).where(User.telegram_id == 1)) is None


async def test_invite_works_once(sessions: SessionFactory) -> None:
    async with sessions() as session, session.begin():
        office = await make_user(session, "辦公室", role=Role.OFFICE, telegram_id=10)
        target = await make_user(session, "趙六", phone="+8613800000077")
        invite = await create_invite(
            session, actor=office, target="13800000077", now=NOW, valid_for=timedelta(hours=1)
        )
    async with sessions() as session, session.begin():
        binding = await redeem_invite(session, code=invite.code, telegram_id=77, now=NOW)
    assert binding.user.id == target.id
    with pytest.raises(InviteUsed):
        async with sessions() as session, session.begin():
            await redeem_invite(session, code=invite.code, telegram_id=78, now=NOW)
    async with sessions() as session:
        user = await user_by_telegram(session, 77)
        assert user is not None and user.id == target.id
        assert await user_by_telegram(session, 78) is None


async def test_invite_expires(sessions: SessionFactory) -> None:
    async with sessions() as session, session.begin():
        office = await make_user(session, role=Role.LEADER)
        await make_user(session, "孫七", phone="+8613800000088")
        invite = await create_invite(
            session, actor=office, target="孫七", now=NOW, valid_for=timedelta(hours=1)
        )
    with pytest.raises(InviteExpired):
        async with sessions() as session, session.begin():
            await redeem_invite(
                session, code=invite.code, telegram_id=88, now=NOW + timedelta(hours=2)
            )
    with pytest.raises(InviteInvalid):
        async with sessions() as session, session.begin():
            await redeem_invite(session, code="forged", telegram_id=88, now=NOW)


async def test_helpers_cannot_invite(sessions: SessionFactory) -> None:
    with pytest.raises(NotAllowed):
        async with sessions() as session, session.begin():
            helper = await make_user(session, role=Role.HELPER)
            await create_invite(
                session, actor=helper, target="x", now=NOW, valid_for=timedelta(hours=1)
            )


async def test_one_account_speaks_for_one_user(sessions: SessionFactory) -> None:
    async with sessions() as session, session.begin():
        await make_user(session, "甲", phone="+8613800000091", telegram_id=900)
        await make_user(session, "乙", phone="+8613800000092")
    async with sessions() as session, session.begin():
        await bind_by_contact(session, telegram_id=900, phone="8613800000092", now=NOW, office="x")
    async with sessions() as session:
        bound = list(await session.scalars(select(User.name).where(User.telegram_id == 900)))
    assert bound == ["乙"]
