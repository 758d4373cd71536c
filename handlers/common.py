"""Catch-alls: /cancel outside a conversation, unknown commands, stray text, stale buttons,
and the error handler."""

from __future__ import annotations

import logging

from telegram import ReplyKeyboardRemove, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext, current_user, language_of, tr
from handlers.edits import answer_expired
from handlers.menu import main_keyboard

log = logging.getLogger(__name__)


async def cancel(update: Update, context: BotContext) -> None:
    """Nothing is in progress: say so and restore the main menu."""
    assert update.effective_message is not None
    user = await current_user(update, context)
    lang = language_of(update, context, user)
    t = tr(update, context, user)
    keyboard = main_keyboard(user.role, lang) if user else None
    await update.effective_message.reply_text(
        t("Nothing to cancel."), reply_markup=keyboard or ReplyKeyboardRemove()
    )


async def unknown_command(update: Update, context: BotContext) -> None:
    """An unknown command gets a pointer to /help."""
    assert update.effective_message is not None
    t = tr(update, context, await current_user(update, context))
    await update.effective_message.reply_text(
        t("Unknown command. Send /help to see what I can do.")
    )


async def stray_message(update: Update, context: BotContext) -> None:
    """Text, media or anything else outside a conversation: point to the menu."""
    assert update.effective_message is not None
    user = await current_user(update, context)
    lang = language_of(update, context, user)
    t = tr(update, context, user)
    if user is None:
        text = t("Please send /start and share your phone number first.")
    else:
        text = t("I did not understand that. Please use the menu below, or send /help.")
    await update.effective_message.reply_text(
        text, reply_markup=main_keyboard(user.role, lang) if user else None
    )


async def stale_button(update: Update, context: BotContext) -> None:
    """A button from an old message, or forged data: answer it so the spinner stops."""
    query = update.callback_query
    assert query is not None
    await answer_expired(query, tr(update, context, await current_user(update, context)))


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure without personal data and tell the user their input is safe."""
    # Log only identifiers of the update, never its content: it may be an anonymous complaint.
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        t = tr(update, context, None)
        try:
            await context.bot.send_message(
                update.effective_chat.id,
                t(
                    "Sorry, something went wrong on our side. Nothing you confirmed was lost; "
                    "please try that step again."
                ),
            )
        except TelegramError:  # the chat may be unreachable; the log has the cause
            log.warning("could not tell chat about the error")


def handlers() -> list[BaseHandler[Update, BotContext, object]]:
    """Catch-all handlers; registered after every feature."""
    return [
        CommandHandler("cancel", cancel),
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, stray_message),
        CallbackQueryHandler(stale_button),
    ]
