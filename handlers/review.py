"""/flags: admins review visits whose evidence needs a look, clear flags, confirm homes."""

from __future__ import annotations

import html
from datetime import timedelta, tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.errors import DomainError, NotRegistered
from bot.roles import can_review_flags
from bot.services.review import OpenFlag, clear_flag, confirm_home, open_flags
from handlers.context import BotContext, authorised, load_user, tr
from handlers.menu import button_pattern

REASON = 0
PAGE = 5
CLEARING = "clearing_flag"
MAX_REASON = 500


def _flag_block(flag: OpenFlag, tz: tzinfo) -> str:
    when = flag.visited_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    numbers = ", ".join(f"{k}={v}" for k, v in flag.numbers.items())
    return (
        f"#{flag.flag_id} <b>{html.escape(flag.kind)}</b> — "
        f"{html.escape(flag.helper_name)} → {html.escape(flag.household_name)} ({when})\n"
        f"{html.escape(flag.reason)}"
        + (f"\n<code>{html.escape(numbers)}</code>" if numbers else "")
    )


async def show_flags(update: Update, context: BotContext) -> None:
    """One page of open flags with buttons to clear them or confirm a home location."""
    message = update.effective_message
    query = update.callback_query
    assert message is not None
    user, t = await authorised(update, context, can_review_flags)
    if user is None:
        return
    offset = int(query.data.rsplit(":", 1)[1]) if query and query.data else 0
    if query:
        await query.answer()
    async with context.runtime.sessions() as session:
        flags, total = await open_flags(session, offset=offset, limit=PAGE)
    if not flags:
        await message.reply_text(t("No open flags. All evidence looks fine."))
        return
    tz = context.runtime.settings.tz
    header = t("Open flags: {total} (showing {first}–{last})").format(
        total=total, first=offset + 1, last=offset + len(flags)
    )
    blocks = [header] + [_flag_block(f, tz) for f in flags]
    rows = []
    for f in flags:
        row = [
            InlineKeyboardButton(
                t("✔ Clear #{id}").format(id=f.flag_id), callback_data=f"flag:clear:{f.flag_id}"
            )
        ]
        if f.kind == "no_home_location" and f.has_proposed_home:
            row.append(
                InlineKeyboardButton(
                    t("🏠 Confirm home"), callback_data=f"flag:home:{f.household_id}"
                )
            )
        rows.append(row)
    if offset + PAGE < total:
        rows.append(
            [InlineKeyboardButton(t("More ▶"), callback_data=f"flag:page:{offset + PAGE}")]
        )
    await message.reply_html("\n\n".join(blocks), reply_markup=InlineKeyboardMarkup(rows))


async def ask_reason(update: Update, context: BotContext) -> int:
    """Ask why the flag is being cleared."""
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    user, t = await authorised(update, context, can_review_flags)
    if user is None:
        return ConversationHandler.END
    await query.answer()
    flag_id = int(query.data.rsplit(":", 1)[1])
    if context.user_data is not None:
        context.user_data[CLEARING] = flag_id
    await context.bot.send_message(
        query.message.chat.id,
        t(
            "Why is flag #{id} being cleared? Write the reason (it is kept in the audit log)."
        ).format(id=flag_id),
    )
    return REASON


async def got_reason(update: Update, context: BotContext) -> int:
    """Clear the flag with the reason given."""
    message = update.effective_message
    assert message is not None and message.text is not None
    user = await load_user(update, context)
    t = tr(update, context, user)
    flag_id = context.user_data.pop(CLEARING, None) if context.user_data is not None else None
    reason = message.text.strip()[:MAX_REASON]
    if user is None or flag_id is None:
        return ConversationHandler.END
    runtime = context.runtime
    try:
        async with runtime.sessions() as session, session.begin():
            actor = await session.merge(user)
            await clear_flag(
                session, actor=actor, flag_id=flag_id, reason=reason, now=runtime.now()
            )
    except DomainError as error:
        await message.reply_text(error.render(t))
        return ConversationHandler.END
    await message.reply_text(t("Flag #{id} cleared.").format(id=flag_id))
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    """Stop clearing; the flag stays open."""
    message = update.effective_message
    assert message is not None
    if context.user_data is not None:
        context.user_data.pop(CLEARING, None)
    t = tr(update, context, await load_user(update, context))
    await message.reply_text(t("Cancelled. The flag stays open."))
    return ConversationHandler.END


async def home(update: Update, context: BotContext) -> None:
    """Confirm a proposed home location."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user = await load_user(update, context)
    t = tr(update, context, user)
    if user is None:
        await query.answer(NotRegistered().render(t), show_alert=True)
        return
    runtime = context.runtime
    try:
        async with runtime.sessions() as session, session.begin():
            actor = await session.merge(user)
            household = await confirm_home(
                session,
                actor=actor,
                household_id=int(query.data.rsplit(":", 1)[1]),
                now=runtime.now(),
            )
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)
        return
    await query.answer(
        t("Home location of {name} confirmed.").format(name=household.head_name), show_alert=True
    )


def handlers() -> list[BaseHandler[Update, BotContext, object]]:
    """The /flags command, its buttons and the clear-with-reason conversation."""
    clearing: ConversationHandler[BotContext] = ConversationHandler(
        entry_points=[CallbackQueryHandler(ask_reason, pattern=r"^flag:clear:\d+$")],
        states={
            REASON: [
                MessageHandler(
                    filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, got_reason
                )
            ]
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="flag-clear",
        conversation_timeout=timedelta(hours=1),
    )
    return [
        CommandHandler("flags", show_flags),
        MessageHandler(filters.Regex(button_pattern("flags")), show_flags),
        CallbackQueryHandler(show_flags, pattern=r"^flag:page:\d+$"),
        CallbackQueryHandler(home, pattern=r"^flag:home:\d+$"),
        clearing,
    ]
