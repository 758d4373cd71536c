"""The last step of a visit: Save (once, however often pressed), Change note, Discard."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ConversationHandler

from bot.context import BotContext, current_user, language_of, tr
from bot.domain.errors import DomainError
from bot.i18n import N_, translator
from bot.services.visits import save_visit, saved_visit_by_token
from handlers.edits import answer_expired, edit_message
from handlers.menu import main_keyboard
from handlers.visit_draft import CONFIRM, NOTE, draft_of, end, set_draft
from handlers.visit_views import receipt_keyboard, receipt_text


def _token(update: Update) -> str:
    query = update.callback_query
    assert query is not None and query.data is not None
    return query.data.rsplit(":", 1)[1]


async def confirm(update: Update, context: BotContext) -> int:
    """Save the visit (once, however often the button is pressed) and show progress."""
    query = update.callback_query
    assert query is not None
    user = await current_user(update, context)
    t = tr(update, context, user)
    draft = draft_of(context)
    if user is None or draft is None or draft.token != _token(update):
        return await stale_confirm(update, context)
    runtime = context.runtime
    try:
        saved = await save_visit(
            runtime.uow(),
            helper_id=user.id,
            draft=draft,
            now=runtime.now(),
            rules=runtime.rules,
        )
    except DomainError as error:
        set_draft(context, None)
        await edit_message(query, t, text=error.render(t))
        return ConversationHandler.END
    set_draft(context, None)
    if saved.created:
        runtime.archive.schedule(saved.visit_id)
    # The summary becomes the receipt: one message on the phone, and its buttons are gone.
    await edit_message(
        query,
        t,
        text=receipt_text(saved, t, draft.household_name),
        markup=receipt_keyboard(saved, t),
        parse_mode="HTML",
    )
    return ConversationHandler.END


async def stale_confirm(update: Update, context: BotContext) -> int:
    """A Save press with no draft: report the stored visit if it was saved, else expire."""
    query = update.callback_query
    assert query is not None and query.message is not None
    user = await current_user(update, context)
    lang = language_of(update, context, user)
    t = translator(lang)
    saved = None
    if user is not None:
        runtime = context.runtime
        saved = await saved_visit_by_token(
            runtime.uow(), user.id, _token(update), runtime.rules.visits
        )
    if saved is None or user is None:
        await answer_expired(query, t)
        return ConversationHandler.END
    await query.answer()
    await context.bot.send_message(
        query.message.chat.id,
        receipt_text(saved, t, saved.household.head_name or t("the household")),
        parse_mode="HTML",
        reply_markup=main_keyboard(user.role, lang),
    )
    return ConversationHandler.END


async def _current(update: Update, context: BotContext) -> bool:
    """Whether the pressed button belongs to the draft in progress; if not, say it expired."""
    query = update.callback_query
    assert query is not None
    draft = draft_of(context)
    if draft is not None and draft.token == _token(update):
        return True
    await answer_expired(query, tr(update, context, await current_user(update, context)))
    return False


async def change_note(update: Update, context: BotContext) -> int:
    """Go back to writing the note."""
    query = update.callback_query
    assert query is not None and query.message is not None
    if not await _current(update, context):
        return CONFIRM
    t = tr(update, context, await current_user(update, context))
    draft = draft_of(context)
    if draft is not None:
        draft.note = None
    await edit_message(query, t, markup=None)
    await context.bot.send_message(query.message.chat.id, t("Write the new note:"))
    return NOTE


async def discard(update: Update, context: BotContext) -> int:
    """Throw the draft away."""
    query = update.callback_query
    assert query is not None
    if not await _current(update, context):
        return CONFIRM
    t = tr(update, context, await current_user(update, context))
    await edit_message(query, t, markup=None)
    return await end(update, context, N_("Discarded. Nothing was saved."))
