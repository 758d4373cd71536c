"""The sharp edges of the chat, as a user meets them: menu buttons inside conversations,
edits that change nothing, stale buttons, long texts, forged buttons outside one's scope."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from sqlalchemy import select

from bot.domain.vocabulary import Role
from emulator.client import ControlClient
from storage.db import SessionFactory
from storage.models import Household, OrgUnit, Pairing, User, VisitFlag
from tests.e2e.conftest import Stack
from tests.e2e.visitkit import (
    HOME,
    Helper,
    bound_helper,
    button_data,
    callback_answer,
    camera_photo,
    confirm_summary,
    log_visit,
    save,
    up_to_the_note,
    visits_of,
)
from tests.factories import make_household, make_user

MONTH_BUTTON = "📋 本月走访"
HELP_BUTTON = "❓ 帮助"


def _rejected(stats: dict[str, Any]) -> int:
    return int(stats["by_status"].get("400", 0))


def _errors_in_log(stack: Stack) -> int:
    return stack.bot.log_path.read_text(encoding="utf-8").count("error while handling update")


async def _press_menu_buttons(control: ControlClient, helper: Helper, still_open: bool) -> None:
    """Both menu buttons do what they say; the visit is said to be still open.

    A reply-keyboard press arrives as the label's text, so the labels are sent as text: the
    location step shows its own keyboard, yet an old menu may still be pressed.
    """
    await control.send_text(helper.uid, MONTH_BUTTON)
    await control.wait_for_message(helper.uid, "应走访")
    if still_open:
        await control.wait_for_message(helper.uid, "尚未完成")
    await control.send_text(helper.uid, HELP_BUTTON)
    await control.wait_for_message(helper.uid, "/visit")
    if still_open:
        await control.wait_for_message(helper.uid, "尚未完成")


async def test_menu_buttons_at_every_visit_step_are_never_data(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db)
    errors = _errors_in_log(stack)
    await control.send_command(helper.uid, "visit")
    chooser = await control.wait_for_message(helper.uid, "哪一户")
    await _press_menu_buttons(control, helper, still_open=False)  # choosing: no draft yet
    await control.press_button(
        helper.uid, chooser["message_id"], f"visit:hh:{helper.household_id}"
    )
    await control.wait_for_message(helper.uid, "分享您的位置")
    await _press_menu_buttons(control, helper, still_open=True)  # location step
    await control.send_location(helper.uid, *HOME, horizontal_accuracy=10)
    await control.wait_for_message(helper.uid, "已收到位置")
    await _press_menu_buttons(control, helper, still_open=True)  # photo step
    await control.send_photo(helper.uid, camera_photo(501))
    await control.wait_for_message(helper.uid, "第 1 张照片")
    await _press_menu_buttons(control, helper, still_open=True)  # photos sent, note awaited
    summary = await confirm_summary(control, helper, "看望了老人")
    await _press_menu_buttons(control, helper, still_open=True)  # confirm step
    await control.press_button(
        helper.uid, summary["message_id"], button_data(summary, "visit:ok:")
    )
    # The summary itself becomes the receipt (an edit of an earlier message).
    await control.wait_for_message(
        helper.uid, "走访已保存", after_message_id=summary["message_id"] - 1
    )
    [visit] = await visits_of(db, helper)
    assert visit.note == "看望了老人"
    assert _errors_in_log(stack) == errors


async def test_a_menu_button_is_not_a_reason_to_clear_a_flag(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db, "遠處")
    far = (HOME[0] + 0.05, HOME[1])
    await log_visit(control, helper, location=far, photos=[camera_photo(502, gps=far)])
    uid = stack.new_user_id()
    async with db() as session, session.begin():
        await make_user(
            session, "核查員", phone=stack.phone_for(uid), role=Role.OFFICE, telegram_id=uid
        )
        flag_id = await session.scalar(
            select(VisitFlag.id).where(VisitFlag.visit.has(helper_id=helper.user_id))
        )
    assert flag_id is not None
    await control.create_user(uid, "核查員", language_code="zh-hans")
    await control.send_command(uid, "flags")
    listing = await control.wait_for_message(uid, "待核查疑点")
    await control.press_button(uid, listing["message_id"], f"flag:clear:{flag_id}")
    await control.wait_for_message(uid, "理由")
    for label in ("🚩 疑点核查", "🔗 邀请", HELP_BUTTON):
        await control.send_text(uid, label)
        await control.wait_for_message(uid, f"仍在等待核销疑点 #{flag_id}")
    async with db() as session:
        flag = await session.get(VisitFlag, flag_id)
    assert flag is not None and flag.cleared_at is None
    await control.send_text(uid, "电话核实")
    await control.wait_for_message(uid, f"#{flag_id} 已核销")
    async with db() as session:
        flag = await session.get(VisitFlag, flag_id)
    assert flag is not None and flag.clear_reason == "电话核实"


async def test_choosing_the_same_language_again_is_quietly_fine(
    stack: Stack, control: ControlClient
) -> None:
    uid = stack.new_user_id()
    await control.create_user(uid, "遊客", language_code="zh-hans")
    errors = _errors_in_log(stack)
    await control.send_command(uid, "language")
    menu = await control.wait_for_message(uid, "请选择语言")
    before = _rejected(await control.stats())
    # A double tap: the second press edits the message to the text it already has.
    for _ in range(2):
        query = await control.press_button(uid, menu["message_id"], "lang:en", force=True)
        answer = await callback_answer(control, query)
        assert not answer.get("show_alert")
    await control.send_command(uid, "language")  # and once more from a new menu
    menu = await control.wait_for_message(uid, "Choose a language")
    query = await control.press_button(uid, menu["message_id"], "lang:en")
    assert not (await callback_answer(control, query)).get("show_alert")
    messages = await control.messages(uid)
    assert not any("went wrong" in m.get("text", "") for m in messages)
    assert any(m.get("text") == "Language set: English." for m in messages)
    assert _rejected(await control.stats()) == before  # the unchanged edit was never sent
    assert _errors_in_log(stack) == errors


async def test_older_summaries_buttons_never_fail(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db)
    errors = _errors_in_log(stack)
    await up_to_the_note(control, helper, 503)
    old = await confirm_summary(control, helper, "第一稿")
    await confirm_summary(control, helper, "第二稿")  # typed again: a newer summary
    change = button_data(old, "visit:note:")
    for _ in range(2):  # the second press finds the buttons already gone: nothing to edit
        query = await control.press_button(helper.uid, old["message_id"], change, force=True)
        await callback_answer(control, query)
        await control.wait_for_message(helper.uid, "新的备注")
    newest = await confirm_summary(control, helper, "第三稿")
    reply = await save(control, helper, newest)
    assert "走访已保存" in reply["text"]
    query = await control.press_button(
        helper.uid, old["message_id"], button_data(old, "visit:no:"), force=True
    )
    answer = await callback_answer(control, query)
    assert answer.get("show_alert") and "失效" in answer.get("text", ""), answer
    [visit] = await visits_of(db, helper)
    assert visit.note == "第三稿"
    assert _errors_in_log(stack) == errors


async def test_discard_says_discarded(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db)
    await up_to_the_note(control, helper, 504)
    summary = await confirm_summary(control, helper, "不要了")
    query = await control.press_button(
        helper.uid, summary["message_id"], button_data(summary, "visit:no:")
    )
    await callback_answer(control, query)
    await control.wait_for_message(helper.uid, "已放弃")
    assert await visits_of(db, helper) == []


async def test_a_note_split_by_telegram_is_refused_whole(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db)
    await up_to_the_note(control, helper, 505)
    # What a phone sends for a 4,600-character text: two messages, the same second.
    sent = int(time.time())
    await control.send_text(helper.uid, "长" * 4096, date=sent)
    await control.wait_for_message(helper.uid, "备注太长")
    await control.send_text(helper.uid, "尾" * 504, date=sent)
    await control.wait_for_message(helper.uid, "后半部分")
    # A minute later, a note of the right length is taken.
    await control.send_text(helper.uid, "简短的备注", date=sent + 60)
    summary = await control.wait_for_message(helper.uid, "保存这次走访")
    await save(control, helper, summary)
    [visit] = await visits_of(db, helper)
    assert visit.note == "简短的备注"


async def test_household_pages_change_in_place_and_the_current_page_costs_nothing(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db)
    async with db() as session, session.begin():
        household = await session.get(Household, helper.household_id)
        assert household is not None
        village = await session.get(OrgUnit, household.village_id)
        user = await session.get(User, helper.user_id)
        assert village is not None and user is not None
        for n in range(9):
            await make_household(session, village, f"多戶{n}", helper=user)
    await control.send_command(helper.uid, "visit")
    chooser = await control.wait_for_message(helper.uid, "哪一户")
    before = _rejected(await control.stats())
    query = await control.press_button(helper.uid, chooser["message_id"], "visit:page:0")
    await callback_answer(control, query)
    assert _rejected(await control.stats()) == before
    query = await control.press_button(helper.uid, chooser["message_id"], "visit:page:1")
    await callback_answer(control, query)
    [listed] = [
        m for m in await control.messages(helper.uid) if m["message_id"] == chooser["message_id"]
    ]
    assert "visit:page:0" in str(listed["reply_markup"])  # the second page has a way back
    assert _rejected(await control.stats()) == before


async def test_a_forged_button_outside_the_scope_is_refused(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db, "外村")
    far = (HOME[0] + 0.05, HOME[1])
    await log_visit(control, helper, location=far, photos=[camera_photo(506, gps=far)])
    uid = stack.new_user_id()
    async with db() as session, session.begin():
        flag_id = await session.scalar(
            select(VisitFlag.id).where(VisitFlag.visit.has(helper_id=helper.user_id))
        )
        # An office user scoped to another village, which has a household of its own.
        other = OrgUnit(kind="village", name=f"別村{uid}", parent_id=None, path="/")
        session.add(other)
        await session.flush()
        other.path = f"/{other.id}/"
        office = await make_user(
            session, "村辦", phone=stack.phone_for(uid), role=Role.OFFICE, telegram_id=uid
        )
        office.scope_id = other.id
        own = Household(head_name="本村戶", members=1, village_id=other.id)
        session.add(own)
        await session.flush()
        session.add(
            Pairing(helper_id=helper.user_id, household_id=own.id, started_on=date(2026, 1, 1))
        )
    await control.create_user(uid, "村辦", language_code="zh-hans")
    await control.send_command(uid, "flags")
    listing = await control.wait_for_message(uid, "没有待核查")
    for forged in (f"flag:clear:{flag_id}", f"flag:home:{helper.household_id}"):
        query = await control.press_button(uid, listing["message_id"], forged, force=True)
        answer = await callback_answer(control, query)
        assert answer.get("show_alert"), answer
    async with db() as session:
        flag = await session.get(VisitFlag, flag_id)
    assert flag is not None and flag.cleared_at is None
