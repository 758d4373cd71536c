"""/myvisits: the helper's month at a glance, with buttons to log the missing visits."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.domain.quota import HelperMonth, period_label
from bot.domain.roles import can_log_visits
from bot.i18n import Translate
from bot.services.month import helper_month
from handlers.context import ONLY_HELPERS, authorised
from handlers.menu import button_pattern

MAX_BUTTONS = 12


def month_text(month: HelperMonth, t: Translate) -> str:
    """The month per household against its quota (HTML)."""
    lines = [
        t("<b>{month}</b>: {done} of {total} required visits.").format(
            month=period_label(month.period), done=month.done, total=month.required
        )
    ]
    lines += [
        f"{'✅' if h.met else '⏳'} {html.escape(h.head_name)} · "
        f"{html.escape(h.village)}: {h.days}/{h.quota}"
        for h in month.households
    ]
    if month.met:
        lines.append(t("All households have their visits this month. Well done!"))
    return "\n".join(lines)


def missing_buttons(month: HelperMonth, t: Translate) -> InlineKeyboardMarkup | None:
    """A button per household still short this month, opening /visit for it."""
    rows = [
        [
            InlineKeyboardButton(
                t("📍 Log visit: {name}").format(name=h.head_name),
                callback_data=f"visit:go:{h.household_id}",
            )
        ]
        for h in month.households
        if not h.met
    ][:MAX_BUTTONS]
    return InlineKeyboardMarkup(rows) if rows else None


async def my_visits(update: Update, context: BotContext) -> None:
    """Per household visits against the quota this month."""
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, can_log_visits, ONLY_HELPERS)
    if user is None:
        return
    runtime = context.runtime
    month = await helper_month(runtime.uow(), user.id, runtime.now(), runtime.rules.visits)
    if not month.households:
        await message.reply_text(t("You have no paired households yet. Please ask the office."))
        return
    await message.reply_html(month_text(month, t), reply_markup=missing_buttons(month, t))


def handlers() -> list[BaseHandler[Update, BotContext, object]]:
    """The /myvisits command and its menu button."""
    return [
        CommandHandler("myvisits", my_visits),
        MessageHandler(filters.Regex(button_pattern("myvisits")), my_visits),
    ]
