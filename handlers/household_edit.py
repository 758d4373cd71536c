"""Typed parts of the case record: a benefit's reason, a guarantee's note, income, the plan.

One conversation waits for the text the pressed button asked for; the draft lives in the
chat's memory until it is saved, and /cancel drops it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
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
from bot.domain.households import GUARANTEE_LABELS, Guarantee, kind_label
from bot.domain.people import Actor
from bot.domain.roles import can_log_visits, is_admin
from bot.domain.vocabulary import BenefitStatus, Role
from bot.i18n import N_, Translate
from bot.services.case_records import (
    parse_amount,
    record_guarantee,
    record_income,
    set_benefit,
    write_plan,
)
from bot.services.households import household_card
from handlers.context import authorised
from handlers.household import send_card
from handlers.household_views import benefits_view
from handlers.longtext import text_within
from handlers.menu import MenuActions, menu_buttons_inside

TEXT = 0
KEY = "household_edit"
MAX_TEXT = 1000
_DAY = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


def parse_day(text: str, today: date) -> date | None:
    """A typed date (2026-11-20, 2026/11/20, 2026年11月20日) not in the future, else None."""
    match = _DAY.fullmatch(text.strip())
    if match is None:
        return None
    try:
        day = date(*(int(g) for g in match.groups()))
    except ValueError:
        return None
    return day if day <= today else None


def day_keyboard(prefix: str, t: Translate) -> InlineKeyboardMarkup:
    """Today / yesterday buttons (another day is typed)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t("Today"), callback_data=f"{prefix}:day:0"),
                InlineKeyboardButton(t("Yesterday"), callback_data=f"{prefix}:day:1"),
            ]
        ]
    )


@dataclass
class Pending:
    """What the conversation waits for, and what it has gathered so far."""

    kind: str  # "reason", "note", "income", "plan"
    household_id: int
    step: str
    policy: str = ""
    item: Guarantee | None = None
    met: bool = False
    values: dict[str, str] = field(default_factory=dict)
    amount: Decimal | None = None


PROMPTS = {
    "reason": N_("Why is the household not eligible for {what}? Write the reason, or /cancel."),
    "note": N_("Add a note for {what}, or press Skip."),
    "amount": N_("Income per person per year (CNY)? Write a number, or /cancel."),
    "source": N_("Where does this income come from (e.g. wages, farming, pension)?"),
    "day": N_("Which day was the income found? Press a button or write a date (2026-11-20)."),
    "goals": N_("Write the goals of the help plan, or /cancel."),
    "measures": N_("Now the measures of the help plan."),
}


def _pending(context: BotContext) -> Pending | None:
    found = context.user_data.get(KEY) if context.user_data is not None else None
    return found if isinstance(found, Pending) else None


def _set(context: BotContext, pending: Pending | None) -> None:
    if context.user_data is not None:
        if pending is None:
            context.user_data.pop(KEY, None)
        else:
            context.user_data[KEY] = pending


def _today(context: BotContext) -> date:
    runtime = context.runtime
    return runtime.now().astimezone(runtime.settings.tz).date()


def _helper(role: Role) -> bool:
    return can_log_visits(role) or is_admin(role)


async def _ask(context: BotContext, chat_id: int, pending: Pending, t: Translate) -> None:
    what = ""
    if pending.kind == "reason":
        what = t(kind_label(pending.policy))
    elif pending.item is not None:
        what = t(GUARANTEE_LABELS[pending.item])
    markup = None
    if pending.step == "note":
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(t("Skip"), callback_data="hhe:skip")]]
        )
    elif pending.step == "day":
        markup = day_keyboard("hhe", t)
    await context.bot.send_message(
        chat_id, t(PROMPTS[pending.step]).format(what=what), reply_markup=markup
    )


async def begin(update: Update, context: BotContext) -> int:
    """A button that needs typed text: check the household, then ask."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    user, t = await authorised(update, context, _helper)
    if user is None:
        return ConversationHandler.END
    parts = query.data.split(":")
    household_id = int(parts[2])
    runtime = context.runtime
    try:
        card = await household_card(runtime.uow(), user, household_id, runtime.cases)
        if not card.can_edit:
            raise HouseholdReadOnly()
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)
        return ConversationHandler.END
    action = parts[1]
    if action == "bs":
        index = int(parts[3])
        if index >= len(card.benefits):
            await query.answer(t("This link is not valid."), show_alert=True)
            return ConversationHandler.END
        pending = Pending("reason", household_id, "reason", policy=card.benefits[index].policy)
    elif action == "gs":
        if parts[3] not in {g.value for g in Guarantee}:
            await query.answer(t("This link is not valid."), show_alert=True)
            return ConversationHandler.END
        pending = Pending(
            "note", household_id, "note", item=Guarantee(parts[3]), met=parts[4] == "1"
        )
    elif action == "inc":
        pending = Pending("income", household_id, "amount")
    else:
        pending = Pending("plan", household_id, "goals")
    await query.answer()
    _set(context, pending)
    await _ask(context, update.effective_chat.id, pending, t)
    return TEXT


async def _finish(
    update: Update, context: BotContext, user: Actor, pending: Pending, t: Translate
) -> int:
    """Save what was gathered and show the result."""
    chat = update.effective_chat
    assert chat is not None
    runtime = context.runtime
    today = _today(context)
    try:
        if pending.kind == "reason":
            await set_benefit(
                runtime.uow(),
                user,
                household_id=pending.household_id,
                policy=pending.policy,
                status=BenefitStatus.NOT_ELIGIBLE,
                today=today,
                note=pending.values["reason"],
            )
        elif pending.kind == "note" and pending.item is not None:
            await record_guarantee(
                runtime.uow(),
                user,
                household_id=pending.household_id,
                item=pending.item,
                met=pending.met,
                note=pending.values.get("note"),
                today=today,
            )
        elif pending.kind == "income" and pending.amount is not None:
            await record_income(
                runtime.uow(),
                user,
                household_id=pending.household_id,
                per_capita=pending.amount,
                source=pending.values["source"],
                on=date.fromisoformat(pending.values["day"]),
            )
        else:
            await write_plan(
                runtime.uow(),
                user,
                household_id=pending.household_id,
                goals=pending.values["goals"],
                measures=pending.values["measures"],
            )
    except DomainError as error:
        _set(context, None)
        await context.bot.send_message(chat.id, error.render(t))
        return ConversationHandler.END
    _set(context, None)
    await context.bot.send_message(chat.id, t("Saved."))
    if pending.kind == "reason":
        card = await household_card(runtime.uow(), user, pending.household_id, runtime.cases)
        text, markup = benefits_view(card, t)
        await context.bot.send_message(chat.id, text, reply_markup=markup, parse_mode="HTML")
    else:
        await send_card(context, chat.id, user, pending.household_id, t)
    return ConversationHandler.END


async def got_text(update: Update, context: BotContext) -> int:
    """The typed answer to the current step."""
    message = update.effective_message
    assert message is not None and message.text is not None and update.effective_chat
    user = await current_user(update, context)
    t = tr(update, context, user)
    pending = _pending(context)
    if user is None or pending is None:
        return ConversationHandler.END
    text = await text_within(message, t, MAX_TEXT)
    if text is None:
        return TEXT
    if not text:
        await _ask(context, update.effective_chat.id, pending, t)
        return TEXT
    if pending.step == "amount":
        try:
            pending.amount = parse_amount(text)
        except DomainError as error:
            await message.reply_text(error.render(t))
            return TEXT
        pending.step = "source"
    elif pending.step == "day":
        day = parse_day(text, _today(context))
        if day is None:
            await message.reply_text(
                t("Please write a date that is not in the future, such as 2026-11-20.")
            )
            return TEXT
        pending.values["day"] = day.isoformat()
        return await _finish(update, context, user, pending, t)
    else:
        pending.values[pending.step] = text
        following = {"source": "day", "goals": "measures"}.get(pending.step)
        if following is None:
            return await _finish(update, context, user, pending, t)
        pending.step = following
    await _ask(context, update.effective_chat.id, pending, t)
    return TEXT


async def pressed(update: Update, context: BotContext) -> int:
    """Skip (no note) or a day button."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user = await current_user(update, context)
    t = tr(update, context, user)
    pending = _pending(context)
    if user is None or pending is None:
        await query.answer(t("This button has expired. Please start again from the menu."))
        return ConversationHandler.END
    if query.data == "hhe:skip" and pending.step == "note":
        await query.answer()
        return await _finish(update, context, user, pending, t)
    if query.data.startswith("hhe:day:") and pending.step == "day":
        await query.answer()
        back = int(query.data.rsplit(":", 1)[1])
        pending.values["day"] = (_today(context) - timedelta(days=back)).isoformat()
        return await _finish(update, context, user, pending, t)
    await query.answer()
    return TEXT


async def remind(update: Update, context: BotContext) -> None:
    """Still waiting for the typed part (after a menu feature, or an unexpected message)."""
    pending = _pending(context)
    chat = update.effective_chat
    if pending is None or chat is None:
        return
    await _ask(context, chat.id, pending, tr(update, context, await current_user(update, context)))


async def cancel(update: Update, context: BotContext) -> int:
    """Drop what was typed; nothing is saved."""
    message = update.effective_message
    assert message is not None
    _set(context, None)
    t = tr(update, context, await current_user(update, context))
    await message.reply_text(t("Cancelled. Nothing was changed."))
    return ConversationHandler.END


def handlers(menu: MenuActions) -> list[BaseHandler[Update, BotContext, object]]:
    """The conversation for the typed parts of a household's record."""
    new = filters.UpdateType.MESSAGE
    conversation: ConversationHandler[BotContext] = ConversationHandler(
        entry_points=[
            CallbackQueryHandler(begin, pattern=r"^hh:bs:\d+:\d+:x$"),
            CallbackQueryHandler(begin, pattern=r"^hh:gs:\d+:[a-z]+:[01]$"),
            CallbackQueryHandler(begin, pattern=r"^hh:(inc|plan):\d+$"),
        ],
        states={
            TEXT: [
                menu_buttons_inside(menu, remind),
                MessageHandler(filters.TEXT & ~filters.COMMAND & new, got_text),
                CallbackQueryHandler(pressed, pattern=r"^hhe:(skip|day:[01])$"),
            ]
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            MessageHandler(new & ~filters.COMMAND & ~filters.StatusUpdate.ALL, remind),
        ],
        name="household-edit",
        persistent=True,  # resumed after a restart (bot/persistence.py)
        conversation_timeout=timedelta(hours=1),
        allow_reentry=True,
    )
    return [conversation]
