"""Onboarding through the real bot process and the emulator, on both databases."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.domain.vocabulary import Role
from emulator.client import ControlClient
from storage.db import SessionFactory
from storage.models import User
from tests.e2e.conftest import Stack
from tests.e2e.visitkit import callback_answer
from tests.factories import make_user


async def _imported(db: SessionFactory, stack: Stack, name: str, role: Role = Role.HELPER) -> int:
    uid = stack.new_user_id()
    async with db() as session, session.begin():
        await make_user(session, name, phone=stack.phone_for(uid), role=role)
    return uid


async def _telegram_user(
    control: ControlClient, uid: int, phone: str, lang: str = "zh-hans"
) -> None:
    await control.create_user(uid, "Test", language_code=lang, phone=phone)


async def test_helper_binds_with_contact_button(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    uid = await _imported(db, stack, "王芳")
    phone = stack.phone_for(uid)
    await _telegram_user(control, uid, phone)
    await control.send_command(uid, "start")
    await control.wait_for_message(uid, "手机号")
    keyboard = await control.reply_keyboard(uid)
    assert keyboard is not None and keyboard["keyboard"][0][0]["request_contact"] is True
    await control.send_contact(uid, phone.removeprefix("+"), own=True)
    await control.wait_for_message(uid, "王芳")
    menu_keyboard = await control.reply_keyboard(uid)
    assert menu_keyboard is not None
    labels = [b["text"] for row in menu_keyboard["keyboard"] for b in row]
    assert "📍 记录走访" in labels
    async with db() as session:
        bound = await session.scalar(select(User).where(User.telegram_id == uid))
    assert bound is not None and bound.name == "王芳"
    menu = await control.commands(chat_id=uid)
    assert "visit" in {c["command"] for c in menu}
    assert "BANGFU_ID_HASH_KEY is the built-in default" in stack.bot.log()


async def test_someone_elses_contact_is_refused(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    victim = await _imported(db, stack, "趙六")
    attacker = stack.new_user_id()
    await _telegram_user(control, attacker, stack.phone_for(attacker))
    await control.send_contact(
        attacker, stack.phone_for(victim), own=False, contact_user_id=victim, first_name="趙六"
    )
    refusal = await control.wait_for_message(attacker, "本人")
    assert "按钮" in refusal["text"]
    async with db() as session:
        assert await session.scalar(select(User).where(User.telegram_id == attacker)) is None


async def test_unknown_number_is_refused_politely(stack: Stack, control: ControlClient) -> None:
    uid = stack.new_user_id()
    await _telegram_user(control, uid, stack.phone_for(uid))
    await control.send_contact(uid, stack.phone_for(uid), own=True)
    refusal = await control.wait_for_message(uid, "未登记")
    assert "扶贫办" in refusal["text"]


async def test_invite_link_works_once(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    office = await _imported(db, stack, "辦公室甲", Role.OFFICE)
    invited = await _imported(db, stack, "孫七")
    async with db() as session, session.begin():
        user = await session.scalar(select(User).where(User.phone == stack.phone_for(office)))
        assert user is not None
        user.telegram_id = office
    await _telegram_user(control, office, stack.phone_for(office))
    await control.send_command(office, "invite", stack.phone_for(invited))
    reply = await control.wait_for_message(office, "t.me/")
    code = re.search(r"start=([\w-]+)", reply["text"])
    assert code is not None
    newcomer = stack.new_user_id()
    await _telegram_user(control, newcomer, "+15550000001")
    await control.send_command(newcomer, "start", code.group(1))
    await control.wait_for_message(newcomer, "孫七")
    other = stack.new_user_id()
    await _telegram_user(control, other, "+15550000002")
    await control.send_command(other, "start", code.group(1))
    await control.wait_for_message(other, "已被使用")
    async with db() as session:
        bound = await session.scalar(select(User.name).where(User.telegram_id == newcomer))
        assert bound == "孫七"
        assert await session.scalar(select(User).where(User.telegram_id == other)) is None


async def test_language_switch_changes_replies_and_menu(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    uid = await _imported(db, stack, "李明")
    await _telegram_user(control, uid, stack.phone_for(uid))
    await control.send_contact(uid, stack.phone_for(uid), own=True)
    await control.wait_for_message(uid, "李明")
    await control.send_command(uid, "language")
    chooser = await control.wait_for_message(uid, "语言")
    await control.press_button(uid, chooser["message_id"], "lang:en")
    await control.wait_for_message(uid, "Menu updated")
    await control.send_command(uid, "help")
    help_text = await control.wait_for_message(uid, "What you can do")
    assert "/visit" in help_text["text"]
    menu = await control.commands(chat_id=uid)
    assert any(c["description"] == "Log a visit to a household" for c in menu)


async def test_unknown_command_and_stale_button(stack: Stack, control: ControlClient) -> None:
    uid = stack.new_user_id()
    await _telegram_user(control, uid, stack.phone_for(uid), lang="en")
    await control.send_command(uid, "frobnicate")
    await control.wait_for_message(uid, "Unknown command")
    await control.send_command(uid, "language")
    chooser = await control.wait_for_message(uid, "Choose a language")
    query_id = await control.press_button(
        uid, chooser["message_id"], "visit:ok:deadbeef", force=True
    )
    assert "expired" in (await callback_answer(control, query_id)).get("text", "")
