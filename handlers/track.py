"""/track CODE: the reporter sees status and the office's answers, and may add information.

Like /report it never looks the sender up and keeps the code only in the desk's memory
(by opaque key) while an addition is awaited. A wrong code reads like an unknown one, and
a sender who keeps guessing waits longer before each answer.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.context import BotContext, tr
from bot.domain.errors import ComplaintTextInvalid, DomainError
from bot.i18n import N_
from bot.services.complaints import add_information, track_guarded
from handlers.complaint_views import track_text
from handlers.menu import menu_buttons_inside
from handlers.report import ComplaintDesk

CODE, ADD = range(2)
UNKNOWN = N_(
    "No complaint matches this code. Please check it (16 letters and digits, like "
    "ABCD-EFGH-JKMN-PQRS) and try again."
)


class TrackConversation:
    """The callbacks of /track, sharing the desk of /report."""

    def __init__(self, desk: ComplaintDesk) -> None:
        self.desk = desk

    async def start(self, update: Update, context: BotContext) -> int:
        """With a code: show the complaint. Without: ask for the code."""
        message = update.effective_message
        assert message is not None
        if context.args:
            return await self._show(update, context, " ".join(context.args))
        t = tr(update, context, None)
        await message.reply_text(t("Please send your receipt code, or /cancel."))
        return CODE

    async def code(self, update: Update, context: BotContext) -> int:
        """The code sent as a message of its own."""
        message = update.effective_message
        assert message is not None and message.text is not None
        return await self._show(update, context, message.text)

    async def _show(self, update: Update, context: BotContext, code: str) -> int:
        message = update.effective_message
        assert message is not None
        t = tr(update, context, None)
        key = self.desk.key(update)
        view = await track_guarded(
            context.runtime.uow(),
            code,
            sender=key,
            failures=self.desk.failures,
            now=self.desk.clock(),
            sleep=self.desk.sleep,
        )
        if view is None:
            self.desk.tracking.pop(key, None)
            await message.reply_text(t(UNKNOWN))
            return ConversationHandler.END
        await message.reply_html(track_text(view, t))
        if not view.is_open:
            return ConversationHandler.END
        self.desk.tracking[key] = code
        return ADD

    async def add(self, update: Update, context: BotContext) -> int:
        """Add the message to the complaint; the office sees it."""
        message = update.effective_message
        assert message is not None
        t = tr(update, context, None)
        code = self.desk.tracking.get(self.desk.key(update))
        if code is None:
            await message.reply_text(t("Please send /track with your receipt code first."))
            return ConversationHandler.END
        runtime = context.runtime
        try:
            await add_information(
                runtime.uow(),
                code,
                message.text or "",
                today=runtime.now().astimezone(runtime.settings.tz).date(),
            )
        except DomainError as error:
            await message.reply_text(error.render(t))
            return ADD if isinstance(error, ComplaintTextInvalid) else self._end(update)
        self._end(update)
        await message.reply_text(t("Added to your complaint. Thank you."))
        return ConversationHandler.END

    def _end(self, update: Update) -> int:
        self.desk.tracking.pop(self.desk.key(update), None)
        return ConversationHandler.END

    async def not_text(self, update: Update, context: BotContext) -> int:
        """Only text can be added here."""
        message = update.effective_message
        assert message is not None
        t = tr(update, context, None)
        await message.reply_text(t("Please write your addition as text, or /cancel."))
        return ADD

    async def cancel(self, update: Update, context: BotContext) -> int:
        """Stop; nothing is added."""
        message = update.effective_message
        assert message is not None
        self._end(update)
        await message.reply_text(tr(update, context, None)(N_("Stopped; nothing was added.")))
        return ConversationHandler.END

    async def busy(self, update: Update, context: BotContext) -> None:
        """Another command or a menu button while an addition is awaited."""
        message = update.effective_message
        if message is not None:
            t = tr(update, context, None)
            await message.reply_text(t("Please send your addition or the code first, or /cancel."))

    async def timed_out(self, update: object, context: BotContext) -> None:
        """Nothing sent for a while: forget the code."""
        if isinstance(update, Update):
            self._end(update)


def handlers(desk: ComplaintDesk) -> list[BaseHandler[Update, BotContext, object]]:
    """The /track conversation."""
    flow = TrackConversation(desk)
    new = filters.UpdateType.MESSAGE
    text = filters.TEXT & ~filters.COMMAND & new
    labels = menu_buttons_inside({}, flow.busy)
    conversation: ConversationHandler[BotContext] = ConversationHandler(
        entry_points=[CommandHandler("track", flow.start)],
        states={
            CODE: [labels, MessageHandler(text, flow.code)],
            ADD: [labels, MessageHandler(text, flow.add)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, flow.timed_out)],
        },
        fallbacks=[
            CommandHandler("cancel", flow.cancel),
            MessageHandler(filters.COMMAND & new, flow.busy),
            MessageHandler(new & ~filters.StatusUpdate.ALL, flow.not_text),
        ],
        name="track",
        persistent=False,
        conversation_timeout=timedelta(minutes=30),
        allow_reentry=True,
    )
    return [conversation]
