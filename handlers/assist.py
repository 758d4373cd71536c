"""/assist: record assistance given to a household (type, description, amount, day, photo).

Reached by the command, from the household card, and from the receipt of a saved visit,
since most assistance is given during a visit. Nothing is stored before Save; a repeated
Save stores one record.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext, current_user, tr
from bot.domain.errors import DomainError, HouseholdReadOnly
from bot.domain.households import kind_label
from bot.domain.people import Actor
from bot.domain.roles import can_log_visits
from bot.i18n import N_, Translate
from bot.photos import MAX_BYTES, PhotoRejected, process_photo
from bot.services.case_records import AssistanceDraft, parse_amount, record_assistance
from bot.services.households import household_card
from bot.services.month import helper_month
from handlers.context import authorised
from handlers.edits import answer_expired, edit_message
from handlers.household_edit import day_keyboard, parse_day
from handlers.longtext import text_within
from handlers.menu import MenuActions, menu_buttons_inside
from handlers.visit_views import household_keyboard, rejection_text

CHOOSE, KIND, DESCRIPTION, AMOUNT, DAY, PHOTO = range(6)
KEY = "assist_draft"
MAX_TEXT = 1000
ONLY_HELPERS = N_("Only helpers record assistance.")


@dataclass
class Draft:
    """Assistance being written in the chat."""

    token: str
    household_id: int
    head_name: str
    visit_id: int | None = None
    kind: str = ""
    description: str = ""
    amount: Decimal | None = None
    given_on: date | None = None


def _draft(context: BotContext) -> Draft | None:
    found = context.user_data.get(KEY) if context.user_data is not None else None
    return found if isinstance(found, Draft) else None


def _set(context: BotContext, draft: Draft | None) -> None:
    if context.user_data is not None:
        if draft is None:
            context.user_data.pop(KEY, None)
        else:
            context.user_data[KEY] = draft


def _skip(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t("Skip"), callback_data="as:skip")]])


async def _chat(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None
    return chat.id


async def start(update: Update, context: BotContext) -> int:
    """/assist: which household?"""
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, can_log_visits, ONLY_HELPERS)
    if user is None:
        return ConversationHandler.END
    runtime = context.runtime
    month = await helper_month(runtime.uow(), user.id, runtime.now(), runtime.rules.visits)
    if not month.households:
        await message.reply_text(t("You have no paired households yet. Please ask the office."))
        return ConversationHandler.END
    _set(context, None)
    await message.reply_text(
        t("Which household received the assistance?"),
        reply_markup=household_keyboard(list(month.households), 0, prefix="assist"),
    )
    return CHOOSE


async def turn_page(update: Update, context: BotContext) -> int:
    """Another page of the household list."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user = await current_user(update, context)
    t = tr(update, context, user)
    if user is None:
        await answer_expired(query, t)
        return ConversationHandler.END
    runtime = context.runtime
    month = await helper_month(runtime.uow(), user.id, runtime.now(), runtime.rules.visits)
    page = int(query.data.rsplit(":", 1)[1])
    await edit_message(
        query, t, markup=household_keyboard(list(month.households), page, prefix="assist")
    )
    return CHOOSE


async def _open(
    update: Update,
    context: BotContext,
    user: Actor,
    t: Translate,
    household_id: int,
    visit_id: int | None,
) -> int:
    """Check the household is the helper's, then ask for the type."""
    query = update.callback_query
    runtime = context.runtime
    try:
        card = await household_card(runtime.uow(), user, household_id, runtime.cases)
        if not card.can_edit:
            raise HouseholdReadOnly()
    except DomainError as error:
        if query is not None:
            await query.answer(error.render(t), show_alert=True)
        return ConversationHandler.END
    if query is not None:
        await query.answer()
    draft = Draft(secrets.token_hex(8), card.household_id, card.head_name, visit_id)
    _set(context, draft)
    types = runtime.cases.assistance_types
    rows = [
        [
            InlineKeyboardButton(t(kind_label(types[i])), callback_data=f"as:ty:{i}")
            for i in range(start, min(start + 2, len(types)))
        ]
        for start in range(0, len(types), 2)
    ]
    await context.bot.send_message(
        await _chat(update),
        t("Assistance for {name}: which type?").format(name=card.head_name),
        reply_markup=InlineKeyboardMarkup(rows),
    )
    return KIND


async def pick_household(update: Update, context: BotContext) -> int:
    """A household of the /assist list, or the card's ➕ button, or the visit receipt's."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user, t = await authorised(update, context, can_log_visits, ONLY_HELPERS)
    if user is None:
        return ConversationHandler.END
    parts = query.data.split(":")
    if parts[:2] == ["as", "v"]:
        return await _open(update, context, user, t, int(parts[2]), int(parts[3]))
    return await _open(update, context, user, t, int(parts[2]), None)


async def pick_kind(update: Update, context: BotContext) -> int:
    """The type was chosen: ask for the description."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user = await current_user(update, context)
    t = tr(update, context, user)
    draft = _draft(context)
    types = context.runtime.cases.assistance_types
    index = int(query.data.rsplit(":", 1)[1])
    if draft is None or index >= len(types):
        await answer_expired(query, t)
        return ConversationHandler.END
    draft.kind = types[index]
    await edit_message(
        query,
        t,
        text=t("Assistance for {name}: {kind}").format(
            name=draft.head_name, kind=t(kind_label(draft.kind))
        ),
    )
    await context.bot.send_message(
        await _chat(update), t("Describe the assistance (what was given or done):")
    )
    return DESCRIPTION


async def got_description(update: Update, context: BotContext) -> int:
    """The description: ask for the amount."""
    message = update.effective_message
    assert message is not None and message.text is not None
    t = tr(update, context, await current_user(update, context))
    draft = _draft(context)
    if draft is None:
        return ConversationHandler.END
    text = await text_within(message, t, MAX_TEXT)
    if not text:
        return DESCRIPTION
    draft.description = text
    await message.reply_text(
        t("Amount in CNY, if any (a number), or press Skip."), reply_markup=_skip(t)
    )
    return AMOUNT


async def _ask_day(update: Update, context: BotContext, t: Translate) -> int:
    await context.bot.send_message(
        await _chat(update),
        t("When was it given? Press a button or write a date (2026-11-20)."),
        reply_markup=day_keyboard("as", t),
    )
    return DAY


async def got_amount(update: Update, context: BotContext) -> int:
    """A typed amount: ask for the day."""
    message = update.effective_message
    assert message is not None and message.text is not None
    t = tr(update, context, await current_user(update, context))
    draft = _draft(context)
    if draft is None:
        return ConversationHandler.END
    try:
        draft.amount = parse_amount(message.text)
    except DomainError as error:
        await message.reply_text(error.render(t))
        return AMOUNT
    return await _ask_day(update, context, t)


async def skip_amount(update: Update, context: BotContext) -> int:
    """No amount: ask for the day."""
    query = update.callback_query
    assert query is not None
    t = tr(update, context, await current_user(update, context))
    if _draft(context) is None:
        await answer_expired(query, t)
        return ConversationHandler.END
    await edit_message(query, t, markup=None)
    return await _ask_day(update, context, t)


def _today(context: BotContext) -> date:
    runtime = context.runtime
    return runtime.now().astimezone(runtime.settings.tz).date()


async def _ask_photo(update: Update, context: BotContext, t: Translate) -> int:
    await context.bot.send_message(
        await _chat(update),
        t("Send a photo of the assistance if you have one, or press Skip to save."),
        reply_markup=_skip(t),
    )
    return PHOTO


async def day_button(update: Update, context: BotContext) -> int:
    """Today or yesterday: ask for a photo."""
    query = update.callback_query
    assert query is not None and query.data is not None
    t = tr(update, context, await current_user(update, context))
    draft = _draft(context)
    if draft is None:
        await answer_expired(query, t)
        return ConversationHandler.END
    draft.given_on = _today(context) - timedelta(days=int(query.data.rsplit(":", 1)[1]))
    await edit_message(query, t, markup=None)
    return await _ask_photo(update, context, t)


async def typed_day(update: Update, context: BotContext) -> int:
    """Another day, typed: ask for a photo."""
    message = update.effective_message
    assert message is not None and message.text is not None
    t = tr(update, context, await current_user(update, context))
    draft = _draft(context)
    if draft is None:
        return ConversationHandler.END
    day = parse_day(message.text, _today(context))
    if day is None:
        await message.reply_text(
            t("Please write a date that is not in the future, such as 2026-11-20.")
        )
        return DAY
    draft.given_on = day
    return await _ask_photo(update, context, t)


async def _save(update: Update, context: BotContext, photo: tuple[str, str] | None) -> int:
    user = await current_user(update, context)
    t = tr(update, context, user)
    draft = _draft(context)
    chat = await _chat(update)
    if user is None or draft is None or draft.given_on is None:
        return ConversationHandler.END
    runtime = context.runtime
    try:
        saved = await record_assistance(
            runtime.uow(),
            user,
            AssistanceDraft(
                household_id=draft.household_id,
                kind=draft.kind,
                description=draft.description,
                given_on=draft.given_on,
                amount=draft.amount,
                visit_id=draft.visit_id,
                photo_sha256=photo[0] if photo else None,
                photo_path=photo[1] if photo else None,
            ),
            token=draft.token,
        )
    except DomainError as error:
        _set(context, None)
        await context.bot.send_message(chat, error.render(t))
        return ConversationHandler.END
    _set(context, None)
    await context.bot.send_message(
        chat,
        t("✅ Assistance recorded for {name}.").format(name=saved.head_name),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t("🏠 Open the card"), callback_data=f"hh:v:{draft.household_id}:0"
                    )
                ]
            ]
        ),
    )
    return ConversationHandler.END


async def skip_photo(update: Update, context: BotContext) -> int:
    """Save without a photo."""
    query = update.callback_query
    assert query is not None
    t = tr(update, context, await current_user(update, context))
    if _draft(context) is None:
        await answer_expired(query, t)
        return ConversationHandler.END
    await edit_message(query, t, markup=None)
    return await _save(update, context, None)


def _media(message: Message) -> tuple[str, int | None] | None:
    if message.photo:
        largest = message.photo[-1]
        return largest.file_id, largest.file_size
    if message.document is not None:
        return message.document.file_id, message.document.file_size
    return None


async def got_photo(update: Update, context: BotContext) -> int:
    """A photo through the same pipeline as visits, then save."""
    message = update.effective_message
    assert message is not None
    t = tr(update, context, await current_user(update, context))
    media = _media(message)
    if media is None or _draft(context) is None:
        return PHOTO
    file_id, size = media
    if size is not None and size > MAX_BYTES:
        await message.reply_text(rejection_text(PhotoRejected("too_large", "size"), t))
        return PHOTO
    runtime = context.runtime
    try:
        data = bytes(await (await context.bot.get_file(file_id)).download_as_bytearray())
        facts, stored = await asyncio.to_thread(
            process_photo, data, runtime.settings.data_dir, assume_tz=runtime.settings.tz
        )
    except PhotoRejected as error:
        await message.reply_text(rejection_text(error, t))
        return PHOTO
    return await _save(update, context, (facts.sha256, str(stored.original_path)))


async def remind(update: Update, context: BotContext) -> None:
    """Still recording assistance: say what is awaited."""
    message = update.effective_message
    if message is None or _draft(context) is None:
        return
    t = tr(update, context, await current_user(update, context))
    await message.reply_text(t("Still recording assistance; /cancel stops without saving."))


async def cancel(update: Update, context: BotContext) -> int:
    """Drop the draft."""
    message = update.effective_message
    assert message is not None
    _set(context, None)
    t = tr(update, context, await current_user(update, context))
    await message.reply_text(t("Cancelled. Nothing was saved."))
    return ConversationHandler.END


def handlers(menu: MenuActions) -> list[BaseHandler[Update, BotContext, object]]:
    """The assistance conversation."""
    new = filters.UpdateType.MESSAGE
    text = filters.TEXT & ~filters.COMMAND & new
    inside = menu_buttons_inside(menu, remind)
    conversation: ConversationHandler[BotContext] = ConversationHandler(
        entry_points=[
            CommandHandler("assist", start),
            CallbackQueryHandler(pick_household, pattern=r"^hh:as:\d+$"),
            CallbackQueryHandler(pick_household, pattern=r"^as:v:\d+:\d+$"),
        ],
        states={
            CHOOSE: [
                inside,
                CallbackQueryHandler(pick_household, pattern=r"^assist:hh:\d+$"),
                CallbackQueryHandler(turn_page, pattern=r"^assist:page:\d+$"),
            ],
            KIND: [inside, CallbackQueryHandler(pick_kind, pattern=r"^as:ty:\d+$")],
            DESCRIPTION: [inside, MessageHandler(text, got_description)],
            AMOUNT: [
                inside,
                MessageHandler(text, got_amount),
                CallbackQueryHandler(skip_amount, pattern=r"^as:skip$"),
            ],
            DAY: [
                inside,
                MessageHandler(text, typed_day),
                CallbackQueryHandler(day_button, pattern=r"^as:day:[01]$"),
            ],
            PHOTO: [
                inside,
                MessageHandler((filters.PHOTO | filters.Document.IMAGE) & new, got_photo),
                CallbackQueryHandler(skip_photo, pattern=r"^as:skip$"),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            MessageHandler(new & ~filters.COMMAND & ~filters.StatusUpdate.ALL, remind),
        ],
        name="assist",
        persistent=True,  # resumed after a restart (bot/persistence.py)
        conversation_timeout=timedelta(hours=1),
        allow_reentry=True,
    )
    return [conversation]
