"""The daily reminder of complaints the office has not acted on for a while."""

from __future__ import annotations

import logging
from datetime import time, tzinfo

from telegram.error import TelegramError
from telegram.ext import JobQueue

from bot.context import BotContext
from bot.i18n import N_, pick_language, translator
from bot.services.complaint_office import complaint_reminders

log = logging.getLogger(__name__)

JOB_NAME = "complaints-stale"
REMINDER = N_(
    "{count} complaint(s) have had no action for {days} days or more: {refs}. "
    "Send /complaints to handle them."
)


async def remind_stale_complaints(context: BotContext) -> None:
    """Tell each office user which complaints in their scope are waiting (the database decides)."""
    runtime = context.runtime
    days = runtime.settings.complaint_stale_days
    today = runtime.now().astimezone(runtime.settings.tz).date()
    reminders = await complaint_reminders(runtime.uow(), today=today, days=days)
    for telegram_id, language, stale in reminders:
        t = translator(pick_language(language, None, runtime.settings.language))
        refs = ", ".join(f"#{s.id}" for s in stale[:20])
        try:
            await context.bot.send_message(
                telegram_id, t(REMINDER).format(count=len(stale), days=days, refs=refs)
            )
        except TelegramError:
            # An office account that blocked the bot costs only its own reminder.
            log.warning("a complaint reminder could not be delivered")


def schedule(job_queue: JobQueue[BotContext], tz: tzinfo) -> None:
    """Run the reminder every morning at nine, local time (one job, whatever ran before)."""
    for job in job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    job_queue.run_daily(remind_stale_complaints, time=time(9, 0, tzinfo=tz), name=JOB_NAME)
