"""A restarted bot resumes open conversations; the anonymous report leaves no state behind."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from emulator.client import ControlClient
from storage.db import SessionFactory
from storage.models import ChatState, ConversationState, UserState
from tests.e2e.conftest import Stack
from tests.e2e.test_complaints import _file_report
from tests.e2e.visitkit import Helper, bound_helper, confirm_summary, save, up_to_the_note
from tests.e2e.visitkit import visits_of as stored_visits


async def _stored_draft(db: SessionFactory, uid: int, *, photos: int) -> None:
    """Wait until the helper's visit step and a draft with `photos` photos are written."""
    for _ in range(300):
        async with db() as session:
            data = await session.scalar(select(UserState.data).where(UserState.user_id == uid))
            step = await session.scalar(
                select(ConversationState.state).where(
                    ConversationState.conversation == "visit",
                    ConversationState.key == json.dumps([uid, uid], separators=(",", ":")),
                )
            )
        if data is not None and step is not None and data.count('"sha256"') == photos:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the draft of {uid} was never written")


async def _finish(control: ControlClient, db: SessionFactory, helper: Helper) -> None:
    summary = await confirm_summary(control, helper, "重启之后继续写的备注")
    reply = await save(control, helper, summary)
    assert "1/2" in reply["text"]
    [visit] = await stored_visits(db, helper)
    assert visit.note == "重启之后继续写的备注"


async def test_open_visits_resume_after_a_stop_and_after_a_crash(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    stopped = await bound_helper(stack, control, db, "甲")
    crashed = await bound_helper(stack, control, db, "乙")
    await up_to_the_note(control, stopped, 11)
    await up_to_the_note(control, crashed, 12)
    await _stored_draft(db, crashed.uid, photos=1)
    # A crash loses at most the last flush interval; this draft was written before it.
    stack.restart_bot(kill=True)
    await _finish(control, db, crashed)
    # A clean stop writes what is pending, however recent.
    stack.restart_bot()
    await _finish(control, db, stopped)


async def test_a_report_leaves_nothing_in_the_state_tables(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db, "丙")
    await up_to_the_note(control, helper, 13)
    await _stored_draft(db, helper.uid, photos=1)
    async with db() as session:
        before = await session.scalar(
            select(UserState.updated_at).where(UserState.user_id == helper.uid)
        )
    stranger = stack.new_user_id()
    await control.create_user(stranger, "路人", language_code="zh-hans")
    await _file_report(control, stranger, body="村里的补贴没有按时发放。")
    # A helper in the middle of a visit reports too: their stored draft is not touched.
    await _file_report(control, helper.uid, body="另一个村的危房改造没有落实。")
    stack.restart_bot()  # a clean stop writes everything pending
    async with db() as session:
        users = (await session.execute(select(UserState.user_id, UserState.updated_at))).all()
        chats = (await session.scalars(select(ChatState.chat_id))).all()
        keys = (
            await session.execute(select(ConversationState.conversation, ConversationState.key))
        ).all()
    assert stranger not in {u for u, _ in users} and stranger not in chats
    assert (helper.uid, before) in users
    assert all(str(stranger) not in key for _, key in keys)
    assert all(name not in ("report", "track") for name, _ in keys)
    await _finish(control, db, helper)
