"""Telegram conversations: parse an update, call one use case, reply, return the next state."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, ConversationHandler

from bot.context import BotContext
from handlers import (
    admin,
    appraise,
    assist,
    audit,
    common,
    complaints,
    consequences,
    exports,
    household,
    household_edit,
    longtext,
    myvisits,
    onboarding,
    oversight,
    reminders,
    report,
    review,
    spotcheck,
    track,
    visit_choose,
    visits,
)
from handlers.common import on_error
from handlers.menu import MenuActions, set_default_commands

# What the composition root needs: one door into this package.
__all__ = ["all_handlers", "guards", "on_error", "set_default_commands"]


def guards() -> list[BaseHandler[Update, BotContext, object]]:
    """Handlers that look at every update before any conversation does (an earlier group)."""
    return [longtext.guard(longtext.SplitTexts())]


def all_handlers() -> list[BaseHandler[Update, BotContext, object]]:
    """Every handler, in the order they are tried (the catch-alls last)."""
    # What each main-menu button does, wherever it is pressed, even inside a conversation.
    menu: MenuActions = {
        "visit": visit_choose.start_visit,
        "myvisits": myvisits.my_visits,
        "flags": review.show_flags,
        "invite": admin.invite,
        "household": household.show_household,
        "help": onboarding.help_command,
    }
    # One desk for /report and /track: their memory of drafts and guesses, in this process.
    desk = report.ComplaintDesk()
    every = [
        # The report comes first of all: it can be started from inside any other
        # conversation, which then waits, draft and all, until the report is sent or dropped.
        *report.handlers(desk),
        *track.handlers(desk),
        *visits.handlers(menu),
        *onboarding.handlers(),
        *myvisits.handlers(),
        *review.handlers(menu),
        *household_edit.handlers(menu),
        *assist.handlers(menu),
        *household.handlers(),
        *admin.handlers(),
        *complaints.handlers(menu),
        *reminders.handlers(),
        *oversight.handlers(),
        *exports.handlers(),
        *audit.handlers(),
        *spotcheck.handlers(menu),
        *appraise.handlers(menu),
        *consequences.handlers(),
        *common.handlers(),
    ]
    # Conversations first: a user inside one must reach its states before any command or
    # menu handler of another feature can take the message away from it.
    conversations = [h for h in every if isinstance(h, ConversationHandler)]
    return conversations + [h for h in every if not isinstance(h, ConversationHandler)]
