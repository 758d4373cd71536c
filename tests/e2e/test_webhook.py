"""Webhook mode: the emulator posts updates to the bot's own web server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator.client import ControlClient
from emulator.processes import TOKEN, BotProcess, EmulatorProcess, bot_env
from storage.db import create_engine, session_factory
from tests.conftest import DatabaseFactory
from tests.factories import make_user


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def webhook_stack(
    db_factory: DatabaseFactory, tmp_path: Path
) -> Iterator[tuple[EmulatorProcess, BotProcess, str]]:
    """A separate emulator and a bot in webhook mode (polling bots would get 409 here)."""
    db_url = asyncio.run(db_factory.migrated())
    emulator = EmulatorProcess.start()
    port = _free_port()
    bot = BotProcess(
        env=bot_env(
            api_url=emulator.root_url,
            database_url=db_url,
            data_dir=tmp_path / "data",
            extra={
                "BANGFU_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
                "BANGFU_WEBHOOK_LISTEN": "127.0.0.1",
                "BANGFU_WEBHOOK_PORT": str(port),
                "BANGFU_WEBHOOK_SECRET": "hook-secret-123",
            },
        ),
        log_path=tmp_path / "bot.log",
    )
    try:
        bot.start(emulator.control_url)
        yield emulator, bot, db_url
    finally:
        bot.stop()
        emulator.stop()


async def test_webhook_mode_receives_the_same_updates(
    webhook_stack: tuple[EmulatorProcess, BotProcess, str],
) -> None:
    emulator, bot, db_url = webhook_stack
    engine = create_engine(db_url)
    async with session_factory(engine)() as session, session.begin():
        await make_user(session, "韋華", phone="+8613912345678")
    await engine.dispose()
    async with httpx.AsyncClient() as client:
        info = (await client.post(f"{emulator.root_url}/bot{TOKEN}/getWebhookInfo")).json()
        polled = await client.post(f"{emulator.root_url}/bot{TOKEN}/getUpdates")
    assert info["result"]["url"].endswith("/telegram")
    assert polled.status_code == 409  # a webhook is set: no polling, as on Telegram
    async with ControlClient(emulator.control_url) as control:
        await control.create_user(5550001, "韋華", phone="8613912345678")
        await control.send_command(5550001, "start")
        await control.wait_for_message(5550001, "手机号")
        await control.send_contact(5550001, "8613912345678")
        await control.wait_for_message(5550001, "韋華")
    assert "Traceback" not in bot.log()
