"""The typed callback context and small helpers every conversation uses."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.errors import NotAllowed, NotRegistered
from bot.i18n import N_, Translate, pick_language, translator
from bot.runtime import Runtime
from bot.services.onboarding import user_by_telegram
from storage.enums import Role
from storage.models import User

RUNTIME_KEY = "runtime"
ONLY_HELPERS = N_("Only helpers log visits.")
LANGUAGE_KEY = "language"
USER_KEY = "user"
USER_TTL = 30.0  # seconds


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Callback context with typed access to the application's runtime."""

    @property
    def runtime(self) -> Runtime:
        """The shared services built by the composition root."""
        runtime = self.bot_data[RUNTIME_KEY]
        assert isinstance(runtime, Runtime)
        return runtime


BotApp = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]


async def load_user(update: Update, context: BotContext) -> User | None:
    """The bound user who sent this update, if any (remembered for a short while)."""
    sender = update.effective_user
    if sender is None:
        return None
    cached = context.user_data.get(USER_KEY) if context.user_data is not None else None
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        user: User | None = cached[1]
        return user
    async with context.runtime.sessions() as session:
        user = await user_by_telegram(session, sender.id)
    if context.user_data is not None:
        # Every step of a conversation needs the user; a few seconds of memory saves a query
        # per update. A role or binding change is seen at the latest when this expires.
        context.user_data[USER_KEY] = (now + USER_TTL, user)
    return user


def forget_user(context: BotContext) -> None:
    """Drop the remembered user (after binding, or a change of language)."""
    if context.user_data is not None:
        context.user_data.pop(USER_KEY, None)


def language_of(update: Update, context: BotContext, user: User | None) -> str:
    """The language to answer in: saved choice, this chat's choice, client language, default."""
    stored = user.language if user is not None else None
    chosen = context.user_data.get(LANGUAGE_KEY) if context.user_data is not None else None
    client = update.effective_user.language_code if update.effective_user else None
    return pick_language(stored or chosen, client, context.runtime.settings.language)


def tr(update: Update, context: BotContext, user: User | None) -> Translate:
    """The translator for this update's user."""
    return translator(language_of(update, context, user))


async def authorised(
    update: Update,
    context: BotContext,
    allowed: Callable[[Role], bool],
    refusal: str = NotAllowed.message,
) -> tuple[User | None, Translate]:
    """The sender if registered and their role passes `allowed`; else say why and give None.

    The refusal is an alert on a button press and a reply otherwise.
    """
    user = await load_user(update, context)
    t = tr(update, context, user)
    if user is not None and allowed(user.role):
        return user, t
    reason = NotRegistered().render(t) if user is None else t(refusal)
    if update.callback_query is not None:
        await update.callback_query.answer(reason, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(reason)
    return None, t
