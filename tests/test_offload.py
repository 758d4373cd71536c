"""The search worker process: lowest priority, replaced when it dies, gone with the bot."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from bot.offload import Offload

ROOT = Path(__file__).resolve().parents[1]


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting to be reaped counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _wait_gone(pid: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


async def test_process_mode_runs_in_a_child_that_only_takes_idle_cpu() -> None:
    offload = Offload()
    try:
        child = await offload.run(os.getpid)
        assert child != os.getpid()
        assert await offload.run(os.sched_getscheduler, 0) == os.SCHED_IDLE
        assert await offload.run(os.getpid) == child  # one child, kept
    finally:
        await offload.close()
    assert not _alive(child)


async def test_a_child_that_died_is_replaced() -> None:
    offload = Offload()
    try:
        first = await offload.run(os.getpid)
        os.kill(first, signal.SIGKILL)
        await asyncio.to_thread(_wait_gone, first)
        # The task in hand (here the next one) fails once; the caller's retry gets a new child.
        with pytest.raises(BrokenProcessPool):
            for _ in range(50):
                await offload.run(os.getpid)
                await asyncio.sleep(0.1)
        second = await offload.run(os.getpid)
        assert second not in (first, os.getpid())
    finally:
        await offload.close()


_PARENT = """
import asyncio, os, sys, time
from bot.offload import Offload

async def main():
    offload = Offload()
    print(await offload.run(os.getpid), flush=True)
    time.sleep(120)

asyncio.run(main())
"""


def test_the_child_leaves_when_the_bot_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.kill()  # SIGKILL: no shutdown code runs in the bot
        parent.wait(10)
        _wait_gone(child)
        assert not _alive(child)
    finally:
        parent.kill()
        parent.wait(10)
