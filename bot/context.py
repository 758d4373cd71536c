"""The typed callback context, and who sent an update: shared by handlers and jobs."""

from __future__ import annotations

import time
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.domain.people import Actor
from bot.i18n import Translate, pick_language, translator
from bot.runtime import Runtime
from bot.services.onboarding import actor_by_telegram

RUNTIME_KEY = "runtime"
# The reminder service of the running bot (absent when reminders run in their own process).
REMINDERS_KEY = "reminders"
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


async def current_user(update: Update, context: BotContext) -> Actor | None:
    """The signed-in user who sent this update, if any (remembered for a short while)."""
    sender = update.effective_user
    if sender is None:
        return None
    cached = context.user_data.get(USER_KEY) if context.user_data is not None else None
    # Wall-clock time: the cache is kept with the chat's data across a restart.
    now = time.time()
    if isinstance(cached, tuple) and len(cached) == 2 and cached[0] > now:
        remembered = cached[1]
        return remembered if isinstance(remembered, Actor) else None
    actor = await actor_by_telegram(context.runtime.uow(), sender.id)
    if context.user_data is not None:
        # Every step of a conversation needs the user; a few seconds of memory saves a query
        # per update. A role, scope or binding change is seen at the latest when this expires.
        context.user_data[USER_KEY] = (now + USER_TTL, actor)
    return actor


def forget_user(context: BotContext) -> None:
    """Drop the remembered user (after binding, or a change of language)."""
    if context.user_data is not None:
        context.user_data.pop(USER_KEY, None)


def language_of(update: Update, context: BotContext, user: Actor | None) -> str:
    """The language to answer in: saved choice, this chat's choice, client language, default."""
    stored = user.language if user is not None else None
    chosen = context.user_data.get(LANGUAGE_KEY) if context.user_data is not None else None
    client = update.effective_user.language_code if update.effective_user else None
    return pick_language(stored or chosen, client, context.runtime.settings.language)


def tr(update: Update, context: BotContext, user: Actor | None) -> Translate:
    """The translator for this update's user."""
    return translator(language_of(update, context, user))
