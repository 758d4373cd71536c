"""Admin conversations that ask for one typed answer after a button (a score, a reason).

They share their shape: the main-menu buttons still work in every state, anything but the
awaited text gets a reminder, /cancel drops the draft, a restart resumes them, and they end
by themselves after an hour.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext, current_user, tr
from handlers.menu import MenuActions, menu_buttons_inside

Step = Callable[[Update, BotContext], Coroutine[Any, Any, object]]
End = Callable[[Update, BotContext], Coroutine[Any, Any, int]]
# How long an unanswered question stays open.
TIMEOUT = timedelta(hours=1)


def cancel_dropping(
    key: str, said: str
) -> Callable[[Update, BotContext], Coroutine[Any, Any, int]]:
    """A /cancel that drops the draft kept under `key` and says `said` (a marked msgid)."""

    async def cancel(update: Update, context: BotContext) -> int:
        message = update.effective_message
        assert message is not None
        if context.user_data is not None:
            context.user_data.pop(key, None)
        t = tr(update, context, await current_user(update, context))
        await message.reply_text(t(said))
        return ConversationHandler.END

    return cancel


def asking(
    name: str,
    *,
    menu: MenuActions,
    entry_points: Sequence[BaseHandler[Update, BotContext, object]],
    answers: Mapping[object, Step],
    remind: Step,
    cancel: Step,
) -> ConversationHandler[BotContext]:
    """A persistent conversation whose states each await one text, answered by `answers`."""
    new = filters.UpdateType.MESSAGE
    text = filters.TEXT & ~filters.COMMAND & new
    return ConversationHandler(
        entry_points=list(entry_points),
        states={
            state: [menu_buttons_inside(menu, remind), MessageHandler(text, answer)]
            for state, answer in answers.items()
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            MessageHandler(new & ~filters.COMMAND & ~filters.StatusUpdate.ALL, remind),
        ],
        name=name,
        persistent=True,  # resumed after a restart (bot/persistence.py)
        conversation_timeout=TIMEOUT,
        allow_reentry=True,
    )
