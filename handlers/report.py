"""/report: anyone, registered or not, files a complaint; nothing of who they are is kept.

The draft lives in a `ComplaintDesk` in this process's memory, under a keyed hash of the
chat and user whose key is random per process; never in `user_data` or `chat_data` (which a
persistence would save by chat and user), never in the database until Submit, never in a
log line. The conversation is not persistent either. No handler here looks the sender up:
the language comes from their own choice or their Telegram client.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.context import BotContext, tr
from bot.domain.complaints import (
    MAX_ATTACHMENTS,
    MAX_BODY,
    MAX_CONCERNS,
    ComplaintDraft,
    DraftStore,
    FailureTracker,
    SenderKeys,
    SenderLimiter,
    clean_text,
)
from bot.domain.errors import DomainError, TooManyComplaints
from bot.domain.vocabulary import ComplaintCategory
from bot.i18n import N_, Translate
from bot.photos import PhotoRejected
from bot.photos.decode import MAX_BYTES
from bot.photos.scrub import clean_picture
from bot.services.complaints import file_complaint
from handlers.complaint_views import CATEGORY, category_keyboard
from handlers.edits import edit_message
from handlers.menu import button_pattern, menu_buttons_inside

CATEGORY_STATE, CONCERNS, BODY, ATTACH, REVIEW = range(5)

PICTURE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif")
BUSY = N_(
    "You are writing a report. Please finish it, or send /cancel to drop it, before doing "
    "anything else."
)


@dataclass
class ComplaintDesk:
    """What the report and track conversations remember: in memory only, by opaque key."""

    keys: SenderKeys = field(default_factory=SenderKeys)
    drafts: DraftStore = field(default_factory=DraftStore)
    limiter: SenderLimiter = field(default_factory=SenderLimiter)
    failures: FailureTracker = field(default_factory=FailureTracker)
    tracking: dict[str, str] = field(default_factory=dict)  # sender key -> receipt code
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def key(self, update: Update) -> str:
        """The opaque key of this update's chat and sender."""
        chat = update.effective_chat.id if update.effective_chat else 0
        user = update.effective_user.id if update.effective_user else 0
        return self.keys.of(chat, user)


def _review_text(draft: ComplaintDraft, t: Translate) -> str:
    category = t(CATEGORY[draft.category]) if draft.category else "—"
    return "\n".join(
        [
            t("Please check your report before sending it:"),
            t("Category: {category}").format(category=category),
            t("Concerns: {text}").format(text=draft.concerns or ""),
            t("What happened: {text}").format(text=draft.body or ""),
            t("Pictures: {n}").format(n=len(draft.attachments)),
        ]
    )


def _review_markup(draft: ComplaintDraft, t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("📨 Send the report"), callback_data=f"report:send:{draft.token}"
                )
            ],
            [InlineKeyboardButton(t("✖ Drop it"), callback_data=f"report:drop:{draft.token}")],
        ]
    )


def _done_markup(draft: ComplaintDraft, t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("Continue to review"), callback_data=f"report:done:{draft.token}"
                )
            ]
        ]
    )


class ReportConversation:
    """The callbacks of /report, sharing one desk."""

    def __init__(self, desk: ComplaintDesk) -> None:
        self.desk = desk

    def _draft(self, update: Update) -> ComplaintDraft | None:
        return self.desk.drafts.get(self.desk.key(update))

    async def start(self, update: Update, context: BotContext) -> int:
        """Explain what is protected, then ask for the category."""
        message = update.effective_message
        assert message is not None
        t = tr(update, context, None)
        key = self.desk.key(update)
        if not self.desk.limiter.allows(
            key, self.desk.clock(), context.runtime.settings.complaints_per_hour
        ):
            await message.reply_text(TooManyComplaints().render(t))
            return ConversationHandler.END
        self.desk.drafts.start(key, self.desk.clock())
        await message.reply_text(
            t(
                "Report wrongdoing in the poverty-alleviation work. This bot does not store who "
                "you are: no Telegram id, name, username or phone number is kept with your "
                "report, and the location and camera data are removed from pictures. Telegram "
                "itself does know who sends messages to this bot. /cancel stops at any time."
            )
        )
        await message.reply_text(t("What is it about?"), reply_markup=category_keyboard(t))
        return CATEGORY_STATE

    async def category(self, update: Update, context: BotContext) -> int:
        """Remember the category; ask whom or where it concerns."""
        query = update.callback_query
        assert query is not None and query.data is not None
        t = tr(update, context, None)
        draft = self._draft(update)
        if draft is None:
            return await self._lost(update, t)
        draft.category = ComplaintCategory(query.data.rsplit(":", 1)[1])
        await edit_message(
            query, t, text=t("Category: {category}").format(category=t(CATEGORY[draft.category]))
        )
        assert query.message is not None
        await context.bot.send_message(
            query.message.chat.id,
            t(
                "Whom or where does it concern? For example a person's name or position, a "
                "village, an office (at most {limit} characters)."
            ).format(limit=MAX_CONCERNS),
        )
        return CONCERNS

    async def concerns(self, update: Update, context: BotContext) -> int:
        """Remember whom or where; ask what happened."""
        message = update.effective_message
        assert message is not None
        t = tr(update, context, None)
        draft = self._draft(update)
        if draft is None:
            return await self._lost(update, t)
        try:
            draft.concerns = clean_text(message.text, MAX_CONCERNS)
        except DomainError as error:
            await message.reply_text(error.render(t))
            return CONCERNS
        await message.reply_text(
            t(
                "What happened? Please describe it: when, where, who was involved (at most "
                "{limit} characters)."
            ).format(limit=MAX_BODY)
        )
        return BODY

    async def body(self, update: Update, context: BotContext) -> int:
        """Remember what happened; offer to attach pictures."""
        message = update.effective_message
        assert message is not None
        t = tr(update, context, None)
        draft = self._draft(update)
        if draft is None:
            return await self._lost(update, t)
        try:
            draft.body = clean_text(message.text, MAX_BODY)
        except DomainError as error:
            await message.reply_text(error.render(t))
            return BODY
        await message.reply_text(
            t(
                "You may now send up to {limit} photos or pictures (as photos or image files). "
                "Location and camera data are removed before anything is kept. Other files "
                "(PDF, documents) are not accepted. When you are done, or have none, press "
                "the button."
            ).format(limit=MAX_ATTACHMENTS),
            reply_markup=_done_markup(draft, t),
        )
        return ATTACH

    async def picture(self, update: Update, context: BotContext) -> int:
        """Clean a picture and keep it in the draft (memory only until Send)."""
        message = update.effective_message
        assert message is not None
        t = tr(update, context, None)
        draft = self._draft(update)
        if draft is None:
            return await self._lost(update, t)
        if message.photo:
            file_id, size = message.photo[-1].file_id, message.photo[-1].file_size
        elif message.document and (message.document.mime_type or "") in PICTURE_TYPES:
            file_id, size = message.document.file_id, message.document.file_size
        else:
            await message.reply_text(
                t(
                    "Only photos and pictures (JPEG, PNG, WebP, HEIC) can be attached. Other "
                    "files such as PDFs can carry hidden data about their author that this "
                    "bot cannot remove yet, so they are not accepted."
                )
            )
            return ATTACH
        if len(draft.attachments) >= MAX_ATTACHMENTS:
            await message.reply_text(
                t("That is the most pictures one report can carry ({limit}).").format(
                    limit=MAX_ATTACHMENTS
                ),
                reply_markup=_done_markup(draft, t),
            )
            return ATTACH
        if size is not None and size > MAX_BYTES:
            await message.reply_text(t("That picture is too large."))
            return ATTACH
        try:
            data = bytes(await (await context.bot.get_file(file_id)).download_as_bytearray())
            picture = await asyncio.to_thread(clean_picture, data)
        except PhotoRejected:
            await message.reply_text(t("That file could not be read as a picture."))
            return ATTACH
        if not draft.add_attachment(picture):
            await message.reply_text(t("You already attached this picture."))
            return ATTACH
        await message.reply_text(
            t("Picture {n} received; its location and camera data were removed.").format(
                n=len(draft.attachments)
            ),
            reply_markup=_done_markup(draft, t),
        )
        return ATTACH

    async def not_a_picture(self, update: Update, context: BotContext) -> int:
        """Text while pictures are awaited: say what is expected."""
        message = update.effective_message
        assert message is not None
        t = tr(update, context, None)
        draft = self._draft(update)
        if draft is None:
            return await self._lost(update, t)
        await message.reply_text(
            t("Please send pictures, or press the button to continue to the review."),
            reply_markup=_done_markup(draft, t),
        )
        return ATTACH

    async def review(self, update: Update, context: BotContext) -> int:
        """Show the whole report with Send and Drop buttons."""
        query = update.callback_query
        assert query is not None and query.message is not None
        t = tr(update, context, None)
        draft = self._draft(update)
        if draft is None or not (query.data or "").endswith(draft.token):
            await query.answer()
            return await self._lost(update, t)
        await edit_message(query, t)  # the button goes; the text stays
        await context.bot.send_message(
            query.message.chat.id, _review_text(draft, t), reply_markup=_review_markup(draft, t)
        )
        return REVIEW

    async def send(self, update: Update, context: BotContext) -> int:
        """Store the complaint and show the receipt code, once."""
        query = update.callback_query
        assert query is not None and query.message is not None
        t = tr(update, context, None)
        key = self.desk.key(update)
        draft = self._draft(update)
        if draft is None or not (query.data or "").endswith(draft.token):
            await query.answer()
            return await self._lost(update, t)
        runtime = context.runtime
        now = self.desk.clock()
        if not self.desk.limiter.allows(key, now, runtime.settings.complaints_per_hour):
            await query.answer(TooManyComplaints().render(t), show_alert=True)
            return REVIEW
        try:
            filed = await file_complaint(
                runtime.uow(),
                draft,
                today=runtime.now().astimezone(runtime.settings.tz).date(),
                data_dir=runtime.settings.data_dir,
            )
        except DomainError as error:
            await query.answer(error.render(t), show_alert=True)
            return REVIEW
        self.desk.drafts.drop(key)
        self.desk.limiter.note(key, now)
        await edit_message(query, t, text=_review_text(draft, t), markup=None)
        await context.bot.send_message(
            query.message.chat.id,
            t(
                "Your report was received. Your receipt code is:\n\n<code>{code}</code>\n\n"
                "Write it down now: it is shown only this once and cannot be recovered, "
                "because only a fingerprint of it is stored. With it, /track shows the "
                "progress and the office's answers and lets you add information. Anyone who "
                "has the code can do the same, so keep it private."
            ).format(code=filed.receipt),
            parse_mode="HTML",
        )
        return ConversationHandler.END

    async def drop(self, update: Update, context: BotContext) -> int:
        """Drop the draft from the review."""
        query = update.callback_query
        assert query is not None
        t = tr(update, context, None)
        self.desk.drafts.drop(self.desk.key(update))
        await edit_message(query, t, text=t("The report was dropped; nothing was stored."))
        return ConversationHandler.END

    async def cancel(self, update: Update, context: BotContext) -> int:
        """Drop the draft; nothing was stored."""
        message = update.effective_message
        assert message is not None
        self.desk.drafts.drop(self.desk.key(update))
        t = tr(update, context, None)
        await message.reply_text(t("The report was dropped; nothing was stored."))
        return ConversationHandler.END

    async def busy(self, update: Update, context: BotContext) -> None:
        """Another command or a menu button while writing: finish or cancel first."""
        message = update.effective_message
        if message is not None:
            await message.reply_text(tr(update, context, None)(BUSY))

    async def remind(self, update: Update, context: BotContext) -> None:
        """Something unexpected in this step: say what the step waits for."""
        message = update.effective_message
        if message is not None:
            t = tr(update, context, None)
            await message.reply_text(
                t("Please answer the last question of the report, or send /cancel.")
            )

    async def _lost(self, update: Update, t: Translate) -> int:
        message = update.effective_message
        if message is not None:
            await message.reply_text(
                t(
                    "This report is no longer open (nothing was stored). "
                    "Send /report to start again."
                )
            )
        return ConversationHandler.END

    async def timed_out(self, update: object, context: BotContext) -> None:
        """An hour without an answer: the draft is forgotten."""
        if isinstance(update, Update):
            self.desk.drafts.drop(self.desk.key(update))


def handlers(desk: ComplaintDesk) -> list[BaseHandler[Update, BotContext, object]]:
    """The /report conversation (first of all conversations, so it works from anywhere)."""
    flow = ReportConversation(desk)
    new = filters.UpdateType.MESSAGE
    text = filters.TEXT & ~filters.COMMAND & new
    media = (filters.PHOTO | filters.Document.ALL) & new
    # Inside a report a main-menu label is never data, and opens nothing else either.
    labels = menu_buttons_inside({}, flow.busy)
    start: list[BaseHandler[Update, BotContext, object]] = [
        CommandHandler("report", flow.start),
        MessageHandler(filters.Regex(button_pattern("report")) & new, flow.start),
        CommandHandler("start", flow.start, filters.Regex(r"^/start report$")),
    ]
    conversation: ConversationHandler[BotContext] = ConversationHandler(
        entry_points=start,
        states={
            CATEGORY_STATE: [
                labels,
                CallbackQueryHandler(flow.category, pattern=r"^report:cat:[a-z_]+$"),
            ],
            CONCERNS: [labels, MessageHandler(text, flow.concerns)],
            BODY: [labels, MessageHandler(text, flow.body)],
            ATTACH: [
                labels,
                MessageHandler(media, flow.picture),
                MessageHandler(text, flow.not_a_picture),
                CallbackQueryHandler(flow.review, pattern=r"^report:done:[0-9a-f]+$"),
            ],
            REVIEW: [
                labels,
                CallbackQueryHandler(flow.send, pattern=r"^report:send:[0-9a-f]+$"),
                CallbackQueryHandler(flow.drop, pattern=r"^report:drop:[0-9a-f]+$"),
            ],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, flow.timed_out)],
        },
        fallbacks=[
            CommandHandler("cancel", flow.cancel),
            MessageHandler(filters.COMMAND & new, flow.busy),
            MessageHandler(new & ~filters.StatusUpdate.ALL, flow.remind),
        ],
        name="report",
        persistent=False,  # by chat and user: exactly what a report must not leave behind
        conversation_timeout=timedelta(hours=1),
        allow_reentry=True,
    )
    return [conversation]
