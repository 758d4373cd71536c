"""The /visit conversation: household → location → photos → note → confirm."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta

from telegram import (
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.errors import DomainError, NotRegistered
from bot.i18n import N_, Translate, translator
from bot.photos import MAX_BYTES, PhotoRejected, process_photo
from bot.roles import can_log_visits
from bot.services.visits import (
    DraftLocation,
    DraftPhoto,
    HouseholdChoice,
    VisitDraft,
    household_choices,
    paired_household,
    period_of,
    save_visit,
    saved_visit_by_token,
)
from handlers.context import ONLY_HELPERS, BotContext, authorised, language_of, load_user
from handlers.menu import button_pattern, label_pattern, main_keyboard
from handlers.visit_views import (
    SKIP_LOCATION,
    household_keyboard,
    location_keyboard,
    photos_done_button,
    receipt_text,
    rejection_text,
    summary,
)
from storage.models import User

CHOOSE, LOCATION, PHOTOS, NOTE, CONFIRM = range(5)
DRAFT = "visit_draft"
MAX_NOTE = 2000
MAX_PHOTOS = 10
SLOW_FILE = 1_000_000  # bytes; for bigger files show "sending photo…" while we work


def _draft(context: BotContext) -> VisitDraft | None:
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    return draft if isinstance(draft, VisitDraft) else None


async def _helper(update: Update, context: BotContext) -> tuple[User | None, str, Translate]:
    user = await load_user(update, context)
    lang = language_of(update, context, user)
    return user, lang, translator(lang)


@dataclass
class Step:
    """What every step of a started visit needs: the message, who, their language, the draft."""

    message: Message
    user: User | None
    lang: str
    t: Translate
    draft: VisitDraft | None


async def _step(update: Update, context: BotContext) -> Step:
    message = update.effective_message
    assert message is not None
    user, lang, t = await _helper(update, context)
    return Step(message, user, lang, t, _draft(context))


def _menu(user: User | None, lang: str) -> ReplyKeyboardMarkup | None:
    # The location step is over: give the helper their usual menu back.
    return main_keyboard(user.role, lang) if user else None


async def _choices(context: BotContext, user: User, search: str | None) -> list[HouseholdChoice]:
    runtime = context.runtime
    period = period_of(runtime.now(), runtime.settings.tz)
    async with runtime.sessions() as session:
        return await household_choices(session, user.id, period, search)


async def start_visit(update: Update, context: BotContext) -> int:
    """Ask which paired household was visited."""
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, can_log_visits, ONLY_HELPERS)
    if user is None:
        return ConversationHandler.END
    choices = await _choices(context, user, None)
    if not choices:
        await message.reply_text(t("You have no paired households yet. Please ask the office."))
        return ConversationHandler.END
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    quota = context.runtime.settings.visit_quota
    await message.reply_text(
        t("Which household did you visit? (Type part of a name to search.)"),
        reply_markup=household_keyboard(choices, 0, quota),
    )
    return CHOOSE


async def turn_page(update: Update, context: BotContext) -> int:
    """Show another page of households."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user, _, _ = await _helper(update, context)
    if user is None:
        await query.answer()
        return ConversationHandler.END
    page = int(query.data.rsplit(":", 1)[1])
    choices = await _choices(context, user, None)
    await query.answer()
    markup = household_keyboard(choices, page, context.runtime.settings.visit_quota)
    with contextlib.suppress(BadRequest):  # the current page's button: nothing changes
        await query.edit_message_reply_markup(markup)
    return CHOOSE


async def search(update: Update, context: BotContext) -> int:
    """Filter the household list by a typed name."""
    message = update.effective_message
    assert message is not None and message.text is not None
    user, _, t = await _helper(update, context)
    if user is None:
        return ConversationHandler.END
    text = message.text.strip()[:50]
    choices = await _choices(context, user, text)
    if not choices:
        await message.reply_text(
            t("No paired household matches “{text}”. Try another name.").format(text=text)
        )
        return CHOOSE
    await message.reply_text(
        t("Households matching “{text}”:").format(text=text),
        reply_markup=household_keyboard(choices, 0, context.runtime.settings.visit_quota),
    )
    return CHOOSE


async def _begin_for(
    chat_id: int, context: BotContext, user: User, household_id: int, t: Translate
) -> int:
    try:
        async with context.runtime.sessions() as session:
            household = await paired_household(session, user.id, household_id)
    except DomainError as error:
        await context.bot.send_message(chat_id, error.render(t))
        return ConversationHandler.END
    if context.user_data is not None:
        context.user_data[DRAFT] = VisitDraft(
            household_id=household.id, household_name=household.head_name
        )
    await context.bot.send_message(
        chat_id,
        t(
            "Visit to {name}. Please share your location with the button below "
            "(a live location works too)."
        ).format(name=household.head_name),
        reply_markup=location_keyboard(t),
    )
    return LOCATION


async def pick_household(update: Update, context: BotContext) -> int:
    """A household button was pressed: start the draft for it."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    await query.answer()
    user, _, t = await _helper(update, context)
    if user is None or not can_log_visits(user.role):
        return ConversationHandler.END
    household_id = int(query.data.rsplit(":", 1)[1])
    return await _begin_for(update.effective_chat.id, context, user, household_id, t)


async def deep_link(update: Update, context: BotContext) -> int:
    """`/start visit_<id>` (from a reminder) opens the conversation at that household."""
    message = update.effective_message
    assert message is not None
    user, _, t = await _helper(update, context)
    if user is None:
        await message.reply_text(NotRegistered().render(t))
        return ConversationHandler.END
    payload = context.args[0] if context.args else ""
    try:
        household_id = int(payload.removeprefix("visit_"))
    except ValueError:
        await message.reply_text(t("This link is not valid."))
        return ConversationHandler.END
    return await _begin_for(message.chat_id, context, user, household_id, t)


async def got_location(update: Update, context: BotContext) -> int:
    """Keep the shared location (static or live) with its accuracy and send time."""
    step = await _step(update, context)
    message, draft, t = step.message, step.draft, step.t
    assert message.location is not None
    if draft is None:
        return await _lost(message, t)
    loc = message.location
    draft.location = DraftLocation(
        latitude=loc.latitude,
        longitude=loc.longitude,
        accuracy_m=loc.horizontal_accuracy,
        live=loc.live_period is not None,
        forwarded=message.forward_origin is not None,
        sent_at=message.date,
    )
    await message.reply_text(
        t("Location received. Now send one or more photos of the visit (as photos or files)."),
        reply_markup=_menu(step.user, step.lang),
    )
    return PHOTOS


async def skip_location(update: Update, context: BotContext) -> int:
    """Go on without a shared location; the photos' GPS will be used."""
    step = await _step(update, context)
    if step.draft is None:
        return await _lost(step.message, step.t)
    step.draft.location_skipped = True
    await step.message.reply_text(
        step.t("Send the photos as files so their GPS is kept."),
        reply_markup=_menu(step.user, step.lang),
    )
    return PHOTOS


def _media(message: Message) -> tuple[str, int | None, bool] | None:
    if message.photo:
        largest = message.photo[-1]
        return largest.file_id, largest.file_size, False
    if message.document is not None:
        return message.document.file_id, message.document.file_size, True
    return None


async def got_photo(update: Update, context: BotContext) -> int:
    """Check and store one photo; stays in the current step."""
    step = await _step(update, context)
    message, draft, t = step.message, step.draft, step.t
    if draft is None:
        return await _lost(message, t)
    state = PHOTOS if draft.location is not None or draft.location_skipped else LOCATION
    media = _media(message)
    if media is None:
        return state
    file_id, size, as_document = media
    if size is not None and size > MAX_BYTES:
        await message.reply_text(rejection_text(PhotoRejected("too_large", "size"), t))
        return state
    if len(draft.photos) >= MAX_PHOTOS:
        await message.reply_text(t("That is enough photos for one visit; press “Photos done”."))
        return PHOTOS
    if size is None or size > SLOW_FILE:
        await context.bot.send_chat_action(message.chat_id, "upload_photo")
    try:
        data = bytes(await (await context.bot.get_file(file_id)).download_as_bytearray())
        runtime = context.runtime
        facts, stored = await asyncio.to_thread(
            process_photo, data, runtime.settings.data_dir, assume_tz=runtime.settings.tz
        )
    except PhotoRejected as error:
        await message.reply_text(rejection_text(error, t))
        return state
    added = draft.add_photo(
        DraftPhoto(
            facts=facts,
            stored=stored,
            forwarded=message.forward_origin is not None,
            as_document=as_document,
            sent_at=message.date,
        )
    )
    if not added:
        await message.reply_text(t("You already sent this photo for this visit."))
        return state
    gps = t("with GPS") if facts.gps else t("no GPS")
    reply = t("Photo {n} received ({gps}).").format(n=len(draft.photos), gps=gps)
    if state == LOCATION:
        reply += "\n" + t("Please also share your location, or press Skip.")
        await message.reply_text(reply, reply_markup=location_keyboard(t))
        return LOCATION
    await message.reply_text(
        reply + "\n" + t("Send more, or write the note."),
        reply_markup=photos_done_button(t, draft),
    )
    return PHOTOS


async def photos_done(update: Update, context: BotContext) -> int:
    """Ask for the note once there is at least one photo."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    step = await _step(update, context)
    message, t = step.message, step.t
    if step.draft is None:
        return await _lost(message, t)
    if not step.draft.photos:
        return await _need_photo(message, t)
    await message.reply_text(
        t("Now write a short note: what you found, what was solved, the next step.")
    )
    return NOTE


async def got_note(update: Update, context: BotContext) -> int:
    """Keep the note and show the summary to confirm."""
    step = await _step(update, context)
    message, draft, t = step.message, step.draft, step.t
    assert message.text is not None
    if draft is None:
        return await _lost(message, t)
    if not draft.photos:
        return await _need_photo(message, t)
    note = message.text.strip()
    if len(note) > MAX_NOTE:
        await message.reply_text(
            t("The note is too long ({n} characters); please keep it under {max}.").format(
                n=len(note), max=MAX_NOTE
            )
        )
        return NOTE
    draft.note = note
    text, buttons = summary(draft, t)
    await message.reply_html(text, reply_markup=buttons)
    return CONFIRM


async def confirm(update: Update, context: BotContext) -> int:
    """Save the visit (once, however often the button is pressed) and show progress."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user, _lang, t = await _helper(update, context)
    draft = _draft(context)
    token = query.data.rsplit(":", 1)[1]
    if user is None or draft is None or draft.token != token:
        return await stale_confirm(update, context)
    await query.answer()
    runtime = context.runtime
    try:
        async with runtime.sessions() as session, session.begin():
            saved = await save_visit(
                session,
                helper_id=user.id,
                draft=draft,
                now=runtime.now(),
                settings=runtime.settings,
                index=runtime.photo_index,
            )
    except DomainError as error:
        if context.user_data is not None:
            context.user_data.pop(DRAFT, None)
        await query.edit_message_text(error.render(t))
        return ConversationHandler.END
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    # The summary becomes the receipt: one message on the phone, and its buttons are gone.
    quota = runtime.settings.visit_quota
    await query.edit_message_text(
        receipt_text(saved, t, quota, draft.household_name), parse_mode="HTML"
    )
    return ConversationHandler.END


async def stale_confirm(update: Update, context: BotContext) -> int:
    """A Save press with no draft: report the stored visit if it was saved, else expire."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user, lang, t = await _helper(update, context)
    token = query.data.rsplit(":", 1)[1]
    saved = None
    if user is not None:
        async with context.runtime.sessions() as session:
            saved = await saved_visit_by_token(session, user.id, token)
    if saved is None or user is None:
        await query.answer(
            t("This button has expired. Please start again from the menu."), show_alert=True
        )
        return ConversationHandler.END
    await query.answer()
    assert query.message is not None
    await context.bot.send_message(
        query.message.chat.id,
        receipt_text(saved, t, context.runtime.settings.visit_quota, t("the household")),
        parse_mode="HTML",
        reply_markup=main_keyboard(user.role, lang),
    )
    return ConversationHandler.END


async def change_note(update: Update, context: BotContext) -> int:
    """Go back to writing the note."""
    query = update.callback_query
    assert query is not None
    _, _, t = await _helper(update, context)
    await query.answer()
    await query.edit_message_reply_markup(None)
    assert query.message is not None
    await context.bot.send_message(query.message.chat.id, t("Write the new note:"))
    return NOTE


async def discard(update: Update, context: BotContext) -> int:
    """Throw the draft away."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
    return await _end(update, context, N_("Discarded. Nothing was saved."))


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel at any step: nothing half-done is stored."""
    return await _end(update, context, N_("Cancelled. Nothing was saved for this visit."))


async def _end(update: Update, context: BotContext, text: str) -> int:
    user, lang, t = await _helper(update, context)
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(
        chat.id, t(text), reply_markup=main_keyboard(user.role, lang) if user else None
    )
    return ConversationHandler.END


async def _need_photo(message: Message, t: Translate) -> int:
    await message.reply_text(t("Please send at least one photo of the visit first."))
    return PHOTOS


async def _lost(message: Message, t: Translate) -> int:
    await message.reply_text(t("This visit was interrupted. Please start again with /visit."))
    return ConversationHandler.END


async def remind_step(update: Update, context: BotContext) -> int | None:
    """Anything unexpected inside the conversation: say what is awaited, keep the draft."""
    step = await _step(update, context)
    message, draft, t = step.message, step.draft, step.t
    if draft is None:
        await message.reply_text(t("Please choose a household from the list above."))
        return None
    if draft.note is not None:
        await message.reply_text(t("Please press Save, Change note or Discard above."))
    elif draft.photos:
        await message.reply_text(t("Send more photos, press “Photos done”, or write the note."))
    else:
        await message.reply_text(
            t("Please share your location or send a photo; /cancel stops this visit.")
        )
    return None


def handlers() -> list[BaseHandler[Update, BotContext, object]]:
    """The visit conversation, plus the handler for Save presses that outlived it."""
    # New messages only: a live location is re-sent as edits every few seconds, and an
    # edited text is not a new answer.
    new = filters.UpdateType.MESSAGE
    text = filters.TEXT & ~filters.COMMAND & new
    media = (filters.PHOTO | filters.Document.ALL) & new
    location = filters.LOCATION & new
    skip = filters.Regex(label_pattern(SKIP_LOCATION))
    conversation: ConversationHandler[BotContext] = ConversationHandler(
        entry_points=[
            CommandHandler("visit", start_visit),
            MessageHandler(filters.Regex(button_pattern("visit")), start_visit),
            CommandHandler("start", deep_link, filters.Regex(r"^/start visit_")),
            CallbackQueryHandler(pick_household, pattern=r"^visit:(hh|go):\d+$"),
        ],
        states={
            CHOOSE: [
                CallbackQueryHandler(pick_household, pattern=r"^visit:(hh|go):\d+$"),
                CallbackQueryHandler(turn_page, pattern=r"^visit:page:\d+$"),
                MessageHandler(text, search),
            ],
            LOCATION: [
                MessageHandler(location, got_location),
                MessageHandler(skip, skip_location),
                MessageHandler(media, got_photo),
            ],
            PHOTOS: [
                MessageHandler(media, got_photo),
                MessageHandler(location, got_location),
                CallbackQueryHandler(photos_done, pattern=r"^visit:photos:[0-9a-f]+$"),
                MessageHandler(text, got_note),
            ],
            NOTE: [MessageHandler(text, got_note), MessageHandler(media, got_photo)],
            CONFIRM: [
                CallbackQueryHandler(confirm, pattern=r"^visit:ok:[0-9a-f]+$"),
                CallbackQueryHandler(change_note, pattern=r"^visit:note:[0-9a-f]+$"),
                CallbackQueryHandler(discard, pattern=r"^visit:no:[0-9a-f]+$"),
                MessageHandler(text, got_note),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CommandHandler("visit", start_visit),
            # Picked the wrong household? Any household button starts over with that one.
            CallbackQueryHandler(pick_household, pattern=r"^visit:(hh|go):\d+$"),
            MessageHandler(new & ~filters.COMMAND & ~filters.StatusUpdate.ALL, remind_step),
        ],
        name="visit",
        conversation_timeout=timedelta(hours=12),
        allow_reentry=True,
    )
    return [
        conversation,
        CallbackQueryHandler(stale_confirm, pattern=r"^visit:ok:[0-9a-f]+$"),
    ]
