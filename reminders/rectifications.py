"""The daily round of rectifications (限期整改): remind helper and office, fail the expired."""

from __future__ import annotations

import logging
from datetime import time, tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError
from telegram.ext import JobQueue

from bot.context import BotContext
from bot.i18n import N_, pick_language, translator
from bot.services.rectification import rectification_round

log = logging.getLogger(__name__)

JOB_NAME = "rectifications-daily"
HELPER_REMINDER = N_(
    "Reminder: your appraisal asks you to rectify (限期整改) by {due}, {days} day(s) from "
    "now. Please talk to the office about what remains."
)
OFFICE_OPEN = N_("Rectifications in progress: {lines}")
OFFICE_FAILED = N_(
    "Rectification not completed in time, the helper is to be replaced (propose a new "
    "helper with /repair): {lines}"
)


async def rectification_round_job(context: BotContext) -> None:
    """Fail expired rectifications and remind helpers and the office (the database decides)."""
    runtime = context.runtime
    today = runtime.now().astimezone(runtime.settings.tz).date()
    digest = await rectification_round(runtime.uow(), today=today)
    default = runtime.settings.language
    for notice in digest.helpers:
        t = translator(pick_language(notice.language, None, default))
        text = t(HELPER_REMINDER).format(due=notice.due_on.isoformat(), days=notice.days_left)
        try:
            await context.bot.send_message(notice.telegram_id, text)
        except TelegramError:
            log.warning("a rectification reminder could not be delivered")
    for office in digest.office:
        t = translator(pick_language(office.language, None, default))
        try:
            if office.open:
                lines = ", ".join(f"{r.helper_name} ({r.due_on.isoformat()})" for r in office.open)
                buttons = [
                    [
                        InlineKeyboardButton(
                            t("✔ {name} rectified").format(name=r.helper_name),
                            callback_data=f"rect:close:{r.id}",
                        )
                    ]
                    for r in office.open[:10]
                ]
                await context.bot.send_message(
                    office.telegram_id,
                    t(OFFICE_OPEN).format(lines=lines),
                    reply_markup=InlineKeyboardMarkup(buttons),
                )
            if office.failed:
                lines = ", ".join(r.helper_name for r in office.failed)
                await context.bot.send_message(
                    office.telegram_id, t(OFFICE_FAILED).format(lines=lines)
                )
        except TelegramError:
            log.warning("a rectification notice to the office could not be delivered")


def schedule(job_queue: JobQueue[BotContext], tz: tzinfo) -> None:
    """Run the round every morning at 09:05 local time (one job, whatever ran before)."""
    for job in job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    job_queue.run_daily(rectification_round_job, time=time(9, 5, tzinfo=tz), name=JOB_NAME)
