"""What every step of the visit conversation shares: states, the draft, ending and reminding."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, ReplyKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.context import BotContext, current_user, language_of
from bot.domain.people import Actor
from bot.domain.visits import VisitDraft
from bot.i18n import N_, Translate, translator
from handlers.menu import main_keyboard

CHOOSE, LOCATION, PHOTOS, NOTE, CONFIRM = range(5)
DRAFT = "visit_draft"
SEARCH = "visit_search"


def draft_of(context: BotContext) -> VisitDraft | None:
    """The visit being put together in this chat, if any."""
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    return draft if isinstance(draft, VisitDraft) else None


def set_draft(context: BotContext, draft: VisitDraft | None) -> None:
    """Start (or with None, drop) the chat's draft."""
    if context.user_data is None:
        return
    if draft is None:
        context.user_data.pop(DRAFT, None)
    else:
        context.user_data[DRAFT] = draft


@dataclass
class Step:
    """What every step of a started visit needs: the message, who, their language, the draft."""

    message: Message
    user: Actor | None
    lang: str
    t: Translate
    draft: VisitDraft | None


async def step_of(update: Update, context: BotContext) -> Step:
    """Unpack an update inside the visit conversation."""
    message = update.effective_message
    assert message is not None
    user = await current_user(update, context)
    lang = language_of(update, context, user)
    return Step(message, user, lang, translator(lang), draft_of(context))


def menu_of(user: Actor | None, lang: str) -> ReplyKeyboardMarkup | None:
    """The helper's usual menu (after the location step, or at the end)."""
    return main_keyboard(user.role, lang) if user else None


async def end(update: Update, context: BotContext, text: str) -> int:
    """Drop the draft, say why, and give the main menu back."""
    user = await current_user(update, context)
    lang = language_of(update, context, user)
    set_draft(context, None)
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(
        chat.id, translator(lang)(text), reply_markup=menu_of(user, lang)
    )
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel at any step: nothing half-done is stored."""
    return await end(update, context, N_("Cancelled. Nothing was saved for this visit."))


async def lost(message: Message, t: Translate) -> int:
    """The draft is gone (the bot restarted, or it timed out): start again."""
    await message.reply_text(t("This visit was interrupted. Please start again with /visit."))
    return ConversationHandler.END


async def need_photo(message: Message, t: Translate) -> int:
    """A visit needs a photo before its note."""
    await message.reply_text(t("Please send at least one photo of the visit first."))
    return PHOTOS


def waiting_for(draft: VisitDraft | None, t: Translate) -> str:
    """What the conversation is waiting for, in one sentence."""
    if draft is None:
        return t("Please choose a household from the list above.")
    if draft.note is not None:
        return t("Please press Save, Change note or Discard above.")
    if draft.photos and (draft.location is not None or draft.location_skipped):
        return t("Send more photos, press “Photos done”, or write the note.")
    if draft.photos:
        return t("Please also share your location, or press Skip.")
    if draft.location is not None or draft.location_skipped:
        return t("Now send one or more photos of the visit (as photos or files).")
    return t("Please share your location or send a photo; /cancel stops this visit.")


async def remind_step(update: Update, context: BotContext) -> None:
    """Anything unexpected inside the conversation: say what is awaited, keep the draft."""
    step = await step_of(update, context)
    await step.message.reply_text(waiting_for(step.draft, step.t))


async def remind_open_draft(update: Update, context: BotContext) -> None:
    """After a menu feature opened mid-visit: the visit is still open, and what it awaits."""
    step = await step_of(update, context)
    if step.draft is None:
        return
    t = step.t
    await step.message.reply_text(
        t("Your visit to {name} is still open. {next} (/cancel stops it.)").format(
            name=step.draft.household_name, next=waiting_for(step.draft, t)
        )
    )
