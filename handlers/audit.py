"""/audit [filter]: recent admin actions in the reader's area, a page at a time."""

from __future__ import annotations

import html
from datetime import tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.domain.oversight import can_oversee
from bot.i18n import Translate
from bot.services.audit_log import AUDIT_PAGE, AuditPage, audit_page
from handlers.context import authorised
from handlers.edits import edit_message
from handlers.pager import paginate

# The filter of the reader's last /audit, so the page buttons need only an offset.
FILTER_KEY = "audit_filter"


def audit_text(t: Translate, page: AuditPage, search: str, tz: tzinfo) -> str:
    """A page of the audit log as HTML lines."""
    if not page.lines:
        return t("No admin actions match “{search}” in your area.").format(
            search=html.escape(search)
        )
    head = t("🧾 Admin actions {first}–{last} of {total}, newest first").format(
        first=page.offset + 1, last=page.offset + len(page.lines), total=page.total
    )
    lines = [head]
    for line in page.lines:
        when = line.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        text = f"\n<b>{when}</b> {html.escape(line.who)}: <code>{html.escape(line.action)}</code>"
        if line.target:
            text += f" · {html.escape(line.target)}"
        if line.before is not None or line.after is not None:
            text += "\n" + t("before: {before} → after: {after}").format(
                before=html.escape(line.before or "—"), after=html.escape(line.after or "—")
            )
        if line.detail:
            text += f"\n<i>{html.escape(line.detail)}</i>"
        lines.append(text)
    return "\n".join(lines)


def audit_keyboard(t: Translate, page: AuditPage) -> InlineKeyboardMarkup | None:
    """Newer and older page buttons, where there are any."""
    row = []
    if page.offset > 0:
        newer = max(0, page.offset - AUDIT_PAGE)
        row.append(InlineKeyboardButton(t("◀ Newer"), callback_data=f"aud:{newer}"))
    if page.has_more:
        row.append(
            InlineKeyboardButton(
                t("Older ▶"), callback_data=f"aud:{page.offset + len(page.lines)}"
            )
        )
    return InlineKeyboardMarkup([row]) if row else None


async def audit(update: Update, context: BotContext) -> None:
    """The first page of recent admin actions, optionally filtered by action or person."""
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, can_oversee)
    if user is None:
        return
    search = " ".join(context.args or []).strip()
    if context.user_data is not None:
        context.user_data[FILTER_KEY] = search
    page = await audit_page(context.runtime.uow(), user, search)
    tz = context.runtime.settings.tz
    pages = paginate(audit_text(t, page, search, tz))
    for text in pages[:-1]:
        await message.reply_html(text)
    await message.reply_html(pages[-1], reply_markup=audit_keyboard(t, page))


async def audit_more(update: Update, context: BotContext) -> None:
    """Another page of the audit log (the offset comes from the button)."""
    query = update.callback_query
    assert query is not None
    user, t = await authorised(update, context, can_oversee)
    if user is None:
        return
    try:
        offset = int((query.data or "").split(":", 1)[1])
    except (IndexError, ValueError):
        offset = 0
    search = ""
    if context.user_data is not None:
        search = str(context.user_data.get(FILTER_KEY, ""))
    page = await audit_page(context.runtime.uow(), user, search, offset=offset)
    text = paginate(audit_text(t, page, search, context.runtime.settings.tz))[0]
    await edit_message(
        query, t, text=text, markup=audit_keyboard(t, page), parse_mode=ParseMode.HTML
    )


def handlers() -> list[BaseHandler[Update, BotContext, object]]:
    """The audit handlers."""
    return [
        CommandHandler("audit", audit),
        CallbackQueryHandler(audit_more, pattern=r"^aud:"),
    ]
