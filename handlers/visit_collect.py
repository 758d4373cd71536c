"""The middle of a visit: the location, the photos, the note."""

from __future__ import annotations

import asyncio

from telegram import Message, Update
from telegram.ext import ConversationHandler

from bot.context import BotContext
from bot.domain.visits import DraftLocation, DraftPhoto
from bot.photos import MAX_BYTES, PhotoRejected, process_photo
from handlers.visit_draft import (
    CONFIRM,
    LOCATION,
    NOTE,
    PHOTOS,
    lost,
    menu_of,
    need_photo,
    step_of,
)
from handlers.visit_views import location_keyboard, photos_done_button, rejection_text, summary

MAX_NOTE = 2000
MAX_PHOTOS = 10
SLOW_FILE = 1_000_000  # bytes; for bigger files show "sending photo…" while we work


async def got_location(update: Update, context: BotContext) -> int:
    """Keep the shared location (static or live) with its accuracy and send time."""
    step = await step_of(update, context)
    message, draft, t = step.message, step.draft, step.t
    assert message.location is not None
    if draft is None:
        return await lost(message, t)
    loc = message.location
    draft.location = DraftLocation(
        latitude=loc.latitude,
        longitude=loc.longitude,
        accuracy_m=loc.horizontal_accuracy,
        live=loc.live_period is not None,
        forwarded=message.forward_origin is not None,
        sent_at=message.date,
    )
    if draft.photos:
        await message.reply_text(
            t("Location received. Send more photos, press “Photos done”, or write the note."),
            reply_markup=menu_of(step.user, step.lang),
        )
        await message.reply_text(
            t("Photos so far: {n}.").format(n=len(draft.photos)),
            reply_markup=photos_done_button(t, draft),
        )
        return PHOTOS
    await message.reply_text(
        t("Location received. Now send one or more photos of the visit (as photos or files)."),
        reply_markup=menu_of(step.user, step.lang),
    )
    return PHOTOS


async def skip_location(update: Update, context: BotContext) -> int:
    """Go on without a shared location; the photos' GPS will be used."""
    step = await step_of(update, context)
    if step.draft is None:
        return await lost(step.message, step.t)
    step.draft.location_skipped = True
    await step.message.reply_text(
        step.t("Send the photos as files so their GPS is kept."),
        reply_markup=menu_of(step.user, step.lang),
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
    step = await step_of(update, context)
    message, draft, t = step.message, step.draft, step.t
    if draft is None:
        return await lost(message, t)
    state = PHOTOS if draft.location is not None or draft.location_skipped else LOCATION
    if draft.note is not None:
        state = CONFIRM if state == PHOTOS else state
    media = _media(message)
    if media is None:
        return state
    file_id, size, as_document = media
    if size is not None and size > MAX_BYTES:
        await message.reply_text(rejection_text(PhotoRejected("too_large", "size"), t))
        return state
    if len(draft.photos) >= MAX_PHOTOS:
        await message.reply_text(t("That is enough photos for one visit; press “Photos done”."))
        return state
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
    if state == CONFIRM:
        text, buttons = summary(draft, t)
        await message.reply_text(reply)
        await message.reply_html(text, reply_markup=buttons)
        return CONFIRM
    await message.reply_text(
        reply + "\n" + t("Send more, or write the note."),
        reply_markup=photos_done_button(t, draft),
    )
    return PHOTOS


async def photos_done(update: Update, context: BotContext) -> int:
    """Ask for the note once there is at least one photo."""
    step = await step_of(update, context)
    message, t = step.message, step.t
    query = update.callback_query
    if query is not None:
        token = (query.data or "").rsplit(":", 1)[-1]
        if step.draft is None or step.draft.token != token:
            await query.answer(
                t("This button has expired. Please start again from the menu."), show_alert=True
            )
            return PHOTOS if step.draft is not None else ConversationHandler.END
        await query.answer()
    if step.draft is None:
        return await lost(message, t)
    if not step.draft.photos:
        return await need_photo(message, t)
    await message.reply_text(
        t("Now write a short note: what you found, what was solved, the next step.")
    )
    return NOTE


async def got_note(update: Update, context: BotContext) -> int:
    """Keep the note and show the summary to confirm."""
    step = await step_of(update, context)
    message, draft, t = step.message, step.draft, step.t
    assert message.text is not None
    if draft is None:
        return await lost(message, t)
    if not draft.photos:
        return await need_photo(message, t)
    note = message.text.strip()
    state = NOTE if draft.note is None else CONFIRM
    if len(note) > MAX_NOTE:
        # (a text Telegram split into parts is stopped whole by handlers/longtext.py)
        await message.reply_text(
            t("The note is too long ({n} characters); please keep it under {max}.").format(
                n=len(note), max=MAX_NOTE
            )
        )
        return state
    draft.note = note
    text, buttons = summary(draft, t)
    await message.reply_html(text, reply_markup=buttons)
    return CONFIRM
