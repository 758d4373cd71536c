"""Reliability fixtures: the real bot against an emulator that fails a share of its calls."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from emulator.client import ControlClient
from storage.db import SessionFactory, create_engine, session_factory
from tests.conftest import BACKENDS
from tests.e2e.conftest import Stack, running_stack

# Short so that a held-back answer ("timeout" fault) costs seconds, not the default five;
# the emulator holds such answers longer than this.
API_TIMEOUT = "1.5"
FAULT_DELAY_MS = 2000
# The long form (`BANGFU_RELIABILITY_LONG=1`) runs longer; both forms run on both databases.
# One stack per database for the whole package: the bot's start-up is most of the cost.
LONG = os.environ.get("BANGFU_RELIABILITY_LONG", "") not in ("", "0")


@pytest.fixture(scope="package", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Emulator + bot processes on a fresh database, the bot with a short call timeout."""
    backend = str(request.param)
    workdir = tmp_path_factory.mktemp(f"reliability-{backend}")
    with running_stack(backend, workdir, {"BANGFU_API_TIMEOUT": API_TIMEOUT}) as running:
        yield running


@pytest.fixture
async def control(stack: Stack) -> AsyncIterator[ControlClient]:
    """A control-API client of this stack's emulator (faults cleared afterwards)."""
    async with ControlClient(stack.control_url, timeout=60) as client:
        yield client
        await client.clear_faults()


@pytest.fixture
async def db(stack: Stack) -> AsyncIterator[SessionFactory]:
    """Sessions on the database the bot process uses."""
    engine = create_engine(stack.db_url)
    yield session_factory(engine)
    await engine.dispose()
