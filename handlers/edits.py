"""Every edit of a message the bot sent goes through here.

An edit that changes nothing is a no-op, an edit of a message that can no longer be edited
answers like any expired button, and every other error is raised for the error handler:
nothing is swallowed.
"""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

from bot.i18n import N_, Translate

EXPIRED = N_("This button has expired. Please start again from the menu.")

# Telegram's wording for the two harmless outcomes of an edit.
_UNCHANGED = "message is not modified"
_GONE = (
    "message to edit not found",
    "message can't be edited",
    "message_id_invalid",
    "message to be edited not found",
)


def _unchanged(
    query: CallbackQuery, text: str | None, markup: InlineKeyboardMarkup | None, mode: str | None
) -> bool:
    """Whether the edit would leave the message as it is (as far as the update shows it)."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup != markup:
        return False
    if text is None:
        return True
    shown = message.text_html if mode == "HTML" else message.text
    return shown == text


def _kind(error: BadRequest) -> str | None:
    text = error.message.lower()
    if _UNCHANGED in text:
        return "unchanged"
    if any(gone in text for gone in _GONE):
        return "gone"
    return None


async def edit_message(
    query: CallbackQuery,
    t: Translate,
    *,
    text: str | None = None,
    markup: InlineKeyboardMarkup | None = None,
    parse_mode: str | None = None,
    answer: str | None = None,
) -> bool:
    """Edit the message under a pressed button, then answer the press; False if it is gone.

    With `text` the text (and markup) changes; without, only the inline keyboard. The press
    is answered here (with `answer` as a notice, if given), so callers must not answer it.
    """
    if not _unchanged(query, text, markup, parse_mode):
        # (the same content again would only be a rejected call: send nothing)
        try:
            if text is None:
                await query.edit_message_reply_markup(markup)
            else:
                await query.edit_message_text(text, reply_markup=markup, parse_mode=parse_mode)
        except BadRequest as error:
            kind = _kind(error)
            if kind == "gone":
                await answer_expired(query, t)
                return False
            if kind != "unchanged":
                raise
    await query.answer(answer)
    return True


async def answer_expired(query: CallbackQuery, t: Translate) -> None:
    """The alert for a button whose message or draft is gone."""
    await query.answer(t(EXPIRED), show_alert=True)


async def edit_sent(message: Message, text: str) -> bool:
    """Edit a message the bot sent (a progress line, no button involved); False if gone."""
    if message.text == text:
        return True
    try:
        await message.edit_text(text)
    except BadRequest as error:
        kind = _kind(error)
        if kind == "gone":
            return False
        if kind != "unchanged":
            raise
    return True
