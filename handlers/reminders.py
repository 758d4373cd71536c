"""/quota for helpers (their month and pace), /remind STAGE for the office."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import REMINDERS_KEY, BotContext
from bot.domain.quota import period_label
from bot.domain.reminders import Stage, expected_by
from bot.domain.roles import can_log_visits, is_admin
from bot.i18n import N_
from bot.services.month import helper_month
from bot.services.reminder_service import ReminderService
from handlers.context import ONLY_HELPERS, authorised
from handlers.myvisits import missing_buttons, month_text

REMIND_USAGE = N_("Usage: /remind STAGE, where STAGE is gentle, firm, urgent or digest.")


async def quota(update: Update, context: BotContext) -> None:
    """The helper's month against the quota, and where an even pace would have them today."""
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, can_log_visits, ONLY_HELPERS)
    if user is None:
        return
    runtime = context.runtime
    now = runtime.now()
    month = await helper_month(runtime.uow(), user.id, now, runtime.rules.visits)
    if not month.households:
        await message.reply_text(t("You have no paired households yet. Please ask the office."))
        return
    today = now.astimezone(runtime.rules.visits.tz).date()
    pace = t("By an even pace you would have {expected} visits by today.").format(
        expected=min(month.required, expected_by(month.required, today))
    )
    await message.reply_html(
        f"{month_text(month, t)}\n{pace}", reply_markup=missing_buttons(month, t)
    )


async def remind(update: Update, context: BotContext) -> None:
    """Run a reminder stage now; idempotent like the scheduled run, with counts in reply."""
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, is_admin)
    if user is None:
        return
    service = context.bot_data.get(REMINDERS_KEY)
    assert isinstance(service, ReminderService)
    try:
        stage = Stage((context.args or [""])[0].strip().lower())
    except ValueError:
        await message.reply_text(t(REMIND_USAGE))
        return
    if service.quiet_now():
        await message.reply_text(
            t("It is within the quiet hours: nothing was sent. Please try again later.")
        )
        return
    await message.reply_text(t("Sending the {stage} reminders…").format(stage=t(stage.value)))
    report = await service.run_stage(stage)
    await message.reply_text(
        t(
            "{stage} reminders for {month}: {sent} sent, {skipped} skipped (sent before), "
            "{failed} failed, {blocked} could not be reached, {unsigned} have not signed up "
            "to the bot yet."
        ).format(
            stage=t(stage.value),
            month=period_label(report.period),
            sent=report.sent,
            skipped=report.skipped,
            failed=report.failed,
            blocked=report.blocked,
            unsigned=report.not_signed_up,
        )
    )


def handlers() -> list[BaseHandler[Update, BotContext, object]]:
    """The /quota and /remind commands."""
    return [CommandHandler("quota", quota), CommandHandler("remind", remind)]
