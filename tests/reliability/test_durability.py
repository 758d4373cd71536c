"""A restarted bot resumes open conversations; the anonymous report leaves no state behind."""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections import Counter

from sqlalchemy import func, select

from emulator.client import ControlClient
from storage.db import SessionFactory
from storage.models import ChatState, Complaint, ConversationState, Photo, UserState, Visit
from tests.e2e.conftest import Stack
from tests.e2e.test_complaints import _file_report
from tests.e2e.visitkit import Helper, bound_helper, confirm_summary, save, up_to_the_note
from tests.e2e.visitkit import visits_of as stored_visits
from tests.reliability import crashkit


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


async def test_open_visits_resume_after_a_crash_and_a_stop_and_reports_leave_no_state(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    stopped = await bound_helper(stack, control, db, "甲")
    crashed = await bound_helper(stack, control, db, "乙")
    await up_to_the_note(control, stopped, 11)
    await up_to_the_note(control, crashed, 12)
    await _stored_draft(db, crashed.uid, photos=1)
    await _stored_draft(db, stopped.uid, photos=1)
    async with db() as session:
        before = await session.scalar(
            select(UserState.updated_at).where(UserState.user_id == stopped.uid)
        )
    # A crash loses at most the last flush interval; this draft was written before it.
    stack.restart_bot(kill=True)
    await _finish(control, db, crashed)

    stranger = stack.new_user_id()
    await control.create_user(stranger, "路人", language_code="zh-hans")
    await _file_report(control, stranger, body="村里的补贴没有按时发放。")
    # A helper in the middle of a visit reports too: their stored draft is not touched.
    await _file_report(control, stopped.uid, body="另一个村的危房改造没有落实。")
    stack.restart_bot()  # a clean stop writes everything pending, however recent
    async with db() as session:
        users = (await session.execute(select(UserState.user_id, UserState.updated_at))).all()
        chats = (await session.scalars(select(ChatState.chat_id))).all()
        keys = (
            await session.execute(select(ConversationState.conversation, ConversationState.key))
        ).all()
    assert stranger not in {u for u, _ in users} and stranger not in chats
    assert (stopped.uid, before) in users
    assert all(str(stranger) not in key for _, key in keys)
    assert all(name not in ("report", "track") for name, _ in keys)
    await _finish(control, db, stopped)


async def test_sigkill_at_random_points_keeps_confirmed_records_exactly_once(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    seed = int(os.environ.get("BANGFU_CRASH_SEED", "0")) or random.randrange(1, 10**6)
    print(f"crash test: seed {seed}, {crashkit.KILLS} kills, {crashkit.HELPERS} helpers")
    helpers = [await bound_helper(stack, control, db, f"崩{i}") for i in range(crashkit.HELPERS)]
    reporter = stack.new_user_id()
    await control.create_user(reporter, "匿名", language_code="zh-hans")
    tallies = {h.uid: crashkit.Tally() for h in helpers}
    reports = crashkit.Tally()
    stop = asyncio.Event()
    kills: list[int] = []
    actors = [
        asyncio.create_task(crashkit.keep_visiting(control, h, tallies[h.uid], stop, kills))
        for h in helpers
    ]
    actors.append(
        asyncio.create_task(crashkit.keep_reporting(control, reporter, reports, stop, kills))
    )
    for i, pause in enumerate(crashkit.pauses(crashkit.KILLS, seed)):
        await asyncio.sleep(pause)
        await asyncio.to_thread(stack.restart_bot, kill=True)
        kills.append(i)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*actors), timeout=600)

    async with db() as session:
        for helper in helpers:
            tally = tallies[helper.uid]
            visits = (
                await session.scalars(select(Visit).where(Visit.helper_id == helper.user_id))
            ).all()
            notes = Counter(v.note for v in visits)
            # Every confirmed visit exists exactly once; nothing is stored twice.
            assert all(notes[n] == 1 for n in tally.confirmed), (tally.confirmed, notes)
            assert max(notes.values()) == 1 and set(notes) <= set(tally.tried)
            # Nothing half-written: every stored visit has its photo.
            for visit in visits:
                photos = await session.scalar(
                    select(func.count()).select_from(Photo).where(Photo.visit_id == visit.id)
                )
                assert photos == 1
        bodies = Counter(
            (
                await session.scalars(
                    select(Complaint.body).where(Complaint.body.like("崩溃测试举报%"))
                )
            ).all()
        )
    assert all(bodies[b] == 1 for b in reports.confirmed), (reports.confirmed, bodies)
    assert not bodies or max(bodies.values()) == 1
    confirmed = sum(len(t.confirmed) for t in tallies.values())
    print(f"crash test: {confirmed} visits and {len(reports.confirmed)} reports confirmed")
