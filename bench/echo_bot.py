"""The baseline of bench.ingest: a bare python-telegram-bot echo bot.

Run as `python -m bench.echo_bot` with BANGFU_API_URL and BANGFU_TOKEN set, like the real bot.
It answers each update of the kinds a visit is made of with one message and no other work:
a text with the same text; a command with its text and one button; a button press with an
answer and a message; a location or a photo with a line naming it (the photo is not
downloaded). Updates are processed concurrently (as our bot does across chats) so the
comparison is fair.
"""

from __future__ import annotations

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

BUTTON = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="echo")]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    if update.effective_message is not None and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the command back with a button to press."""
    if update.effective_message is not None and update.effective_message.text:
        await update.effective_message.reply_text(
            update.effective_message.text, reply_markup=BUTTON
        )


async def name_it(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what kind of message arrived (a location or a photo)."""
    message = update.effective_message
    if message is not None:
        await message.reply_text("photo" if message.photo else "location")


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button press, and say so in the chat."""
    query = update.callback_query
    if query is not None:
        await query.answer()
        if update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, f"pressed {query.data}")


def main() -> None:
    """Poll the configured Bot API server until interrupted."""
    api = os.environ["BANGFU_API_URL"].rstrip("/")
    app = (
        Application.builder()
        .token(os.environ["BANGFU_TOKEN"])
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .concurrent_updates(True)
        .connection_pool_size(64)
        .build()
    )
    app.add_handler(MessageHandler(filters.COMMAND, command))
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(MessageHandler(filters.LOCATION | filters.PHOTO, name_it))
    app.add_handler(CallbackQueryHandler(answer))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
