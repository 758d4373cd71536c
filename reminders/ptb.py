"""Reminders inside the running bot: python-telegram-bot's JobQueue and its Bot as sender."""

from __future__ import annotations

import asyncio
import logging
from datetime import time, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import JobQueue

from bot.context import REMINDERS_KEY, BotApp, BotContext
from bot.services.reminder_service import ReminderService
from bot.services.reminders import Delivered, Delivery, Outgoing

log = logging.getLogger(__name__)

TICK_JOB = "reminders:catch-up"
HOUSEKEEPING_JOB = "housekeeping:daily"
ATTEMPTS = 4
BACKOFF = 0.5
MAX_BACKOFF = 8.0


class PtbMessenger:
    """Sends reminders through the application's Bot (its rate limiter included)."""

    def __init__(self, app: BotApp) -> None:
        self.app = app

    def visit_link(self, household_id: int) -> str | None:
        """A t.me deep link that opens /visit for a household."""
        username = self.app.bot.username if self.app.bot._bot_user else None
        return f"https://t.me/{username}?start=visit_{household_id}" if username else None

    async def send(self, message: Outgoing) -> Delivered:
        """Send one reminder; 403 is blocked, network trouble is retried up to a bound."""
        markup = None
        if message.buttons:
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(b.label, url=b.url)] for b in message.buttons]
            )
        problem = "no attempt made"
        for attempt in range(ATTEMPTS):
            try:
                if message.photo is not None:
                    await self.app.bot.send_photo(
                        message.chat_id,
                        message.photo,
                        caption=message.text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup,
                    )
                else:
                    await self.app.bot.send_message(
                        message.chat_id,
                        message.text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup,
                    )
                return Delivered(Delivery.SENT)
            except Forbidden as exc:
                return Delivered(Delivery.BLOCKED, f"403: {exc.message}")
            except RetryAfter as exc:
                problem = f"429: {exc.message}"
                await asyncio.sleep(_seconds(exc.retry_after))
            except BadRequest as exc:
                return Delivered(Delivery.FAILED, f"400: {exc.message}")
            except NetworkError as exc:  # timeouts and server errors
                problem = f"{type(exc).__name__}: {exc.message}"
                await asyncio.sleep(min(MAX_BACKOFF, BACKOFF * 2**attempt))
            except TelegramError as exc:
                return Delivered(Delivery.FAILED, exc.message)
        return Delivered(Delivery.FAILED, f"gave up after {ATTEMPTS} attempts ({problem})")


def _seconds(wait: int | timedelta) -> float:
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def _service(context: BotContext) -> ReminderService:
    service = context.bot_data[REMINDERS_KEY]
    assert isinstance(service, ReminderService)
    return service


async def _tick(context: BotContext) -> None:
    await _service(context).tick()


async def _housekeeping(context: BotContext) -> None:
    await _service(context).housekeeping()


def install(app: BotApp, service: ReminderService, *, interval: float) -> list[str]:
    """Derive the jobs from the configuration: one per stage, a catch-up, housekeeping.

    Names are deterministic and old jobs of the same name are removed first, so installing
    twice leaves one set. Every job runs the same idempotent tick.
    """
    queue: JobQueue[BotContext] | None = app.job_queue
    assert queue is not None, "python-telegram-bot was installed without its job-queue extra"
    tz = service.rules.tz
    names: list[str] = []

    def fresh(name: str) -> str:
        for job in queue.get_jobs_by_name(name):
            job.schedule_removal()
        names.append(name)
        return name

    for stage in service.rules.schedule:
        queue.run_daily(
            _tick, time(stage.hour, tzinfo=tz), name=fresh(f"reminders:{stage.stage.value}")
        )
    queue.run_repeating(_tick, interval=interval, first=5.0, name=fresh(TICK_JOB))
    queue.run_daily(
        _housekeeping, time(service.chores.hour, tzinfo=tz), name=fresh(HOUSEKEEPING_JOB)
    )
    return names
