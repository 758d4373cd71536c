"""The annual appraisal end to end: the office runs and adjusts the draft with a reason, a
leader confirms it, then it is final; the helper sees their result. Strangers and forged
buttons are refused.

Collected through tests/e2e/test_review.py, so that it shares that module's running emulator
and bot instead of starting a pair of its own (half a minute per database).
"""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.vocabulary import Role
from emulator.client import ControlClient
from storage.db import SessionFactory
from storage.models import Appraisal, AuditEntry, Pairing, Rectification, SpotCheck
from tests.e2e.conftest import Stack
from tests.e2e.visitkit import bound_helper, button_data, callback_answer
from tests.factories import make_user

WAIT = 30  # seconds: a whole year's draft on a loaded machine


async def _admin(stack: Stack, control: ControlClient, db: SessionFactory, role: Role) -> int:
    uid = stack.new_user_id()
    async with db() as session, session.begin():
        await make_user(
            session,
            f"{role.value}{uid % 1000}",
            phone=stack.phone_for(uid),
            role=role,
            telegram_id=uid,
        )
    await control.create_user(uid, "管理", language_code="zh-hans")
    await control.send_command(uid, "start")
    await control.wait_for_message(uid, "欢迎您")
    return uid


async def test_the_office_adjusts_a_leader_confirms_and_the_result_is_final(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db, "考核對象")
    await control.send_command(helper.uid, "start")
    await control.send_contact(helper.uid, stack.phone_for(helper.uid))
    await control.wait_for_message(helper.uid, "欢迎您")
    office = await _admin(stack, control, db, Role.OFFICE)
    leader = await _admin(stack, control, db, Role.LEADER)

    await control.send_command(office, "appraise", "2026")
    draft = await control.wait_for_message(office, "2026 考核（草稿）", WAIT)
    assert "考核對象" in draft["text"]
    async with db() as session:
        appraisal_id = await session.scalar(
            select(Appraisal.id).where(
                Appraisal.helper_id == helper.user_id, Appraisal.period == "2026"
            )
        )
    adjust = f"apr:adj:{appraisal_id}"
    assert button_data(draft, adjust) == adjust
    # The office cannot make an annual appraisal final, even with a forged button.
    query = await control.press_button(office, draft["message_id"], "apr:fin:2026", force=True)
    assert "只能由领导确认" in (await callback_answer(control, query))["text"]

    await control.press_button(office, draft["message_id"], adjust)
    await control.wait_for_message(office, "新总分")
    await control.send_text(office, "55")
    await control.wait_for_message(office, "理由")
    await control.send_text(office, "抽查发现走访台账缺失")
    adjusted = await control.wait_for_message(office, "已调整")
    assert "55.0" in adjusted["text"] and "不称职" in adjusted["text"]

    await control.send_command(leader, "appraise", "2026")
    review = await control.wait_for_message(leader, "2026 考核（草稿）", WAIT)
    assert "抽查发现走访台账缺失" in review["text"]
    query = await control.press_button(
        leader, review["message_id"], button_data(review, "apr:fin:")
    )
    answer = await callback_answer(control, query)
    assert "已定稿" in answer["text"] and "限期整改" in answer["text"]

    # Final: the old adjust button is refused, and nothing changed.
    query = await control.press_button(office, draft["message_id"], adjust)
    assert "不能再更改" in (await callback_answer(control, query))["text"]
    async with db() as session:
        row = await session.get(Appraisal, appraisal_id)
        rect = await session.scalar(
            select(Rectification).where(Rectification.appraisal_id == appraisal_id)
        )
        actions = set(
            (
                await session.scalars(
                    select(AuditEntry.action).where(AuditEntry.target_id == appraisal_id)
                )
            ).all()
        )
    assert row is not None and row.status == "final" and row.total_score == 55.0
    assert rect is not None and rect.status == "open"
    assert "appraisal.adjust" in actions

    await control.send_command(helper.uid, "myappraisal")
    mine = await control.wait_for_message(helper.uid, "您的考核")
    assert "2026" in mine["text"] and "不称职" in mine["text"]

    # Someone unregistered is refused by every command, and by a forged button.
    stranger = stack.new_user_id()
    await control.create_user(stranger, "路人", language_code="zh-hans")
    for command, args in (
        ("appraise", "2026"),
        ("spotcheck", ""),
        ("repair", ""),
        ("myappraisal", ""),
    ):
        await control.send_command(stranger, command, args)
        await control.wait_for_message(stranger, "请先发送 /start")
    query = await control.press_button(stranger, None, "rp:ok:1", force=True)
    assert (await callback_answer(control, query)).get("show_alert")


async def test_the_office_records_a_spot_check_with_buttons_and_a_leader_approves_a_re_pairing(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db, "抽查對象")
    other = await bound_helper(stack, control, db, "接任幫扶")
    office = await _admin(stack, control, db, Role.OFFICE)
    leader = await _admin(stack, control, db, Role.LEADER)

    await control.send_command(office, "spotcheck", "抽查對")
    picker = await control.wait_for_message(office, "哪位帮扶责任人")
    await control.press_button(office, picker["message_id"], f"spot:h:{helper.user_id}")
    kinds = await control.wait_for_message(office, "用什么方式抽查")
    await control.press_button(office, kinds["message_id"], "spot:m:phone")
    households = await control.wait_for_message(office, "涉及哪一户")
    # A household that is not the helper's is refused even when forged.
    query = await control.press_button(
        office, households["message_id"], f"spot:hh:{other.household_id}", force=True
    )
    assert (await callback_answer(control, query)).get("show_alert")
    await control.press_button(office, households["message_id"], f"spot:hh:{helper.household_id}")
    await control.wait_for_message(office, "满意度")
    await control.press_button(office, households["message_id"], "spot:s:4")
    await control.wait_for_message(office, "发现的问题")
    await control.send_text(office, "帮扶手册填写及时")
    summary = await control.wait_for_message(office, "对 抽查對象 的抽查")
    await control.press_button(office, summary["message_id"], "spot:save")
    await control.wait_for_message(office, "已保存为抽查记录")
    async with db() as session:
        check = await session.scalar(
            select(SpotCheck).where(SpotCheck.helper_id == helper.user_id)
        )
    assert check is not None
    assert (check.method, check.household_id, check.satisfaction, check.note) == (
        "phone",
        helper.household_id,
        4,
        "帮扶手册填写及时",
    )

    # The new helper by a part of their name, as the office knows them.
    await control.send_command(office, "repair", f"{helper.household_id} 接任 原帮扶人调离")
    await control.wait_for_message(office, "已发送给")
    request = await control.wait_for_message(leader, "更换帮扶")
    data = button_data(request, "rp:ok:")
    await control.press_button(leader, request["message_id"], data)
    await control.wait_for_message(leader, lambda m: "已批准" in m.get("text", ""))
    # The same button again is stale: answered, not obeyed twice.
    query = await control.press_button(leader, request["message_id"], data, force=True)
    assert "已经处理" in (await callback_answer(control, query))["text"]
    async with db() as session:
        pairings = (
            await session.scalars(
                select(Pairing)
                .where(Pairing.household_id == helper.household_id)
                .order_by(Pairing.id)
            )
        ).all()
    assert [(p.helper_id, p.ended_on is None) for p in pairings] == [
        (helper.user_id, False),
        (other.user_id, True),
    ]
