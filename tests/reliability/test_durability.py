"""A restarted bot resumes open conversations; the anonymous report leaves no state behind."""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from emulator.client import ControlClient
from storage.db import SessionFactory
from storage.models import (
    Assistance,
    AuditEntry,
    BenefitEnrolment,
    ChatState,
    Complaint,
    ConversationState,
    Photo,
    UserState,
    Visit,
)
from tests.e2e.conftest import Stack
from tests.e2e.test_complaints import _file_report
from tests.e2e.visitkit import (
    Helper,
    bound_helper,
    camera_photo,
    confirm_summary,
    save,
    up_to_the_note,
)
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


async def _benefits_agree(session: AsyncSession, helper: Helper, tally: crashkit.Tally) -> None:
    """One row per policy, in a state the helper set, and no change recorded twice."""
    rows = (
        await session.execute(
            select(BenefitEnrolment.category, BenefitEnrolment.status).where(
                BenefitEnrolment.household_id == helper.household_id
            )
        )
    ).all()
    categories = [c for c, _ in rows]
    assert len(categories) == len(set(categories)) <= len({p for p, _ in tally.benefits_tried})
    history = (
        await session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.target_id == helper.household_id,
                AuditEntry.action == "household.benefit",
            )
            .order_by(AuditEntry.id)
        )
    ).all()
    assert len(history) <= len(tally.benefits_tried)
    for entry in history:
        assert entry.detail["before"] != entry.detail["after"], entry.detail


async def _finish(control: ControlClient, db: SessionFactory, helper: Helper) -> None:
    summary = await confirm_summary(control, helper, "重启之后继续写的备注")
    reply = await save(control, helper, summary)
    assert "1/2" in reply["text"]
    [visit] = await stored_visits(db, helper)
    assert visit.note == "重启之后继续写的备注"


async def test_an_open_visit_resumes_after_a_kill_and_reports_leave_no_state(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db, "甲")
    await up_to_the_note(control, helper, 11)
    await _stored_draft(db, helper.uid, photos=1)
    stranger = stack.new_user_id()
    await control.create_user(stranger, "路人", language_code="zh-hans")
    await _file_report(control, stranger, body="村里的补贴没有按时发放。")
    # A helper in the middle of a visit reports too, then goes on with the visit.
    await _file_report(control, helper.uid, body="另一个村的危房改造没有落实。")
    await control.send_photo(helper.uid, camera_photo(14))
    await control.wait_for_message(helper.uid, "第 2 张照片")
    # Rounds are written in order: once the second photo is stored, so is anything the
    # reports could have left.
    await _stored_draft(db, helper.uid, photos=2)
    async with db() as session:
        users = dict((await session.execute(select(UserState.user_id, UserState.data))).all())
        chats = (await session.scalars(select(ChatState.chat_id))).all()
        keys = (
            await session.execute(select(ConversationState.conversation, ConversationState.key))
        ).all()
    assert stranger not in users and stranger not in chats
    assert "危房改造" not in users[helper.uid] and "石门村" not in users[helper.uid]
    assert all(str(stranger) not in key for _, key in keys)
    assert all(name not in ("report", "track") for name, _ in keys)
    # A crash loses at most the last flush interval; this draft was written before it.
    stack.restart_bot(kill=True)
    await _finish(control, db, helper)
    [visit] = await stored_visits(db, helper)
    async with db() as session:
        photos = await session.scalar(
            select(func.count()).select_from(Photo).where(Photo.visit_id == visit.id)
        )
    assert photos == 2


@pytest.mark.timeout(300 + 60 * crashkit.KILLS)
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
        await asyncio.to_thread(crashkit.kill_and_restart, stack)
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
            descriptions = Counter(
                (
                    await session.scalars(
                        select(Assistance.description).where(
                            Assistance.household_id == helper.household_id
                        )
                    )
                ).all()
            )
            assert all(descriptions[d] == 1 for d in tally.assistance), descriptions
            assert not descriptions or max(descriptions.values()) == 1
            assert set(descriptions) <= set(tally.assistance_tried)
            await _benefits_agree(session, helper, tally)
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
    assisted = sum(len(t.assistance) for t in tallies.values())
    benefits = sum(len(t.benefits) for t in tallies.values())
    print(
        f"crash test: confirmed {confirmed} visits, {assisted} assistance records, "
        f"{benefits} benefit changes, {len(reports.confirmed)} complaints"
    )


async def test_every_update_delivered_twice_gives_one_record_and_one_reply(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db, "丁")
    await control.set_redelivery(on=True)
    try:
        assert await crashkit.one_visit(control, helper, "每个更新都送了两次", 31)
        # A last update releases the copy the emulator holds back to send out of order.
        await control.send_command(helper.uid, "help")
        await control.wait_for_message(helper.uid, "/visit")
    finally:
        await control.set_redelivery(on=False)
    [visit] = await stored_visits(db, helper)
    assert visit.note == "每个更新都送了两次"
    texts = [m.get("text", "") for m in (await control.chat(helper.uid, who="bot"))["messages"]]
    for step in ("哪一户", "已收到位置", "第 1 张照片", "走访已保存"):
        assert sum(step in text for text in texts) == 1, (step, texts)
    assert not any("已经保存过了" in text for text in texts)
