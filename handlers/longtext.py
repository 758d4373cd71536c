"""Texts that Telegram split into several messages are refused whole, in every conversation.

Telegram cuts a text longer than 4,096 characters into parts sent together. Every text step
refuses the first part as too long (no step takes 4,000 characters), but the last part is
short and would slip in as the answer: a note, a reason, a complaint. This guard runs before
every conversation and stops the parts that follow a long one within seconds.

It remembers only a keyed hash of the chat and a time, in this process's memory, for a few
seconds: nothing that could trace a complaint's reporter is kept or persisted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from bot.context import BotContext, tr
from bot.i18n import Translate

# A part this long is almost surely the first of a split text (Telegram cuts at 4,096).
SPLIT_SIZE = 4000
# The parts of one text arrive with the same send time, give or take a second.
SPLIT_WINDOW = timedelta(seconds=2)


class SplitTexts:
    """When each chat last sent a text long enough to be the first part of a split one."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(16)
        self._long: dict[bytes, datetime] = {}

    def _chat(self, chat_id: int) -> bytes:
        return hmac.new(self._key, str(chat_id).encode(), hashlib.sha256).digest()

    def _forget_old(self, now: datetime) -> None:
        for chat, at in list(self._long.items()):
            if now - at > SPLIT_WINDOW * 5:
                del self._long[chat]

    def continues(self, chat_id: int, text: str, sent_at: datetime) -> bool:
        """Note this text; whether it is a later part of a long text split by Telegram."""
        self._forget_old(sent_at)
        chat = self._chat(chat_id)
        previous = self._long.get(chat)
        follows = previous is not None and abs(sent_at - previous) <= SPLIT_WINDOW
        if len(text) >= SPLIT_SIZE or follows:
            self._long[chat] = sent_at  # a third part follows the second, and so on
        return follows


def guard(texts: SplitTexts) -> BaseHandler[Update, BotContext, object]:
    """The handler, for a group that runs before the conversations."""

    async def split_part(update: Update, context: BotContext) -> None:
        message = update.effective_message
        if message is None or message.text is None or update.effective_chat is None:
            return
        if not texts.continues(update.effective_chat.id, message.text, message.date):
            return
        t = tr(update, context, None)
        await message.reply_text(
            t(
                "This is the rest of the long text above, which was not taken either. "
                "Please send it again, shorter."
            )
        )
        raise ApplicationHandlerStop

    return MessageHandler(filters.TEXT & filters.UpdateType.MESSAGE, split_part)


async def text_within(message: Message, t: Translate, limit: int) -> str | None:
    """The message's text, stripped; None after saying it is too long. Nothing is cut."""
    text = (message.text or "").strip()
    if len(text) <= limit:
        return text
    await message.reply_text(
        t("This is too long ({n} characters); please keep it under {max}.").format(
            n=len(text), max=limit
        )
    )
    return None
