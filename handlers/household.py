"""/household: a household's case record as a card, with its benefits, guarantees and history.

Helpers open their paired households, admins any in their scope; the use cases refuse the
rest as "not found", so forged callback data or a typed id reveals nothing.
"""

from __future__ import annotations

import html
import io

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext, current_user, tr
from bot.domain.casefile import HouseholdCard
from bot.domain.errors import DomainError
from bot.domain.people import Actor
from bot.domain.roles import can_log_visits, is_admin
from bot.domain.vocabulary import Role
from bot.handbook import handbook_bytes, handbook_name
from bot.i18n import Translate
from bot.services.case_records import set_benefit
from bot.services.households import (
    exit_ready,
    find_households,
    handbook_record,
    helper_coverage,
    household_card,
    household_history,
    risk_watch,
    scope_coverage,
    waiting_benefits,
)
from bot.services.month import helper_month
from handlers.context import authorised
from handlers.edits import answer_expired, edit_message
from handlers.household_views import (
    BENEFIT_BY_CODE,
    benefits_view,
    card_keyboard,
    card_pages,
    coverage_report_text,
    coverage_text,
    guarantees_view,
    history_keyboard,
    history_text,
    policy_view,
    risk_sentence,
)
from handlers.menu import button_pattern
from handlers.pager import paginate
from handlers.visit_views import household_keyboard

MAX_RESULTS = 20


def _can_use(role: Role) -> bool:
    return can_log_visits(role) or is_admin(role)


def _ints(data: str | None) -> list[int]:
    """The numbers in callback data (`hh:v:12:0` → [12, 0]); bad data gives none."""
    return [int(p) for p in (data or "").split(":") if p.isdigit()]


async def _card(context: BotContext, user: Actor, household_id: int) -> HouseholdCard:
    runtime = context.runtime
    return await household_card(runtime.uow(), user, household_id, runtime.cases)


def card_view(
    context: BotContext, card: HouseholdCard, page: int, t: Translate
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of the card with its keyboard."""
    settings = context.runtime.settings
    pages = card_pages(
        card,
        t,
        settings.tz,
        months=context.runtime.cases.months_between,
        monitoring_line=context.runtime.cases.monitoring_line,
    )
    page = min(max(page, 0), len(pages) - 1)
    return pages[page], card_keyboard(card.household_id, card.can_edit, page, len(pages), t)


async def send_card(
    context: BotContext, chat_id: int, user: Actor, household_id: int, t: Translate
) -> None:
    """Send the card's first page as a new message (after a change made in a conversation)."""
    try:
        card = await _card(context, user, household_id)
    except DomainError as error:
        await context.bot.send_message(chat_id, error.render(t))
        return
    text, markup = card_view(context, card, 0, t)
    await context.bot.send_message(chat_id, text, reply_markup=markup, parse_mode="HTML")


async def _helper_list(update: Update, context: BotContext, user: Actor, t: Translate) -> None:
    message = update.effective_message
    assert message is not None
    runtime = context.runtime
    month = await helper_month(runtime.uow(), user.id, runtime.now(), runtime.rules.visits)
    choices = list(month.households)
    if not choices:
        await message.reply_text(t("You have no paired households yet. Please ask the office."))
        return
    waiting = await waiting_benefits(runtime.uow(), user)
    names = {c.household_id: c.head_name for c in choices}
    lines = [
        t("Which household's record? Your benefit coverage: {coverage}.").format(
            coverage=coverage_text(await helper_coverage(runtime.uow(), user), t)
        )
    ]
    if waiting:
        lines.append(t("Eligible benefits not yet enrolled:"))
        lines += [
            f"• {html.escape(names.get(hid, str(hid)))}: {n}" for hid, n in sorted(waiting.items())
        ]
    await message.reply_html(
        "\n".join(lines), reply_markup=household_keyboard(choices, 0, prefix="card")
    )


async def _admin_search(
    update: Update, context: BotContext, user: Actor, t: Translate, search: str
) -> None:
    message = update.effective_message
    assert message is not None
    found = await find_households(context.runtime.uow(), user, search)
    if not found:
        await message.reply_text(
            t("No household in your area matches “{text}”.").format(text=search)
        )
        return
    rows = [
        [
            InlineKeyboardButton(
                f"{h.head_name} · {h.village}", callback_data=f"card:hh:{h.household_id}"
            )
        ]
        for h in found[:MAX_RESULTS]
    ]
    await message.reply_text(
        t("Households matching “{text}”: {n}").format(text=search, n=len(found)),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def show_household(update: Update, context: BotContext) -> None:
    """/household [name or id]: the helper's list, a search, or one card directly."""
    message = update.effective_message
    assert message is not None and update.effective_chat is not None
    user, t = await authorised(update, context, _can_use)
    if user is None:
        return
    arg = (
        " ".join(context.args or []).strip()[:50]
        if message.text and message.text.startswith("/")
        else ""
    )
    if arg.isdigit():
        await send_card(context, update.effective_chat.id, user, int(arg), t)
        return
    if arg and is_admin(user.role):
        await _admin_search(update, context, user, t, arg)
        return
    if can_log_visits(user.role):
        await _helper_list(update, context, user, t)
        return
    await message.reply_text(
        t(
            "Send /household followed by part of a name (or an id) to open a household. "
            "Lists: /exitready, /risk, /coverage."
        )
    )


async def pick(update: Update, context: BotContext) -> None:
    """A household button of the list: the list becomes its card."""
    query = update.callback_query
    assert query is not None
    user, t = await authorised(update, context, _can_use)
    if user is None:
        return
    numbers = _ints(query.data)
    try:
        card = await _card(context, user, numbers[0])
    except (DomainError, IndexError) as error:
        text = error.render(t) if isinstance(error, DomainError) else t("This link is not valid.")
        await query.answer(text, show_alert=True)
        return
    page = numbers[1] if len(numbers) > 1 else 0
    text, markup = card_view(context, card, page, t)
    await edit_message(query, t, text=text, markup=markup, parse_mode="HTML")


async def turn_list_page(update: Update, context: BotContext) -> None:
    """Another page of the helper's household list."""
    query = update.callback_query
    assert query is not None
    user = await current_user(update, context)
    t = tr(update, context, user)
    if user is None:
        await answer_expired(query, t)
        return
    runtime = context.runtime
    month = await helper_month(runtime.uow(), user.id, runtime.now(), runtime.rules.visits)
    page = _ints(query.data)[0] if _ints(query.data) else 0
    await edit_message(
        query, t, markup=household_keyboard(list(month.households), page, prefix="card")
    )


async def _view(
    update: Update, context: BotContext
) -> tuple[Actor, Translate, HouseholdCard, list[int]] | None:
    """The pressing user and the card named by the callback data, or None (answered)."""
    query = update.callback_query
    assert query is not None
    user, t = await authorised(update, context, _can_use)
    if user is None:
        return None
    numbers = _ints(query.data)
    if not numbers:
        await answer_expired(query, t)
        return None
    try:
        card = await _card(context, user, numbers[0])
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)
        return None
    return user, t, card, numbers


async def benefits(update: Update, context: BotContext) -> None:
    """The benefits of the card's household, a button per policy."""
    found = await _view(update, context)
    if found is None:
        return
    _, t, card, _ = found
    assert update.callback_query is not None
    text, markup = benefits_view(card, t)
    await edit_message(update.callback_query, t, text=text, markup=markup, parse_mode="HTML")


async def policy(update: Update, context: BotContext) -> None:
    """One policy with its possible states."""
    found = await _view(update, context)
    if found is None:
        return
    _, t, card, numbers = found
    query = update.callback_query
    assert query is not None
    if len(numbers) < 2 or numbers[1] >= len(card.benefits):
        await answer_expired(query, t)
        return
    text, markup = policy_view(card, numbers[1], t)
    await edit_message(query, t, text=text, markup=markup, parse_mode="HTML")


async def set_state(update: Update, context: BotContext) -> None:
    """Set a policy's state (not eligible goes through the reason conversation instead)."""
    found = await _view(update, context)
    if found is None:
        return
    user, t, card, numbers = found
    query = update.callback_query
    assert query is not None and query.data is not None
    status = BENEFIT_BY_CODE.get(query.data.rsplit(":", 1)[1])
    if len(numbers) < 2 or numbers[1] >= len(card.benefits) or status is None:
        await answer_expired(query, t)
        return
    runtime = context.runtime
    try:
        await set_benefit(
            runtime.uow(),
            user,
            household_id=card.household_id,
            policy=card.benefits[numbers[1]].policy,
            status=status,
            today=runtime.now().astimezone(runtime.settings.tz).date(),
        )
        card = await _card(context, user, card.household_id)
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)
        return
    text, markup = benefits_view(card, t)
    await edit_message(query, t, text=text, markup=markup, parse_mode="HTML", answer=t("Saved."))


async def guarantees(update: Update, context: BotContext) -> None:
    """The five guarantee items with met / not met buttons."""
    found = await _view(update, context)
    if found is None:
        return
    _, t, card, _ = found
    assert update.callback_query is not None
    text, markup = guarantees_view(card, t)
    await edit_message(update.callback_query, t, text=text, markup=markup, parse_mode="HTML")


async def history(update: Update, context: BotContext) -> None:
    """Who changed what in the record, and when, old and new value."""
    query = update.callback_query
    assert query is not None
    user, t = await authorised(update, context, _can_use)
    if user is None:
        return
    numbers = _ints(query.data)
    if not numbers:
        await answer_expired(query, t)
        return
    runtime = context.runtime
    try:
        card = await _card(context, user, numbers[0])
        lines = await household_history(runtime.uow(), user, numbers[0])
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)
        return
    pages = paginate(history_text(card.head_name, lines, t, runtime.settings.tz), 3500)
    page = min(max(numbers[1] if len(numbers) > 1 else 0, 0), len(pages) - 1)
    await edit_message(
        query,
        t,
        text=pages[page],
        markup=history_keyboard(card.household_id, page, len(pages), t),
        parse_mode="HTML",
    )


async def handbook(update: Update, context: BotContext) -> None:
    """Send the household's handbook (.xlsx) into the chat."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    user, t = await authorised(update, context, _can_use)
    if user is None:
        return
    numbers = _ints(query.data)
    runtime = context.runtime
    try:
        record = await handbook_record(runtime.uow(), user, numbers[0], runtime.cases)
    except (DomainError, IndexError) as error:
        text = error.render(t) if isinstance(error, DomainError) else t("This link is not valid.")
        await query.answer(text, show_alert=True)
        return
    await query.answer()
    data = handbook_bytes(record, runtime.settings.tz)
    await context.bot.send_document(
        update.effective_chat.id,
        io.BytesIO(data),
        filename=handbook_name(record),
        caption=t("Handbook of {name}").format(name=record.card.head_name),
    )


async def _send_pages(update: Update, text: str) -> None:
    message = update.effective_message
    assert message is not None
    for page in paginate(text):
        await message.reply_html(page)


async def list_exit_ready(update: Update, context: BotContext) -> None:
    """/exitready: households in the admin's scope that meet the exit standard."""
    user, t = await authorised(update, context, is_admin)
    if user is None:
        return
    runtime = context.runtime
    found = await exit_ready(runtime.uow(), user, runtime.cases)
    lines = [t("<b>Exit-ready households</b>: {n}").format(n=len(found))]
    lines += [
        f"• #{h.household_id} {html.escape(h.head_name)} · {html.escape(h.village)}" for h in found
    ]
    await _send_pages(update, "\n".join(lines))


async def list_risks(update: Update, context: BotContext) -> None:
    """/risk: exited households flagged by the return-to-poverty watch, with the reasons."""
    user, t = await authorised(update, context, is_admin)
    if user is None:
        return
    runtime = context.runtime
    found = await risk_watch(runtime.uow(), user, runtime.cases)
    lines = [t("<b>Return-to-poverty watch</b>: {n} flagged").format(n=len(found))]
    for h in found:
        lines.append(f"• #{h.household_id} {html.escape(h.head_name)} · {html.escape(h.village)}")
        lines += [f"   – {risk_sentence(r, runtime.cases.monitoring_line, t)}" for r in h.risks]
    await _send_pages(update, "\n".join(lines))


async def show_coverage(update: Update, context: BotContext) -> None:
    """/coverage: enrolled / eligible benefits in the admin's scope and per village."""
    user, t = await authorised(update, context, is_admin)
    if user is None:
        return
    report = await scope_coverage(context.runtime.uow(), user)
    await _send_pages(update, coverage_report_text(report, t))


def handlers() -> list[BaseHandler[Update, BotContext, object]]:
    """The card, its views and the admin lists."""
    return [
        CommandHandler("household", show_household),
        MessageHandler(filters.Regex(button_pattern("household")), show_household),
        CommandHandler("exitready", list_exit_ready),
        CommandHandler("risk", list_risks),
        CommandHandler("coverage", show_coverage),
        CallbackQueryHandler(pick, pattern=r"^card:hh:\d+$"),
        CallbackQueryHandler(turn_list_page, pattern=r"^card:page:\d+$"),
        CallbackQueryHandler(pick, pattern=r"^hh:v:\d+:\d+$"),
        CallbackQueryHandler(benefits, pattern=r"^hh:ben:\d+$"),
        CallbackQueryHandler(policy, pattern=r"^hh:bp:\d+:\d+$"),
        CallbackQueryHandler(set_state, pattern=r"^hh:bs:\d+:\d+:[ney]$"),
        CallbackQueryHandler(guarantees, pattern=r"^hh:gu:\d+$"),
        CallbackQueryHandler(history, pattern=r"^hh:hist:\d+:\d+$"),
        CallbackQueryHandler(handbook, pattern=r"^hh:xls:\d+$"),
    ]
