"""Conversation state in the database: written in batches, skipped when unchanged, expired."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr
from sqlalchemy import func, select
from telegram.ext import ConversationHandler

from bot.app import build_application
from bot.config import Settings
from bot.domain.visits import VisitDraft
from bot.persistence import DatabasePersistence
from bot.state_codec import StateCodec
from handlers.state_types import STATE_TYPES
from storage.db import SessionFactory
from storage.models import ConversationState, UserState
from storage.uow import UnitOfWork

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _persistence(uows: Callable[[], UnitOfWork], clock: Clock) -> DatabasePersistence:
    return DatabasePersistence(uows, StateCodec(STATE_TYPES), ttl=timedelta(days=7), clock=clock)


async def _rows(sessions: SessionFactory, model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_new_process_reads_back_drafts_and_steps(
    uows: Callable[[], UnitOfWork], sessions: SessionFactory
) -> None:
    clock = Clock()
    first = _persistence(uows, clock)
    draft = VisitDraft(household_id=5, household_name="張家", token="00ff00ff00ff")
    await first.get_conversations("visit")
    await first.update_user_data(101, {"visit_draft": draft, "language": "en"})
    await first.update_conversation("visit", (101, 101), 2)
    await first.update_conversation("assist", (102, 102), 4)
    await first.update_conversation("assist", (102, 102), None)  # ended before the round
    await first.flush()

    second = _persistence(uows, clock)
    assert await second.get_user_data() == {101: {"visit_draft": draft, "language": "en"}}
    assert await second.get_conversations("visit") == {(101, 101): 2}
    assert await second.get_conversations("assist") == {}
    assert await _rows(sessions, ConversationState) == 1


async def test_unchanged_and_empty_data_cost_no_write(
    uows: Callable[[], UnitOfWork], sessions: SessionFactory
) -> None:
    clock = Clock()
    persistence = _persistence(uows, clock)
    await persistence.get_conversations("visit")
    await persistence.update_user_data(201, {"language": "en"})
    await persistence.update_user_data(202, {})  # someone who never stored anything
    clock.now = T0 + timedelta(hours=1)
    await persistence.update_user_data(201, {"language": "en"})
    async with sessions() as session:
        stamps = (await session.execute(select(UserState.user_id, UserState.updated_at))).all()
    assert stamps == [(201, T0)]


async def test_state_untouched_for_longer_than_the_ttl_is_forgotten(
    uows: Callable[[], UnitOfWork], sessions: SessionFactory
) -> None:
    clock = Clock()
    old = _persistence(uows, clock)
    await old.get_conversations("visit")
    await old.update_user_data(301, {"visit_draft": VisitDraft(1, "x")})
    await old.update_conversation("visit", (301, 301), 1)
    await old.flush()

    clock.now = T0 + timedelta(days=7, minutes=1)
    restarted = _persistence(uows, clock)
    assert await restarted.get_user_data() == {}
    assert await restarted.get_conversations("visit") == {}
    assert await _rows(sessions, ConversationState) == 0
    assert await _rows(sessions, UserState) == 0


async def test_dropped_data_is_deleted(
    uows: Callable[[], UnitOfWork], sessions: SessionFactory
) -> None:
    clock = Clock()
    persistence = _persistence(uows, clock)
    await persistence.get_conversations("visit")
    await persistence.update_user_data(401, {"language": "en"})
    await persistence.update_user_data(401, {})
    assert await _rows(sessions, UserState) == 0


async def test_a_conversation_idle_past_its_own_timeout_is_not_resumed(
    uows: Callable[[], UnitOfWork], sessions: SessionFactory
) -> None:
    clock = Clock()
    before = _persistence(uows, clock)
    await before.get_conversations("assist")
    await before.update_conversation("assist", (501, 501), 3)
    await before.update_conversation("visit", (501, 501), 2)
    await before.flush()

    clock.now = T0 + timedelta(hours=2)
    after = _persistence(uows, clock)
    after.expire_conversation("assist", timedelta(hours=1))
    after.expire_conversation("visit", timedelta(hours=12))
    assert await after.get_conversations("assist") == {}
    assert await after.get_conversations("visit") == {(501, 501): 2}
    await after.flush()
    assert await _rows(sessions, ConversationState) == 1


async def test_changes_made_while_a_batch_is_written_are_written_too(
    uows: Callable[[], UnitOfWork], sessions: SessionFactory
) -> None:
    clock = Clock()
    persistence = _persistence(uows, clock)
    await persistence.get_conversations("visit")
    first = asyncio.create_task(persistence.update_user_data(601, {"language": "en"}))
    for _ in range(3):  # the round's task starts, yields once, swaps and begins writing
        await asyncio.sleep(0)
    await persistence.update_user_data(602, {"language": "zh-CN"})
    await first
    assert await _rows(sessions, UserState) == 2


def test_the_application_persists_the_right_conversations_with_their_timeouts(
    plain_settings: Settings,
) -> None:
    app = build_application(plain_settings.model_copy(update={"token": SecretStr("1:TEST")}))
    persistence = app.persistence
    assert isinstance(persistence, DatabasePersistence)
    persistent = {
        h.name: h.conversation_timeout
        for group in app.handlers.values()
        for h in group
        if isinstance(h, ConversationHandler) and h.persistent
    }
    # The anonymous conversations are never persisted.
    assert set(persistent) == {
        "visit",
        "assist",
        "household-edit",
        "complaint-action",
        "flag-clear",
        "spotcheck",
        "appraisal-adjust",
    }
    assert persistence.timeouts == persistent
