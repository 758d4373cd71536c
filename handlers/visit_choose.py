"""The first step of a visit: which paired household (list, pages, search, deep link)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ConversationHandler

from bot.context import BotContext, current_user, tr
from bot.domain.errors import DomainError, NotRegistered
from bot.domain.people import Actor
from bot.domain.quota import HouseholdMonth
from bot.domain.roles import can_log_visits
from bot.i18n import Translate
from bot.services.month import helper_month, matching
from bot.services.visits import open_draft
from handlers.context import ONLY_HELPERS, authorised
from handlers.edits import answer_expired, edit_message
from handlers.visit_draft import CHOOSE, LOCATION, SEARCH, set_draft
from handlers.visit_views import household_keyboard, location_keyboard

MAX_SEARCH = 50


async def _choices(context: BotContext, user: Actor, search: str | None) -> list[HouseholdMonth]:
    runtime = context.runtime
    month = await helper_month(runtime.uow(), user.id, runtime.now(), runtime.rules.visits)
    return matching(month, search) if search else list(month.households)


def _remember_search(context: BotContext, search: str | None) -> None:
    if context.user_data is not None:
        context.user_data[SEARCH] = search


def _search(context: BotContext) -> str | None:
    found = context.user_data.get(SEARCH) if context.user_data is not None else None
    return found if isinstance(found, str) else None


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
    set_draft(context, None)
    _remember_search(context, None)
    await message.reply_text(
        t("Which household did you visit? (Type part of a name to search.)"),
        reply_markup=household_keyboard(choices, 0),
    )
    return CHOOSE


async def turn_page(update: Update, context: BotContext) -> int:
    """Show another page of the households listed (all, or the last search's)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user = await current_user(update, context)
    t = tr(update, context, user)
    if user is None:
        await answer_expired(query, t)
        return ConversationHandler.END
    page = int(query.data.rsplit(":", 1)[1])
    choices = await _choices(context, user, _search(context))
    await edit_message(query, t, markup=household_keyboard(choices, page))
    return CHOOSE


async def search(update: Update, context: BotContext) -> int:
    """Filter the household list by a typed name (simplified or traditional script)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    user = await current_user(update, context)
    t = tr(update, context, user)
    if user is None:
        return ConversationHandler.END
    text = message.text.strip()[:MAX_SEARCH]
    choices = await _choices(context, user, text)
    if not choices:
        await message.reply_text(
            t("No paired household matches “{text}”. Try another name.").format(text=text)
        )
        return CHOOSE
    _remember_search(context, text)
    await message.reply_text(
        t("Households matching “{text}”:").format(text=text),
        reply_markup=household_keyboard(choices, 0),
    )
    return CHOOSE


async def begin_for(
    chat_id: int, context: BotContext, user: Actor, household_id: int, t: Translate
) -> int:
    """Open a draft for the household and ask for the location."""
    try:
        draft = await open_draft(context.runtime.uow(), user.id, household_id)
    except DomainError as error:
        await context.bot.send_message(chat_id, error.render(t))
        return ConversationHandler.END
    set_draft(context, draft)
    await context.bot.send_message(
        chat_id,
        t(
            "Visit to {name}. Please share your location with the button below "
            "(a live location works too)."
        ).format(name=draft.household_name),
        reply_markup=location_keyboard(t),
    )
    return LOCATION


async def pick_household(update: Update, context: BotContext) -> int:
    """A household button was pressed: start the draft for it."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    user, t = await authorised(update, context, can_log_visits, ONLY_HELPERS)
    if user is None:
        return ConversationHandler.END
    await query.answer()
    household_id = int(query.data.rsplit(":", 1)[1])
    return await begin_for(update.effective_chat.id, context, user, household_id, t)


async def deep_link(update: Update, context: BotContext) -> int:
    """`/start visit_<id>` (from a reminder) opens the conversation at that household."""
    message = update.effective_message
    assert message is not None
    user = await current_user(update, context)
    t = tr(update, context, user)
    if user is None:
        await message.reply_text(NotRegistered().render(t))
        return ConversationHandler.END
    if not can_log_visits(user.role):
        await message.reply_text(t(ONLY_HELPERS))
        return ConversationHandler.END
    payload = context.args[0] if context.args else ""
    try:
        household_id = int(payload.removeprefix("visit_"))
    except ValueError:
        await message.reply_text(t("This link is not valid."))
        return ConversationHandler.END
    return await begin_for(message.chat_id, context, user, household_id, t)
