"""/appraise PERIOD: the office runs and reviews a period's draft, adjusts a score with a
reason, publishes a regular appraisal; a leader confirms the annual one. /myappraisal: a
helper's own results with their breakdown.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
)

from bot.context import BotContext, current_user, tr
from bot.domain.appraisal import GRADE_NAMES, AppraisalLine, AppraisalPage
from bot.domain.errors import BadScore, DomainError
from bot.domain.vocabulary import AppraisalKind, AppraisalStatus, Role
from bot.i18n import N_, Translate
from bot.services.appraisal import (
    MAX_REASON,
    REVIEWERS,
    adjust_appraisal,
    appraisal_page,
    appraisal_to_adjust,
    finalise_appraisal,
    my_appraisals,
    run_appraisal,
)
from handlers.asking import asking, cancel_dropping
from handlers.context import authorised
from handlers.edits import edit_message
from handlers.longtext import text_within
from handlers.menu import MenuActions
from handlers.pager import offset_nav

SCORE, REASON = range(2)
PAGE = 5
KEY = "adjusting_appraisal"
ONLY_REVIEWERS = N_("Only the office and leaders review appraisals.")
ONLY_HELPERS = N_("Only helpers have an appraisal of their own.")
ASK_REASON = N_("Why is the score adjusted? The reason is kept in the audit log.")
CRITERIA_LABELS = (
    ("work", N_("work")),
    ("results", N_("results")),
    ("policy", N_("policy")),
    ("satisfaction", N_("satisfaction")),
)


def _reviewer(role: Role) -> bool:
    return role in REVIEWERS


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def line_text(line: AppraisalLine, t: Translate) -> str:
    """One helper's result: total, grade and the four criteria."""
    grade = t(GRADE_NAMES[line.grade]) if line.grade is not None else t("no grade (no data)")
    parts = " · ".join(f"{t(label)} {_number(line.parts.get(k))}" for k, label in CRITERIA_LABELS)
    text = f"<b>{html.escape(line.helper_name)}</b>: {_number(line.total)} {grade}\n{parts}"
    if line.adjust_reason is not None:
        text += "\n" + t("adjusted from {computed}: {reason}").format(
            computed=_number(line.computed), reason=html.escape(line.adjust_reason)
        )
    return text


def page_view(
    page: AppraisalPage, role: Role, t: Translate
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A page of the review with its adjust, paging and confirm buttons."""
    label = page.period.label
    status = t("final") if page.final else t("draft")
    first, last = page.offset + 1, page.offset + len(page.lines)
    header = t("Appraisal {period} ({status}): {total} helpers, showing {first}–{last}").format(
        period=label, status=status, total=page.total, first=first, last=last
    )
    rows: list[list[InlineKeyboardButton]] = []
    if role == Role.OFFICE:
        rows += [
            [
                InlineKeyboardButton(
                    t("✎ Adjust {name}").format(name=line.helper_name),
                    callback_data=f"apr:adj:{line.id}",
                )
            ]
            for line in page.lines
            if line.status == AppraisalStatus.DRAFT
        ]
    nav = offset_nav(page.offset, PAGE, page.total, lambda at: f"apr:pg:{label}:{at}", t)
    if nav:
        rows.append(nav)
    annual = page.period.kind == AppraisalKind.ANNUAL
    if not page.final and role == Role.OFFICE and not annual:
        rows.append([InlineKeyboardButton(t("✅ Publish"), callback_data=f"apr:fin:{label}")])
    if not page.final and role == Role.LEADER and annual:
        rows.append(
            [
                InlineKeyboardButton(
                    t("✅ Confirm the annual appraisal"), callback_data=f"apr:fin:{label}"
                )
            ]
        )
    text = "\n\n".join([header, *(line_text(line, t) for line in page.lines)])
    return text, InlineKeyboardMarkup(rows) if rows else None


async def appraise(update: Update, context: BotContext) -> None:
    """Run (office) or show (leader) a period's appraisal: /appraise 2026-11."""
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, _reviewer, ONLY_REVIEWERS)
    if user is None:
        return
    if not context.args:
        await message.reply_text(
            t("Which period? /appraise 2026-11 (a month), 2026Q4 (a quarter) or 2026 (a year).")
        )
        return
    runtime = context.runtime
    try:
        if user.role == Role.OFFICE:
            page = await run_appraisal(
                runtime.uow(),
                user,
                context.args[0],
                now=runtime.now(),
                rules=runtime.appraisal,
                visits=runtime.rules.visits,
                limit=PAGE,
            )
        else:
            page = await appraisal_page(runtime.uow(), user, context.args[0], limit=PAGE)
    except DomainError as error:
        await message.reply_text(error.render(t))
        return
    text, markup = page_view(page, user.role, t)
    await message.reply_html(text, reply_markup=markup)


async def turn_page(update: Update, context: BotContext) -> None:
    """Another page of the review, in place."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user, t = await authorised(update, context, _reviewer, ONLY_REVIEWERS)
    if user is None:
        return
    _, _, label, offset = query.data.split(":")
    try:
        page = await appraisal_page(
            context.runtime.uow(), user, label, offset=int(offset), limit=PAGE
        )
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)
        return
    text, markup = page_view(page, user.role, t)
    await edit_message(query, t, text=text, markup=markup, parse_mode="HTML")


async def finalise(update: Update, context: BotContext) -> None:
    """Publish (office, regular) or confirm (leader, annual): the period becomes final."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user, t = await authorised(update, context, _reviewer, ONLY_REVIEWERS)
    if user is None:
        return
    runtime = context.runtime
    label = query.data.split(":", 2)[2]
    try:
        done = await finalise_appraisal(
            runtime.uow(),
            user,
            label,
            now=runtime.now(),
            today=runtime.now().astimezone(runtime.settings.tz).date(),
            rules=runtime.appraisal,
        )
        page = await appraisal_page(runtime.uow(), user, label, limit=PAGE)
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)
        return
    text, markup = page_view(page, user.role, t)
    notice = t("{count} appraisals of {period} are final.").format(
        count=done.count, period=done.period
    )
    if done.rectifications:
        notice += " " + t("{n} rectification(s) opened.").format(n=done.rectifications)
    await edit_message(query, t, text=text, markup=markup, parse_mode="HTML", answer=notice)


async def ask_score(update: Update, context: BotContext) -> int:
    """Ask for the adjusted total of a draft."""
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    user, t = await authorised(update, context, _reviewer, ONLY_REVIEWERS)
    if user is None:
        return ConversationHandler.END
    try:
        line = await appraisal_to_adjust(
            context.runtime.uow(), user, int(query.data.rsplit(":", 1)[1])
        )
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    if context.user_data is not None:
        context.user_data[KEY] = {"id": line.id, "name": line.helper_name}
    await context.bot.send_message(
        query.message.chat.id,
        t("New total for {name} (now {total}), from 0 to 100? Or /cancel.").format(
            name=line.helper_name, total=_number(line.total)
        ),
    )
    return SCORE


def _adjusting(context: BotContext) -> dict[str, object] | None:
    found = context.user_data.get(KEY) if context.user_data is not None else None
    return found if isinstance(found, dict) else None


async def got_score(update: Update, context: BotContext) -> int:
    """Keep the new total and ask why."""
    message = update.effective_message
    assert message is not None
    t = tr(update, context, await current_user(update, context))
    adjusting = _adjusting(context)
    if adjusting is None:
        return ConversationHandler.END
    try:
        total = float((message.text or "").strip().replace(",", "."))
    except ValueError:
        total = -1.0
    if not 0 <= total <= 100:
        await message.reply_text(BadScore().render(t))
        return SCORE
    adjusting["total"] = total
    await message.reply_text(t("Why is the score adjusted? The reason is kept in the audit log."))
    return REASON


async def got_reason(update: Update, context: BotContext) -> int:
    """Adjust the score with the reason."""
    message = update.effective_message
    assert message is not None
    user = await current_user(update, context)
    t = tr(update, context, user)
    reason = await text_within(message, t, MAX_REASON)
    if reason is None:
        return REASON
    adjusting = _adjusting(context)
    if user is None or adjusting is None:
        return ConversationHandler.END
    if not reason:
        await message.reply_text(t(ASK_REASON))
        return REASON
    if context.user_data is not None:
        context.user_data.pop(KEY, None)
    runtime = context.runtime
    try:
        line = await adjust_appraisal(
            runtime.uow(),
            user,
            appraisal_id=int(str(adjusting["id"])),
            total=float(str(adjusting["total"])),
            reason=reason,
            rules=runtime.appraisal,
        )
    except DomainError as error:
        await message.reply_text(error.render(t))
        return ConversationHandler.END
    await message.reply_html(t("Adjusted.") + "\n" + line_text(line, t))
    return ConversationHandler.END


async def remind(update: Update, context: BotContext) -> None:
    """Still waiting for the score or its reason."""
    message = update.effective_message
    adjusting = _adjusting(context)
    if message is None or adjusting is None:
        return
    t = tr(update, context, await current_user(update, context))
    await message.reply_text(
        t("Still adjusting the score of {name}: write it, or /cancel.").format(
            name=adjusting.get("name", "")
        )
    )


# Stop adjusting; the appraisal stays as it was.
cancel = cancel_dropping(KEY, N_("Cancelled. The score is unchanged."))


async def my_appraisal(update: Update, context: BotContext) -> None:
    """A helper's own final appraisals with their breakdown."""
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, lambda r: r == Role.HELPER, ONLY_HELPERS)
    if user is None:
        return
    lines = await my_appraisals(context.runtime.uow(), user)
    if not lines:
        await message.reply_text(t("You have no final appraisal yet."))
        return
    blocks = [f"{line.period}\n{line_text(line, t)}" for line in lines]
    await message.reply_html("\n\n".join([t("Your appraisals:"), *blocks]))


def handlers(menu: MenuActions) -> list[BaseHandler[Update, BotContext, object]]:
    """The /appraise review, its adjust conversation, and /myappraisal."""
    adjusting = asking(
        "appraisal-adjust",
        menu=menu,
        entry_points=[CallbackQueryHandler(ask_score, pattern=r"^apr:adj:\d+$")],
        answers={SCORE: got_score, REASON: got_reason},
        remind=remind,
        cancel=cancel,
    )
    return [
        adjusting,
        CommandHandler("appraise", appraise),
        CommandHandler("myappraisal", my_appraisal),
        CallbackQueryHandler(turn_page, pattern=r"^apr:pg:[0-9Q-]{4,7}:\d+$"),
        CallbackQueryHandler(finalise, pattern=r"^apr:fin:[0-9Q-]{4,7}$"),
    ]
