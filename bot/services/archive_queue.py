"""When the archive search runs: soon after each save, again after a failure, and in a
periodic catch-up; in the bot's search worker process, or in the bot itself.

What a search does is bot.services.archive_search; where its worker runs, bot.offload and
bot.services.archive_worker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.evidence import Flag
from bot.offload import Offload
from bot.services.archive_search import (
    Filing,
    SearchRules,
    UnitsOfWork,
    file_photos,
    record,
    search_visit,
    why_failed,
)
from bot.services.archive_worker import look_in_worker, prepare_in_worker

log = logging.getLogger(__name__)


class ArchiveSearch:
    """Runs the search after each save in the background, and catches up on missed ones."""

    def __init__(
        self,
        uows: UnitsOfWork,
        rules: SearchRules,
        clock: Callable[[], datetime],
        worker: Offload | None = None,
    ) -> None:
        """With a `worker` (bot.services.archive_worker) searches run there, else in here."""
        self._uows = uows
        self._rules = rules
        self._clock = clock
        self._worker = worker
        self._tasks: set[asyncio.Task[None]] = set()
        self._running: set[int] = set()
        # Verification is CPU work: one search at a time keeps the bot responsive.
        self._one = asyncio.Lock()
        # Searches waiting to try again; shutting down cancels them (the catch-up remains).
        self._waiting: set[asyncio.Task[None]] = set()
        # Shutting down: searches still queued are left to the catch-up of the next start.
        self._closing = False

    def schedule(self, visit_id: int) -> None:
        """Search for a just-committed visit's photos soon, without making anyone wait."""
        self._spawn(visit_id, self._rules.retry_delays)

    def _spawn(self, visit_id: int, delays: Sequence[float]) -> None:
        task = asyncio.get_running_loop().create_task(self._run(visit_id, delays))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, visit_id: int, delays: Sequence[float]) -> None:
        if visit_id in self._running:
            return
        self._running.add(visit_id)
        try:
            for attempt in range(1, len(delays) + 2):
                try:
                    async with self._one:
                        if self._closing:
                            return  # its photos stay unsearched: the catch-up finds them
                        await self._search(visit_id)
                    return
                except Exception as error:
                    if attempt > len(delays):
                        # No personal data here: the visit id is what the office can look up.
                        log.error(
                            "archive search of visit %s failed %d time(s), last: %s; its "
                            "photos stay unsearched for the catch-up job",
                            visit_id,
                            attempt,
                            why_failed(error),
                        )
                        return
                    delay = delays[attempt - 1]
                    log.warning(
                        "archive search of visit %s failed (attempt %d): %s; again in %.0f s",
                        visit_id,
                        attempt,
                        why_failed(error),
                        delay,
                    )
                await self._pause(delay)
        finally:
            self._running.discard(visit_id)

    async def _search(self, visit_id: int) -> int:
        now = self._clock()
        if self._worker is None:
            return await search_visit(self._uows, visit_id, self._rules, now)
        # The same steps as search_visit: reading and computing in the worker, writing here.
        filing: Filing | None = await self._worker.run(prepare_in_worker, visit_id)
        if filing is None:
            return 0
        await file_photos(self._uows, filing, now)
        copies: list[tuple[int, Flag]] = await self._worker.run(look_in_worker, filing, now)
        return await record(self._uows, filing, copies, now)

    async def _pause(self, seconds: float) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._waiting.add(task)
        try:
            await asyncio.sleep(seconds)
        finally:
            if task is not None:
                self._waiting.discard(task)

    async def catch_up(self, *, wait: bool = True) -> int:
        """Search visits saved a while ago whose search never ran or failed; how many.

        `wait=False` (the periodic job) queues them behind the searches in hand and returns:
        a round that waited for a long queue would outlast the job's interval.
        """
        before = self._clock() - self._rules.grace
        async with self._uows() as uow:
            visits = await uow.photo_search.unsearched_visits(before, self._rules.batch)
        for visit_id in visits:
            # One attempt each: the job itself comes round again.
            if wait:
                await self._run(visit_id, ())
            else:
                self._spawn(visit_id, ())
        return len(visits)

    def pending(self) -> int:
        """Searches queued or running (retries waiting included)."""
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait for the searches in flight, retries included (in tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        """At shutdown: finish the search running, leave the queued ones to the catch-up."""
        self._closing = True
        for task in list(self._waiting):
            task.cancel()
        await self.drain()
        if self._worker is not None:
            await self._worker.close()
