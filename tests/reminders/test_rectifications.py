"""The daily rectification round as the job sends it: helper reminded, office listed with a
button per helper, an expired rectification failed and announced once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.context import BotContext
from bot.domain.vocabulary import Role
from bot.runtime import Runtime
from bot.services.appraisal import finalise_appraisal, run_appraisal
from reminders.rectifications import rectification_round_job
from storage.db import SessionFactory
from storage.models import User
from tests.admin.world import NOW, build_world


@dataclass
class FakeBot:
    """Records what would have been sent."""

    sent: list[tuple[int, str, Any]] = field(default_factory=list)

    async def send_message(self, chat_id: int, text: str, reply_markup: Any = None) -> None:
        self.sent.append((chat_id, text, reply_markup))


@dataclass
class FakeContext:
    """The two things the job uses."""

    runtime: Runtime
    bot: FakeBot


async def test_the_round_reminds_then_fails_an_expired_rectification(
    settings: Settings, sessions: SessionFactory, session: AsyncSession
) -> None:
    world = await build_world(session)
    helper_b = await session.get(User, world.helper_b.id)
    assert helper_b is not None
    helper_b.telegram_id = 4242
    await session.commit()
    clock = [NOW]
    runtime = Runtime(
        settings=settings, engine=cast(Any, None), sessions=sessions, clock=lambda: clock[0]
    )
    office = world.actor(Role.OFFICE)
    await run_appraisal(
        runtime.uow(),
        office,
        "2026-11",
        now=NOW,
        rules=runtime.appraisal,
        visits=runtime.rules.visits,
    )
    await finalise_appraisal(
        runtime.uow(),
        office,
        "2026-11",
        now=NOW,
        today=date(2026, 11, 20),
        rules=runtime.appraisal,
    )
    bot = FakeBot()
    await rectification_round_job(cast(BotContext, FakeContext(runtime, bot)))
    to_helper = [text for chat, text, _ in bot.sent if chat == 4242]
    assert len(to_helper) == 1 and "2026-12-20" in to_helper[0] and "30" in to_helper[0]
    buttons = [str(markup) for _, _, markup in bot.sent if markup is not None]
    assert buttons and all("rect:close:" in b for b in buttons)

    bot.sent.clear()
    clock[0] = datetime(2026, 12, 21, 4, tzinfo=UTC)
    await rectification_round_job(cast(BotContext, FakeContext(runtime, bot)))
    assert not [chat for chat, _, _ in bot.sent if chat == 4242]
    failed = [text for _, text, _ in bot.sent if "乙幫扶" in text]
    assert failed and all("/repair" in text for text in failed)

    bot.sent.clear()
    await rectification_round_job(cast(BotContext, FakeContext(runtime, bot)))
    assert bot.sent == []
