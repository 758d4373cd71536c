"""Telegram conversations: parse an update, call one use case, reply, return the next state."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, ConversationHandler

from bot.context import BotContext
from handlers import (
    admin,
    common,
    myvisits,
    onboarding,
    reminders,
    review,
    visit_choose,
    visits,
)
from handlers.menu import MenuActions


def all_handlers() -> list[BaseHandler[Update, BotContext, object]]:
    """Every handler, in the order they are tried (the catch-alls last)."""
    # What each main-menu button does, wherever it is pressed, even inside a conversation.
    menu: MenuActions = {
        "visit": visit_choose.start_visit,
        "myvisits": myvisits.my_visits,
        "flags": review.show_flags,
        "invite": admin.invite,
        "help": onboarding.help_command,
    }
    every = [
        *visits.handlers(menu),
        *onboarding.handlers(),
        *myvisits.handlers(),
        *review.handlers(menu),
        *admin.handlers(),
        *reminders.handlers(),
        *common.handlers(),
    ]
    # Conversations first: a user inside one must reach its states before any command or
    # menu handler of another feature can take the message away from it.
    conversations = [h for h in every if isinstance(h, ConversationHandler)]
    return conversations + [h for h in every if not isinstance(h, ConversationHandler)]
