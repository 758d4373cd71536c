"""/myvisits: the helper's month at a glance, with buttons to log the missing visits."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.roles import can_log_visits
from bot.services.visits import household_choices, period_of
from handlers.context import ONLY_HELPERS, BotContext, authorised
from handlers.menu import button_pattern

MAX_BUTTONS = 12


async def my_visits(update: Update, context: BotContext) -> None:
    """Per household visits against the quota this month."""
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, can_log_visits, ONLY_HELPERS)
    if user is None:
        return
    runtime = context.runtime
    now = runtime.now()
    quota = runtime.settings.visit_quota
    async with runtime.sessions() as session:
        choices = await household_choices(session, user.id, period_of(now, runtime.settings.tz))
    if not choices:
        await message.reply_text(t("You have no paired households yet. Please ask the office."))
        return
    month = now.astimezone(runtime.settings.tz).strftime("%Y-%m")
    done = sum(min(c.done, quota) for c in choices)
    lines = [
        t("<b>{month}</b>: {done} of {total} required visits.").format(
            month=month, done=done, total=quota * len(choices)
        )
    ]
    lines += [
        f"{'✅' if c.done >= quota else '⏳'} {html.escape(c.head_name)} · "
        f"{html.escape(c.village)}: {c.done}/{quota}"
        for c in choices
    ]
    missing = [c for c in choices if c.done < quota]
    buttons = [
        [
            InlineKeyboardButton(
                t("📍 Log visit: {name}").format(name=c.head_name),
                callback_data=f"visit:go:{c.household_id}",
            )
        ]
        for c in missing[:MAX_BUTTONS]
    ]
    if not missing:
        lines.append(t("All households have their visits this month. Well done!"))
    await message.reply_html(
        "\n".join(lines), reply_markup=InlineKeyboardMarkup(buttons) if buttons else None
    )


def handlers() -> list[BaseHandler[Update, BotContext, object]]:
    """The /myvisits command and its menu button."""
    return [
        CommandHandler("myvisits", my_visits),
        MessageHandler(filters.Regex(button_pattern("myvisits")), my_visits),
    ]
