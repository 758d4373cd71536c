"""The baseline of bench.ingest: a bare python-telegram-bot echo bot.

Run as `python -m bench.echo_bot` with BANGFU_API_URL and BANGFU_TOKEN set, like the real bot.
It answers every text with the same text and every button press with an answer; updates
are processed concurrently (as our bot does across chats) so the comparison is fair.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    if update.effective_message is not None and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button press."""
    if update.callback_query is not None:
        await update.callback_query.answer()


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
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(answer))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
