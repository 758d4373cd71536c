"""/flags: admins review visits whose evidence needs a look, clear flags, confirm homes.

Everything shown and every action is limited to the admin's scope by the use cases.
"""

from __future__ import annotations

import html
from datetime import tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext, current_user, tr
from bot.domain.errors import DomainError, NotRegistered
from bot.domain.review import FlagPage, OpenFlag
from bot.domain.roles import can_review_flags
from bot.domain.vocabulary import FlagKind
from bot.i18n import N_, Translate
from bot.services.review import clear_flag, confirm_home, flag_to_clear, open_flags
from handlers.asking import asking, cancel_dropping
from handlers.context import authorised
from handlers.edits import edit_message
from handlers.flag_text import flag_sentence
from handlers.longtext import text_within
from handlers.menu import MenuActions, button_pattern
from handlers.pager import offset_nav

REASON = 0
PAGE = 5
CLEARING = "clearing_flag"
MAX_REASON = 500


def _flag_block(flag: OpenFlag, tz: tzinfo, t: Translate) -> str:
    when = flag.visited_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return (
        f"#{flag.flag_id} {html.escape(flag.helper_name)} → "
        f"{html.escape(flag.household_name)} · {html.escape(flag.village)} ({when})\n"
        f"{html.escape(flag_sentence(flag.kind, flag.numbers, t))}"
    )


def _page_view(page: FlagPage, tz: tzinfo, t: Translate) -> tuple[str, InlineKeyboardMarkup]:
    first, last = page.offset + 1, page.offset + len(page.flags)
    header = t("Open flags: {total} (showing {first}–{last})").format(
        total=page.total, first=first, last=last
    )
    rows = []
    for f in page.flags:
        row = [
            InlineKeyboardButton(
                t("✔ Clear #{id}").format(id=f.flag_id), callback_data=f"flag:clear:{f.flag_id}"
            )
        ]
        if f.kind == FlagKind.NO_HOME_LOCATION and f.has_proposed_home:
            row.append(
                InlineKeyboardButton(
                    t("🏠 Confirm home"), callback_data=f"flag:home:{f.household_id}"
                )
            )
        rows.append(row)
    nav = offset_nav(page.offset, PAGE, page.total, lambda at: f"flag:page:{at}", t)
    if nav:
        rows.append(nav)
    blocks = [header] + [_flag_block(f, tz, t) for f in page.flags]
    return "\n\n".join(blocks), InlineKeyboardMarkup(rows)


async def _page(context: BotContext, update: Update, offset: int) -> FlagPage | None:
    user = await current_user(update, context)
    if user is None:
        return None
    page = await open_flags(context.runtime.uow(), user, offset=offset, limit=PAGE)
    if not page.flags and offset > 0:  # the last flags of a page were cleared: go back one
        page = await open_flags(
            context.runtime.uow(), user, offset=max(0, offset - PAGE), limit=PAGE
        )
    return page


async def show_flags(update: Update, context: BotContext) -> None:
    """One page of open flags with buttons to clear them or confirm a home location."""
    message = update.effective_message
    query = update.callback_query
    assert message is not None
    user, t = await authorised(update, context, can_review_flags)
    if user is None:
        return
    offset = int(query.data.rsplit(":", 1)[1]) if query and query.data else 0
    page = await _page(context, update, offset)
    tz = context.runtime.settings.tz
    if page is None or not page.flags:
        text, markup = t("No open flags. All evidence looks fine."), None
    else:
        text, markup = _page_view(page, tz, t)
    if query is not None:
        # Paging replaces the list in place rather than adding a message per page.
        await edit_message(query, t, text=text, markup=markup, parse_mode="HTML")
        return
    await message.reply_html(text, reply_markup=markup)


async def _refresh(
    context: BotContext, update: Update, message: Message | None, t: Translate
) -> None:
    """Send the list again after a change, so its buttons match what is still open."""
    chat = update.effective_chat
    assert chat is not None
    page = await _page(context, update, 0)
    if page is None or not page.flags:
        await context.bot.send_message(chat.id, t("No open flags. All evidence looks fine."))
        return
    text, markup = _page_view(page, context.runtime.settings.tz, t)
    await context.bot.send_message(chat.id, text, reply_markup=markup, parse_mode="HTML")


async def ask_reason(update: Update, context: BotContext) -> int:
    """Ask why the flag is being cleared."""
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    user, t = await authorised(update, context, can_review_flags)
    if user is None:
        return ConversationHandler.END
    try:
        flag_id = await flag_to_clear(
            context.runtime.uow(), user, int(query.data.rsplit(":", 1)[1])
        )
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    if context.user_data is not None:
        context.user_data[CLEARING] = flag_id
    await context.bot.send_message(
        query.message.chat.id,
        t(
            "Why is flag #{id} being cleared? Write the reason (it is kept in the audit log), "
            "or /cancel."
        ).format(id=flag_id),
    )
    return REASON


async def got_reason(update: Update, context: BotContext) -> int:
    """Clear the flag with the reason given, then show the list as it now stands."""
    message = update.effective_message
    assert message is not None and message.text is not None
    user = await current_user(update, context)
    t = tr(update, context, user)
    reason = await text_within(message, t, MAX_REASON)
    if reason is None:
        return REASON  # still waiting for a shorter one; the flag stays chosen
    flag_id = context.user_data.pop(CLEARING, None) if context.user_data is not None else None
    if user is None or flag_id is None:
        return ConversationHandler.END
    runtime = context.runtime
    try:
        await clear_flag(runtime.uow(), user, flag_id=flag_id, reason=reason, now=runtime.now())
    except DomainError as error:
        await message.reply_text(error.render(t))
        return ConversationHandler.END
    await message.reply_text(t("Flag #{id} cleared.").format(id=flag_id))
    await _refresh(context, update, message, t)
    return ConversationHandler.END


async def remind_reason(update: Update, context: BotContext) -> None:
    """Still waiting for a reason (after a menu feature opened, or an unexpected message)."""
    message = update.effective_message
    flag_id = context.user_data.get(CLEARING) if context.user_data is not None else None
    if message is None or flag_id is None:
        return
    t = tr(update, context, await current_user(update, context))
    await message.reply_text(
        t("Still waiting for the reason to clear flag #{id}; /cancel keeps it open.").format(
            id=flag_id
        )
    )


# Stop clearing; the flag stays open.
cancel = cancel_dropping(CLEARING, N_("Cancelled. The flag stays open."))


async def home(update: Update, context: BotContext) -> None:
    """Confirm a proposed home location."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user = await current_user(update, context)
    t = tr(update, context, user)
    if user is None:
        await query.answer(NotRegistered().render(t), show_alert=True)
        return
    runtime = context.runtime
    try:
        confirmed = await confirm_home(
            runtime.uow(),
            user,
            household_id=int(query.data.rsplit(":", 1)[1]),
            now=runtime.now(),
        )
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)
        return
    await query.answer(
        t("Home location of {name} confirmed.").format(name=confirmed.head_name), show_alert=True
    )
    await _refresh(context, update, None, t)


def handlers(menu: MenuActions) -> list[BaseHandler[Update, BotContext, object]]:
    """The /flags command, its buttons and the clear-with-reason conversation."""
    clearing = asking(
        "flag-clear",
        menu=menu,
        entry_points=[CallbackQueryHandler(ask_reason, pattern=r"^flag:clear:\d+$")],
        answers={REASON: got_reason},
        remind=remind_reason,
        cancel=cancel,
    )
    return [
        # First, so that a menu button pressed while a reason is awaited is not a reason.
        clearing,
        CommandHandler("flags", show_flags),
        MessageHandler(filters.Regex(button_pattern("flags")), show_flags),
        CallbackQueryHandler(show_flags, pattern=r"^flag:page:\d+$"),
        CallbackQueryHandler(home, pattern=r"^flag:home:\d+$"),
    ]
