"""/summary, /helpers and the drill-down buttons for office staff, leaders, department heads."""

from __future__ import annotations

import asyncio
from functools import partial

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.domain.errors import BadMonth, DomainError, RecordNotFound
from bot.domain.oversight import can_oversee, parse_month, split_arguments
from bot.domain.people import Actor
from bot.domain.quota import period_label
from bot.i18n import Translate
from bot.services.oversight import (
    area_view,
    find_helpers,
    helper_card,
    household_view,
    month_summary,
    this_period,
)
from bot.summary_chart import summary_chart
from handlers.context import authorised
from handlers.edits import edit_message
from handlers.oversight_views import (
    area_keyboard,
    area_text,
    chart_titles,
    helper_card_text,
    helpers_keyboard,
    helpers_text,
    household_keyboard,
    household_text,
    parse_drill,
    summary_text,
)
from handlers.pager import paginate


def _period(context: BotContext, text: str | None) -> int:
    if text is None:
        runtime = context.runtime
        return this_period(runtime.now(), runtime.settings.tz)
    month = parse_month(text)
    if month is None:
        raise BadMonth()
    return month


async def summary(update: Update, context: BotContext) -> None:
    """The month of the reader's area: figures in messages, a chart, drill-down buttons."""
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, can_oversee)
    if user is None:
        return
    runtime = context.runtime
    month_text, area = split_arguments(context.args or [])
    try:
        period = _period(context, month_text)
        result = await month_summary(
            runtime.uow(),
            user,
            period=period,
            area=area,
            default_quota=runtime.rules.visits.default_quota,
            rules=runtime.cases,
        )
    except DomainError as error:
        await message.reply_text(error.render(t))
        return
    for page in paginate(summary_text(t, result)):
        await message.reply_html(page)
    title, bars_title, trend_title = chart_titles(t, result)
    # Drawing takes a moment of CPU: off the event loop, so other chats do not wait.
    png = await asyncio.to_thread(
        partial(
            summary_chart,
            [(b.name, b.compliance.ratio or 0.0) for b in result.bars],
            [(period_label(p), share) for p, share in result.trend],
            title=title,
            bars_title=bars_title,
            trend_title=trend_title,
        )
    )
    await message.reply_photo(png, caption=title)
    if result.area is not None:
        return
    view = await area_view(
        runtime.uow(), user, None, period=period, default_quota=runtime.rules.visits.default_quota
    )
    if view.children or view.household_list:
        await message.reply_html(
            t("Look closer: choose an area."), reply_markup=area_keyboard(view, period)
        )


async def helpers(update: Update, context: BotContext) -> None:
    """Helpers in the reader's area, by name or area; each button opens a helper's card."""
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, can_oversee)
    if user is None:
        return
    runtime = context.runtime
    search = " ".join(context.args or []).strip()
    found = await find_helpers(runtime.uow(), user, search)
    period = this_period(runtime.now(), runtime.settings.tz)
    markup = helpers_keyboard(found, period) if found else None
    await message.reply_html(helpers_text(t, found, search), reply_markup=markup)


async def _show(
    query: CallbackQuery, t: Translate, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    pages = paginate(text)
    await edit_message(query, t, text=pages[0], markup=markup, parse_mode=ParseMode.HTML)


async def drill(update: Update, context: BotContext) -> None:
    """A drill-down or helper button: county, township, village, household, helper card."""
    query = update.callback_query
    assert query is not None
    user, t = await authorised(update, context, can_oversee)
    if user is None:
        return
    parsed = parse_drill(query.data)
    if parsed is None:
        await query.answer(RecordNotFound().render(t), show_alert=True)
        return
    kind, period, target = parsed
    try:
        await _open(query, t, context, user, kind, period, target)
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)


async def _open(
    query: CallbackQuery,
    t: Translate,
    context: BotContext,
    user: Actor,
    kind: str,
    period: int,
    target: int,
) -> None:
    runtime = context.runtime
    quota = runtime.rules.visits.default_quota
    if kind == "h":
        house = await household_view(
            runtime.uow(), user, target, period=period, default_quota=quota
        )
        await _show(query, t, household_text(t, house, period), household_keyboard(house, period))
    elif kind == "p":
        card = await helper_card(runtime.uow(), user, target, period=period, default_quota=quota)
        await _show(query, t, helper_card_text(t, card), None)
    else:
        view = await area_view(
            runtime.uow(), user, target or None, period=period, default_quota=quota
        )
        await _show(query, t, area_text(t, view, period), area_keyboard(view, period))


def handlers() -> list[BaseHandler[Update, BotContext, object]]:
    """The overseers' reading handlers."""
    return [
        CommandHandler("summary", summary),
        CommandHandler("helpers", helpers),
        CallbackQueryHandler(drill, pattern=r"^ov:"),
    ]
