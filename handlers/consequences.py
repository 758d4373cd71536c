"""Consequences of an appraisal: re-pairing a household (office proposes, a leader decides
with buttons) and closing a rectification that was done in time.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.domain.vocabulary import Role
from bot.i18n import N_, Translate, pick_language, translator
from bot.services.rectification import close_rectification
from bot.services.repairing import RepairView, decide_repair, pending_repairs, propose_repair
from handlers.context import authorised
from handlers.edits import edit_message

ONLY_ADMINS = N_("Only the office and leaders handle re-pairing.")
ONLY_LEADERS = N_("Only a leader approves or rejects a re-pairing.")
ONLY_OFFICE = N_("Only the office records a rectification.")
USAGE = N_(
    "Propose a new helper for a household: /repair HOUSEHOLD-ID HELPER-ID-or-NAME REASON. "
    "A leader approves or rejects it."
)
STATUS_NAMES = {
    "pending": N_("waiting for a leader"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
}


def request_text(view: RepairView, t: Translate) -> str:
    """A request as a sentence."""
    return t(
        "Re-pairing #{id}: household {household} from {old} to {new} ({status}).\n"
        "Proposed by {by}: {reason}"
    ).format(
        id=view.id,
        household=html.escape(view.household),
        old=html.escape(view.from_helper or t("nobody")),
        new=html.escape(view.to_helper),
        status=t(STATUS_NAMES.get(view.status, view.status)),
        by=html.escape(view.proposed_by or "-"),
        reason=html.escape(view.reason),
    )


def decision_keyboard(request_id: int, t: Translate) -> InlineKeyboardMarkup:
    """The leader's two buttons."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t("✔ Approve"), callback_data=f"rp:ok:{request_id}"),
                InlineKeyboardButton(t("✖ Reject"), callback_data=f"rp:no:{request_id}"),
            ]
        ]
    )


def _admin(role: Role) -> bool:
    return role in (Role.OFFICE, Role.LEADER)


async def repair(update: Update, context: BotContext) -> None:
    """Office: propose a re-pairing. Without arguments: the requests awaiting a leader."""
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, _admin, ONLY_ADMINS)
    if user is None:
        return
    runtime = context.runtime
    args = context.args or []
    if not args:
        pending = await pending_repairs(runtime.uow(), user)
        if user.role == Role.LEADER and pending:
            for view in pending[:10]:
                await message.reply_html(
                    request_text(view, t), reply_markup=decision_keyboard(view.id, t)
                )
            return
        await message.reply_html("\n\n".join([t(USAGE), *(request_text(v, t) for v in pending)]))
        return
    if len(args) < 3 or not args[0].isdigit():
        await message.reply_text(t(USAGE))
        return
    try:
        proposal = await propose_repair(
            runtime.uow(),
            user,
            household_id=int(args[0]),
            helper_id=int(args[1]) if args[1].isdigit() else None,
            helper_name=None if args[1].isdigit() else args[1],
            reason=" ".join(args[2:]),
            now=runtime.now(),
        )
    except DomainError as error:
        await message.reply_text(error.render(t))
        return
    await message.reply_html(
        request_text(proposal.request, t)
        + "\n"
        + t("Sent to {n} leader(s).").format(n=len(proposal.leaders))
    )
    for chat, language in proposal.leaders:
        lt = translator(pick_language(language, None, runtime.settings.language))
        try:
            await context.bot.send_message(
                chat,
                request_text(proposal.request, lt),
                reply_markup=decision_keyboard(proposal.request.id, lt),
                parse_mode="HTML",
            )
        except TelegramError:
            continue  # a leader who blocked the bot still sees it under /repair


async def decide(update: Update, context: BotContext) -> None:
    """A leader's Approve or Reject; a stale or forged button is answered, not obeyed."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user, t = await authorised(update, context, lambda r: r == Role.LEADER, ONLY_LEADERS)
    if user is None:
        return
    _, verdict, request_id = query.data.split(":")
    runtime = context.runtime
    now = runtime.now()
    try:
        view = await decide_repair(
            runtime.uow(),
            user,
            request_id=int(request_id),
            approve=verdict == "ok",
            today=now.astimezone(runtime.settings.tz).date(),
            now=now,
        )
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)
        return
    await edit_message(query, t, text=request_text(view, t), parse_mode="HTML")


async def close(update: Update, context: BotContext) -> None:
    """The office records that a helper rectified in time."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user, t = await authorised(update, context, lambda r: r == Role.OFFICE, ONLY_OFFICE)
    if user is None:
        return
    runtime = context.runtime
    now = runtime.now()
    try:
        view = await close_rectification(
            runtime.uow(),
            user,
            int(query.data.rsplit(":", 1)[1]),
            today=now.astimezone(runtime.settings.tz).date(),
            now=now,
        )
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)
        return
    await query.answer(
        t("Rectification of {name} recorded as done.").format(name=view.helper_name),
        show_alert=True,
    )


def handlers() -> list[BaseHandler[Update, BotContext, object]]:
    """/repair, the leader's decision buttons and the rectification button."""
    return [
        CommandHandler("repair", repair),
        CallbackQueryHandler(decide, pattern=r"^rp:(ok|no):\d+$"),
        CallbackQueryHandler(close, pattern=r"^rect:close:\d+$"),
    ]
