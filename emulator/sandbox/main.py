"""`bangfu sandbox`: emulator + the real bot (polling) + demo county + a terminal chat."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from pydantic import SecretStr

from bot.app import build_application, polling, prepare
from bot.config import Settings
from bot.runtime import build_runtime
from emulator.client import ControlClient
from emulator.sandbox.seed import DemoPerson, demo_people, seed_database, seed_emulator
from emulator.server import Emulator
from storage.db import SessionFactory

SANDBOX_TOKEN = "100000:SANDBOX"
log = logging.getLogger(__name__)


def sandbox_settings(settings: Settings, emulator_url: str) -> Settings:
    """The deployment's settings, pointed at the emulator and a separate sandbox database."""
    folder = Path(settings.data_dir) / "sandbox"
    return settings.model_copy(
        update={
            "token": SecretStr(SANDBOX_TOKEN),
            "api_url": emulator_url,
            "data_dir": folder,
            "database_url": f"sqlite+aiosqlite:///{(folder / 'sandbox.sqlite3').resolve()}",
            "webhook_url": None,
            # A demo is tried at any hour: /remind must not be refused for the night.
            "quiet_hours": "",
        }
    )


async def _serve(settings: Settings, *, serve: bool, port: int) -> int:
    if not serve:  # log lines would tear through the chat; warnings still show
        logging.getLogger().setLevel(logging.WARNING)
    emulator = Emulator(port=port, bot_token=SANDBOX_TOKEN, bot_username="bangfu_sandbox_bot")
    await emulator.start()
    local = sandbox_settings(settings, emulator.root_url)
    local.data_dir.mkdir(parents=True, exist_ok=True)
    runtime = build_runtime(local)
    await prepare(runtime)
    created = await seed_database(runtime.sessions, local)
    people = await demo_people(runtime.sessions)
    control = ControlClient(emulator.control_url)
    await seed_emulator(control, people)
    try:
        async with polling(build_application(local, runtime)):
            await _chat(emulator, control, local, runtime.sessions, people, created, serve=serve)
    finally:
        await control.aclose()
        await emulator.stop()
    return 0


async def _chat(
    emulator: Emulator,
    control: ControlClient,
    local: Settings,
    sessions: SessionFactory,
    people: list[DemoPerson],
    created: bool,
    *,
    serve: bool,
) -> None:
    where = local.data_dir.resolve()
    print(
        f"Sandbox ready: Bot API emulator at {emulator.root_url}, control API at "
        f"{emulator.control_url}\nDemo county {'created' if created else 'reused'} in {where} "
        f"({len(people)} people; Telegram ids {people[0].telegram_id}–{people[-1].telegram_id}).",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    if serve:
        print(
            "Running headless; see docs/sandbox.md to drive it with curl. Ctrl-C stops.",
            flush=True,
        )
        await stop.wait()
    else:
        from emulator.sandbox.terminal import TerminalChat

        chat = TerminalChat(control, people, sessions)
        await chat.run(stop)


def run_sandbox(settings: Settings, *, serve: bool, port: int = 0) -> int:
    """Run the sandbox until Ctrl-C (or `:quit` in the terminal chat)."""
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(_serve(settings, serve=serve, port=port))
    return 0
