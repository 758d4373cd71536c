"""The household card through the real bot: a helper brings a household to exit-ready,
records assistance, changes a benefit, downloads the handbook; forged ids are refused."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from bot.domain.households import Guarantee
from bot.domain.vocabulary import Role
from emulator.client import ControlClient
from storage.db import SessionFactory
from storage.models import Assistance, BenefitEnrolment, IncomeEntry
from tests.e2e.conftest import Stack
from tests.e2e.visitkit import (
    Helper,
    bound_helper,
    button_data,
    callback_answer,
    camera_photo,
    log_visit,
)
from tests.factories import make_user


async def _edited(
    control: ControlClient, uid: int, message_id: int, needle: str
) -> dict[str, Any]:
    """The bot's message `message_id` once an edit made it contain `needle`."""
    return await control.wait_for_message(
        uid,
        lambda m: m["message_id"] == message_id and needle in m.get("text", ""),
        after_message_id=message_id - 1,
    )


async def _open_card(control: ControlClient, helper: Helper) -> dict[str, Any]:
    await control.send_command(helper.uid, "household")
    listing = await control.wait_for_message(helper.uid, "查看哪一户")
    await control.press_button(helper.uid, listing["message_id"], f"card:hh:{helper.household_id}")
    return await _edited(control, helper.uid, listing["message_id"], "两不愁三保障")


async def _guarantee(
    control: ControlClient,
    helper: Helper,
    card: dict[str, Any],
    item: Guarantee,
    met: bool,
    note: str | None,
) -> dict[str, Any]:
    """Record one item from the card's guarantees view; returns the card sent afterwards."""
    await control.press_button(helper.uid, card["message_id"], f"hh:gu:{helper.household_id}")
    view = await _edited(control, helper.uid, card["message_id"], "点击 ✅ 或 ❌")
    data = f"hh:gs:{helper.household_id}:{item}:{1 if met else 0}"
    await control.press_button(helper.uid, view["message_id"], data)
    prompt = await control.wait_for_message(
        helper.uid, "填写备注", after_message_id=view["message_id"]
    )
    if note is None:
        await control.press_button(helper.uid, prompt["message_id"], "hhe:skip")
    else:
        await control.send_text(helper.uid, note)
    return await control.wait_for_message(
        helper.uid, "退出标准", after_message_id=prompt["message_id"]
    )


async def _office(stack: Stack, control: ControlClient, db: SessionFactory) -> int:
    uid = stack.new_user_id()
    async with db() as session, session.begin():
        await make_user(
            session, "審核員", phone=stack.phone_for(uid), role=Role.OFFICE, telegram_id=uid
        )
    await control.create_user(uid, "審核員", language_code="zh-hans")
    return uid


async def test_a_helper_brings_a_household_to_exit_ready(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db, "王芳")
    earlier = (datetime.now(UTC) - timedelta(days=240)).date()
    async with db() as session, session.begin():
        session.add(
            IncomeEntry(
                household_id=helper.household_id,
                per_capita=Decimal("4100"),
                source="务工",
                recorded_on=earlier,
            )
        )
    card = await _open_card(control, helper)
    assert "尚未达到退出标准" in card["text"]
    # Income: amount, source, today.
    await control.press_button(helper.uid, card["message_id"], f"hh:inc:{helper.household_id}")
    await control.wait_for_message(helper.uid, "人均纯收入是多少")
    await control.send_text(helper.uid, "4,300")
    await control.wait_for_message(helper.uid, "收入来源")
    await control.send_text(helper.uid, "务工、养殖")
    day = await control.wait_for_message(helper.uid, "哪天核实")
    await control.press_button(helper.uid, day["message_id"], "hhe:day:0")
    card = await control.wait_for_message(helper.uid, "退出标准")
    assert "4300 · " in card["text"]
    # Guarantees: housing fails first, with a note, then every item is met.
    card = await _guarantee(control, helper, card, Guarantee.HOUSING, False, "屋顶漏雨")
    assert "屋顶漏雨" in card["text"] and "住房安全有保障：未达标" in card["text"], [
        m.get("text", "")[:30] for m in (await control.messages(helper.uid, who="all"))[-8:]
    ]
    for item in Guarantee:
        card = await _guarantee(control, helper, card, item, True, None)
    assert "✅ 已达到退出标准" in card["text"]
    # A benefit change by buttons.
    await control.press_button(helper.uid, card["message_id"], f"hh:ben:{helper.household_id}")
    benefits = await _edited(control, helper.uid, card["message_id"], "点击政策")
    await control.press_button(
        helper.uid, benefits["message_id"], f"hh:bp:{helper.household_id}:3"
    )
    policy = await _edited(control, helper.uid, card["message_id"], "健康扶贫（")
    await control.press_button(
        helper.uid, policy["message_id"], f"hh:bs:{helper.household_id}:3:y"
    )
    benefits = await _edited(control, helper.uid, card["message_id"], "起享受")
    assert "覆盖 1/1" in benefits["text"]
    # The history names the old and the new value.
    await control.press_button(helper.uid, benefits["message_id"], f"hh:v:{helper.household_id}:0")
    card = await _edited(control, helper.uid, card["message_id"], "退出标准")
    await control.press_button(helper.uid, card["message_id"], f"hh:hist:{helper.household_id}:0")
    history = await _edited(control, helper.uid, card["message_id"], "档案变更记录")
    assert "not met · 屋顶漏雨 → met" in history["text"]
    # The handbook arrives as a document whose cells hold the record.
    await control.press_button(helper.uid, history["message_id"], f"hh:v:{helper.household_id}:0")
    card = await _edited(control, helper.uid, card["message_id"], "退出标准")
    await control.press_button(helper.uid, card["message_id"], f"hh:xls:{helper.household_id}")
    sent = await control.wait_for_message(helper.uid, lambda m: "document" in m)
    assert sent["document"]["file_name"].endswith(".xlsx")
    book = load_workbook(io.BytesIO(await control.file(sent["document"]["file_id"])))
    basics = book["基本信息"]
    assert basics.freeze_panes == "A2"
    assert (basics["A1"].value, basics["B2"].value) == ("项目", helper.household_id)
    assert (basics["A11"].value, basics["B11"].value) == ("是否达到退出标准", "是")
    rows = list(book["两不愁三保障"].iter_rows(min_row=2, values_only=True))
    assert ("住房安全有保障", "否", "屋顶漏雨") in [r[1:] for r in rows]
    income = list(book["人均收入"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in income] == [4100, 4300]
    # The office lists the household as exit-ready, and the coverage.
    office = await _office(stack, control, db)
    await control.send_command(office, "exitready")
    listed = await control.wait_for_message(office, "达到退出标准的户")
    assert helper.household_name in listed["text"]
    await control.send_command(office, "coverage")
    await control.wait_for_message(office, "政策覆盖")


async def test_assistance_from_the_visit_receipt_with_a_photo(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db, "陳明")
    receipt = await log_visit(control, helper)
    data = button_data(receipt, "as:v:")
    assert len(data.encode()) <= 64
    await control.press_button(helper.uid, receipt["message_id"], data)
    kinds = await control.wait_for_message(helper.uid, "请选择类型")
    await control.press_button(helper.uid, kinds["message_id"], "as:ty:0")
    await control.wait_for_message(helper.uid, "请描述")
    await control.send_text(helper.uid, "送鸡苗 50 只")
    await control.wait_for_message(helper.uid, "金额")
    await control.send_text(helper.uid, "600")
    day = await control.wait_for_message(helper.uid, "哪天给予")
    await control.press_button(helper.uid, day["message_id"], "as:day:1")
    await control.wait_for_message(helper.uid, "如有照片")
    await control.send_photo(helper.uid, camera_photo(4242))
    done = await control.wait_for_message(helper.uid, "已为")
    async with db() as session:
        rows = list(
            await session.scalars(
                select(Assistance).where(Assistance.household_id == helper.household_id)
            )
        )
    assert len(rows) == 1
    row = rows[0]
    assert (row.category, row.description, row.amount_cny) == ("industry", "送鸡苗 50 只", 600)
    assert row.visit_id is not None and row.photo_sha256 is not None
    await control.press_button(helper.uid, done["message_id"], f"hh:v:{helper.household_id}:0")
    card = await _edited(control, helper.uid, done["message_id"], "送鸡苗 50 只")
    assert "600 元" in card["text"] or "600 CNY" in card["text"]


async def test_another_helpers_household_cannot_be_opened_or_changed(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    me = await bound_helper(stack, control, db, "李明")
    them = await bound_helper(stack, control, db, "趙六")
    await control.send_command(me.uid, "household", str(them.household_id))
    refused = await control.wait_for_message(me.uid, "没有找到该户")
    assert them.household_name not in refused["text"]
    card = await _open_card(control, me)
    for forged in (
        f"hh:v:{them.household_id}:0",
        f"hh:bs:{them.household_id}:0:y",
        f"hh:inc:{them.household_id}",
        f"hh:as:{them.household_id}",
        f"hh:xls:{them.household_id}",
    ):
        query = await control.press_button(me.uid, card["message_id"], forged, force=True)
        answer = await callback_answer(control, query)
        assert "没有找到该户" in answer.get("text", ""), forged
    async with db() as session:
        changed = await session.scalar(
            select(BenefitEnrolment).where(BenefitEnrolment.household_id == them.household_id)
        )
    assert changed is None
    shown = await control.messages(me.uid)
    assert not any(them.household_name in str(m.get("text", "")) for m in shown)
