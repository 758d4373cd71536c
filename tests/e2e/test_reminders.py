"""Reminders end to end: the office's /remind in the real bot, and two standalone senders."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import build_reminder_service
from bot.botapi import BotApiClient
from bot.config import Settings
from bot.domain.reminders import Stage
from bot.domain.vocabulary import Role
from bot.runtime import build_runtime
from emulator.client import ControlClient
from emulator.processes import TOKEN, BotProcess, EmulatorProcess, bot_env
from storage.db import SessionFactory, create_engine, session_factory
from storage.models import Nudge, Unreachable, Visit
from tests.conftest import BACKENDS, TEST_KEY, shared_factory
from tests.e2e.conftest import Stack
from tests.e2e.visitkit import Helper, bound_helper
from tests.factories import make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Emulator + bot with no quiet hours, so the office may send at any hour of the run."""
    backend = str(request.param)
    workdir = tmp_path_factory.mktemp(f"e2e-reminders-{backend}")
    factory = shared_factory(backend, workdir)
    db_url = asyncio.run(factory.migrated())
    emulator = EmulatorProcess.start()
    data_dir = workdir / "data"
    extra = {"BANGFU_QUIET_HOURS": ""}
    bot = BotProcess(
        env=bot_env(
            api_url=emulator.root_url, database_url=db_url, data_dir=data_dir, extra=extra
        ),
        log_path=workdir / "bot.log",
    )
    try:
        bot.start(emulator.control_url)
        yield Stack(backend, db_url, data_dir, emulator, bot, workdir, extra)
    finally:
        bot.stop()
        emulator.stop()
        asyncio.run(factory.drop(db_url))


@pytest.fixture
async def db(stack: Stack) -> AsyncIterator[SessionFactory]:
    """Sessions on the bot's database."""
    engine = create_engine(stack.db_url)
    yield session_factory(engine)
    await engine.dispose()


async def _met_quota(db: SessionFactory, helper: Helper) -> None:
    """Two visits on two local days of this month: the helper is not behind."""
    today = datetime.now(SHANGHAI).date()
    async with db() as session, session.begin():
        for day in (1, 2):
            local = datetime(today.year, today.month, day, 10, tzinfo=SHANGHAI)
            session.add(
                Visit(
                    household_id=helper.household_id,
                    helper_id=helper.user_id,
                    visited_at=local.astimezone(UTC),
                    period=today.year * 100 + today.month,
                    local_day=local.date(),
                    idempotency_key=f"e2e:{helper.uid}:{day}:{os.urandom(3).hex()}",
                )
            )


async def _helper(stack: Stack, control: ControlClient, db: SessionFactory, name: str) -> Helper:
    """A bound helper who has opened the chat (Telegram refuses bots the first word)."""
    helper = await bound_helper(stack, control, db, name)
    await control.send_command(helper.uid, "start")
    await control.wait_answer(helper.uid)
    _seen[helper.uid] = max(
        (m["message_id"] for m in await control.messages(helper.uid)), default=0
    )
    return helper


# The last bot message each helper had before the reminders: replies to /start come first.
_seen: dict[int, int] = {}


async def _reminders_of(control: ControlClient, helper: Helper) -> list[dict[str, object]]:
    """Bot messages the helper received after opening the chat."""
    return await control.messages(helper.uid, after=_seen[helper.uid])


async def _office(stack: Stack, control: ControlClient, db: SessionFactory) -> int:
    uid = stack.new_user_id()
    async with db() as session, session.begin():
        await make_user(
            session, "督辦", phone=stack.phone_for(uid), role=Role.OFFICE, telegram_id=uid
        )
    await control.create_user(uid, "督辦", language_code="zh-hans")
    return uid


async def test_remind_reaches_exactly_the_helpers_behind_once_and_reports_the_blocked(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    behind = await _helper(stack, control, db, "落後")
    done = await _helper(stack, control, db, "達標")
    blocked = await _helper(stack, control, db, "封鎖")
    await _met_quota(db, done)
    await control.set_fault("blocked", user_id=blocked.uid)
    office = await _office(stack, control, db)

    await control.send_command(office, "remind", "firm")
    report = await control.wait_for_message(office, "提醒：已发送", timeout=30)
    assert "已发送 1 条" in report["text"] and "1 人无法送达" in report["text"]
    nudge = await control.wait_for_message(behind.uid, "还差", after_message_id=_seen[behind.uid])
    assert behind.household_name in nudge["text"]
    assert await _reminders_of(control, done) == []
    async with db() as session:
        assert await session.scalar(
            select(Unreachable.user_id).where(Unreachable.user_id == blocked.user_id)
        )

    # Again: idempotent, nothing goes out twice.
    await control.send_command(office, "remind", "firm")
    again = await control.wait_for_message(office, "提醒：已发送", timeout=30)
    assert "已发送 0 条" in again["text"] and "跳过 2 条" in again["text"]
    assert len(await _reminders_of(control, behind)) == 1
    await control.clear_faults()


async def test_two_standalone_senders_deliver_each_urgent_nudge_once(
    stack: Stack, control: ControlClient, db: SessionFactory, tmp_path: Path
) -> None:
    helpers = [await _helper(stack, control, db, f"助{n}") for n in range(4)]
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        token=TOKEN,
        api_url=stack.emulator.root_url,
        database_url=stack.db_url,
        data_dir=tmp_path,
        id_hash_key=TEST_KEY,
        quiet_hours="",
    )
    runtimes = [build_runtime(settings) for _ in range(2)]
    clients = [BotApiClient(settings.api_url, TOKEN) for _ in range(2)]
    try:
        for client in clients:
            await client.get_me()
        services = [build_reminder_service(r, c) for r, c in zip(runtimes, clients, strict=True)]
        reports = await asyncio.gather(*(s.run_stage(Stage.URGENT) for s in services))
    finally:
        for client in clients:
            await client.aclose()
        for runtime in runtimes:
            await runtime.engine.dispose()
    assert sum(r.sent for r in reports) >= len(helpers)
    for helper in helpers:
        [message] = await _reminders_of(control, helper)
        assert "点按农户即可登记走访" in message["text"]
        [[button]] = message["reply_markup"]["inline_keyboard"]
        assert button["url"].endswith(f"?start=visit_{helper.household_id}")
    async with db() as session:
        ids = [h.user_id for h in helpers]
        rows = (
            await session.scalars(
                select(Nudge.stage).where(Nudge.user_id.in_(ids), Nudge.stage == Stage.URGENT)
            )
        ).all()
    assert len(rows) == len(helpers)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[str]:
    """`bangfu sandbox --serve` with its reminders in the bot, as a user starts it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANGFU_")}
    env.update(BANGFU_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sandbox", "--serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    try:
        for line in proc.stdout:
            seen.append(line)
            found = re.search(r"control API at (\S+)", line)
            if found:
                yield found.group(1)
                break
        else:
            pytest.fail("the sandbox never printed its control API:\n" + "".join(seen))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)


async def test_in_the_sandbox_a_demo_helper_behind_gets_the_firm_nudge_from_remind(
    sandbox: str,
) -> None:
    # Demo people: 10001 is the helper 王建國, 10013 the office user 鄭文華 (docs/sandbox.md).
    async with ControlClient(sandbox) as control:
        for uid in (10001, 10013):
            await control.send_command(uid, "start")
            await control.wait_answer(uid, timeout=30)
            await control.send_contact(uid, f"86138000{uid - 10000:05d}", own=True)
            await control.wait_for_message(uid, "欢迎您", timeout=30)
        before = max(m["message_id"] for m in await control.messages(10001))
        await control.send_command(10013, "remind", "firm")
        report = await control.wait_for_message(10013, "提醒：已发送", timeout=60)
        nudge = await control.wait_for_message(
            10001, "次走访", timeout=30, after_message_id=before
        )
    # The firm stage's words, with the helper's households still short, in one message; the
    # other demo helpers never opened the chat, so theirs fail.
    assert "请尽快走访以下农户" in nudge["text"] and "⏳" in nudge["text"]
    assert "已发送 1 条" in report["text"]
