"""CPU-heavy background work in a child process of the lowest priority.

Why a process: the archive search spends about a quarter of a second of CPU on every saved
photo (local features, search words, geometric verification, its queries). In the bot's own
process that work competes with the event loop for the interpreter lock, and on a two-core
county server for the cores that answer helpers. A child process with the lowest scheduling
priority gets the CPU the bot leaves over: helpers are answered first, and the search fills
the gaps between their taps.

The child is spawned on first use (a fork would copy the locks of the bot's threads), runs one
task at a time, leaves when the bot is gone (even when the bot was killed with SIGKILL), and is
spawned again when it died. On Linux it runs under the SCHED_IDLE policy, only when no
ordinary task wants the core; elsewhere at a higher nice value.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Final, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

# Niceness of the child: with the bot at 0 it gets about a tenth of a busy core, and all of
# an idle one.
CHILD_NICENESS: Final = 10
# How often the child checks that the bot still runs.
_PARENT_CHECK_SECONDS: Final = 1.0


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_SECONDS)
    os._exit(0)  # the bot is gone: nobody waits for the answer


def _lower_priority(niceness: int) -> str:
    """Give the calling thread (and those it starts) the least claim on the CPU it can have."""
    idle = getattr(os, "SCHED_IDLE", None)
    if idle is not None:
        try:
            # Linux: run only when no ordinary task wants the core (not starved: the scheduler
            # still gives it a sliver under full load).
            os.sched_setscheduler(0, idle, os.sched_param(0))
            return "idle"
        except OSError:
            pass
    if niceness:
        with contextlib.suppress(OSError):  # not allowed here: run at the bot's priority
            os.nice(niceness)
            return f"nice {niceness}"
    return "normal"


def _start_child(
    parent: int, niceness: int, setup: Callable[..., None] | None, setup_args: tuple[object, ...]
) -> None:
    """Runs first in the child: lower its priority, leave with the bot, then `setup`."""
    # Ctrl-C in a terminal reaches the whole process group: the bot shuts down in order and
    # stops the child itself, which must not die mid-task before that.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    priority = _lower_priority(niceness)
    threading.Thread(
        target=_watch_parent, args=(parent,), name="parent-watch", daemon=True
    ).start()
    if setup is not None:
        setup(*setup_args)  # may set up logging: report after it
    log.info("background worker process %d started at %s priority", os.getpid(), priority)


class Offload:
    """Runs blocking functions in a child process that only takes the CPU others leave."""

    def __init__(
        self,
        *,
        setup: Callable[..., None] | None = None,
        setup_args: tuple[object, ...] = (),
        niceness: int = CHILD_NICENESS,
    ) -> None:
        """`setup(*setup_args)` runs once in each new child, before its first task."""
        self._niceness = niceness
        self._setup = setup
        self._setup_args = setup_args
        self._pool: ProcessPoolExecutor | None = None

    def _child(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_child,
                initargs=(os.getpid(), self._niceness, self._setup, self._setup_args),
            )
        return self._pool

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """fn(*args) in the child; fn, args and the result must pickle."""
        pool = self._child()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
        except BrokenProcessPool:
            # The child died (killed, out of memory): the next call spawns a new one, and the
            # caller's own retry repeats this one.
            log.warning("the background worker process ended unexpectedly; starting a new one")
            if self._pool is pool:
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            raise

    async def close(self) -> None:
        """Let the task in hand finish and stop the child (at shutdown)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
