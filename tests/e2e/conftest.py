"""End-to-end fixtures: per database, one emulator process and one real bot process.

Every module that uses the default `stack` shares the same processes (starting them costs
seconds each time); tests stay independent by using their own users, households and villages:
`stack.new_user_id()` hands out fresh Telegram ids and phones. A module whose bot needs other
settings, or whose assertions count everything in the database, defines its own `stack`.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from emulator.client import ControlClient
from emulator.processes import BotProcess, EmulatorProcess, bot_env
from storage.db import SessionFactory, create_engine, session_factory
from tests.conftest import BACKENDS, shared_factory

_ids = itertools.count(700_000_001)


@dataclass
class Stack:
    """A running emulator and bot on one fresh database."""

    backend: str
    db_url: str
    data_dir: Path
    emulator: EmulatorProcess
    bot: BotProcess
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def control_url(self) -> str:
        """The emulator's control API."""
        return self.emulator.control_url

    def new_user_id(self) -> int:
        """A Telegram user id no other test uses."""
        return next(_ids)

    def phone_for(self, user_id: int) -> str:
        """A fictitious mainland phone number derived from the user id."""
        return f"+86139{user_id % 100_000_000:08d}"

    def restart_bot(self, *, kill: bool = False) -> None:
        """Stop (or kill) the bot and start it again on the same database."""
        self.bot.stop(kill=kill)
        self.bot.start(self.control_url)


@contextmanager
def running_stack(
    backend: str, workdir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[Stack]:
    """Start an emulator and a bot (with `extra_env`) on a fresh migrated database."""
    # The run's template: the schema is migrated once, each stack gets a copy.
    factory = shared_factory(backend, workdir)
    db_url = asyncio.run(factory.migrated())
    emulator = EmulatorProcess.start()
    data_dir = workdir / "data"
    env = dict(extra_env or {})
    bot = BotProcess(
        env=bot_env(api_url=emulator.root_url, database_url=db_url, data_dir=data_dir, extra=env),
        log_path=workdir / "bot.log",
    )
    try:
        bot.start(emulator.control_url)
        yield Stack(backend, db_url, data_dir, emulator, bot, workdir, env)
    finally:
        bot.stop()
        emulator.stop()
        asyncio.run(factory.drop(db_url))


@pytest.fixture(scope="package", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Emulator + bot processes on a fresh migrated database of one backend, for the package."""
    backend = str(request.param)
    with running_stack(backend, tmp_path_factory.mktemp(f"e2e-{backend}")) as running:
        yield running


@pytest.fixture
async def control(stack: Stack) -> AsyncIterator[ControlClient]:
    """A control-API client of this stack's emulator."""
    async with ControlClient(stack.control_url) as client:
        yield client


@pytest.fixture
async def db(stack: Stack) -> AsyncIterator[SessionFactory]:
    """Sessions on the database the bot process uses (to seed and to check)."""
    engine = create_engine(stack.db_url)
    yield session_factory(engine)
    await engine.dispose()
