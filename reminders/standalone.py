"""`bangfu reminders`: the scheduler loop in a process of its own, without the chat bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date

from bot.services.reminder_service import ReminderService

log = logging.getLogger(__name__)


async def run_loop(service: ReminderService, *, interval: float, stop: asyncio.Event) -> None:
    """Tick until `stop` is set: due stages every `interval` seconds, chores once a day."""
    chores_done: date | None = None
    while not stop.is_set():
        try:
            await service.tick()
            local = service.clock().astimezone(service.rules.tz)
            if local.hour >= service.chores.hour and chores_done != local.date():
                await service.housekeeping()
                chores_done = local.date()
        except Exception:
            # One bad tick (the database restarting, say) must not end the scheduler.
            log.exception("reminder tick failed; trying again in %s s", interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
