"""Small helpers every conversation uses: the role check with its refusal."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update

from bot.context import BotContext, current_user, tr
from bot.domain.errors import NotAllowed, NotRegistered
from bot.domain.people import Actor
from bot.domain.vocabulary import Role
from bot.i18n import N_, Translate

ONLY_HELPERS = N_("Only helpers log visits.")


async def authorised(
    update: Update,
    context: BotContext,
    allowed: Callable[[Role], bool],
    refusal: str = NotAllowed.message,
) -> tuple[Actor | None, Translate]:
    """The sender if registered and their role passes `allowed`; else say why and give None.

    The refusal is an alert on a button press and a reply otherwise.
    """
    user = await current_user(update, context)
    t = tr(update, context, user)
    if user is not None and allowed(user.role):
        return user, t
    reason = NotRegistered().render(t) if user is None else t(refusal)
    if update.callback_query is not None:
        await update.callback_query.answer(reason, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(reason)
    return None, t
