"""/spotcheck: the office records a check on a helper (平時考核), mostly with buttons.

Helper (found by part of a name) → kind of check → household → satisfaction → findings →
Save. Nothing is stored before Save; a repeated Save stores one check.
"""

from __future__ import annotations

import dataclasses
import html
import secrets
from datetime import timedelta

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
from bot.domain.errors import DomainError
from bot.domain.spotcheck import MAX_FINDINGS, METHOD_NAMES, SpotCheckDraft
from bot.domain.vocabulary import CheckMethod
from bot.i18n import N_, Translate
from bot.services.spotcheck import (
    find_helpers,
    helper_households,
    may_spot_check,
    record_spot_check,
)
from handlers.context import authorised
from handlers.edits import answer_expired, edit_message
from handlers.longtext import text_within
from handlers.menu import MenuActions, menu_buttons_inside

NAME, HELPER, METHOD, HOUSEHOLD, SATISFACTION, FINDINGS, CONFIRM = range(7)
KEY = "spotcheck_draft"
ONLY_OFFICE = N_("Only the office records spot checks.")
MAX_HOUSEHOLDS = 12
ASK_NAME = N_("Which helper was checked? Write part of their name, or /cancel.")
WAITING = {
    NAME: ASK_NAME,
    HELPER: N_("Choose the helper with a button above, or write another name."),
    METHOD: N_("Choose how the helper was checked with a button above, or /cancel."),
    HOUSEHOLD: N_("Choose the household with a button above, or /cancel."),
    SATISFACTION: N_("Choose the household's satisfaction with a button above, or /cancel."),
    FINDINGS: N_("Write the findings, or press “No findings” above; /cancel stops."),
    CONFIRM: N_("Press Save or Discard above."),
}
STATE = "spotcheck_state"


def _draft(context: BotContext) -> SpotCheckDraft | None:
    found = context.user_data.get(KEY) if context.user_data is not None else None
    return found if isinstance(found, SpotCheckDraft) else None


def _keep(context: BotContext, draft: SpotCheckDraft | None, state: int) -> int:
    if context.user_data is not None:
        if draft is None:
            context.user_data.pop(KEY, None)
        else:
            context.user_data[KEY] = draft
        if state == ConversationHandler.END:
            context.user_data.pop(STATE, None)
        else:
            context.user_data[STATE] = state
    return state


def _summary(draft: SpotCheckDraft, t: Translate) -> str:
    satisfaction = str(draft.satisfaction) if draft.satisfaction else t("not asked")
    method = t(METHOD_NAMES[draft.method]) if draft.method else ""
    return "\n".join(
        [
            t("Spot check of {name}").format(name=html.escape(draft.helper_name)),
            t("Kind: {kind}").format(kind=method),
            t("Household: {name}").format(
                name=html.escape(draft.household_name or t("none in particular"))
            ),
            t("Satisfaction: {n}").format(n=satisfaction),
            t("Findings: {text}").format(text=html.escape(draft.findings or t("none"))),
        ]
    )


async def _search(update: Update, context: BotContext, text: str) -> int:
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, may_spot_check, ONLY_OFFICE)
    if user is None:
        return _keep(context, None, ConversationHandler.END)
    helpers = await find_helpers(context.runtime.uow(), user, text)
    if not helpers:
        await message.reply_text(
            t("No helper in your scope matches “{text}”. Write another part of the name.").format(
                text=text
            )
        )
        return NAME
    rows = [[InlineKeyboardButton(h.name, callback_data=f"spot:h:{h.id}")] for h in helpers]
    await message.reply_text(t("Which helper?"), reply_markup=InlineKeyboardMarkup(rows))
    return HELPER


async def start(update: Update, context: BotContext) -> int:
    """Begin a spot check: find the helper by the name given, or ask for one."""
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, may_spot_check, ONLY_OFFICE)
    if user is None:
        return ConversationHandler.END
    _keep(context, None, NAME)
    name = " ".join(context.args or []).strip()
    if name:
        return _keep(context, None, await _search(update, context, name))
    await message.reply_text(t(ASK_NAME))
    return NAME


async def got_name(update: Update, context: BotContext) -> int:
    """Search the helpers by the part of a name written."""
    message = update.effective_message
    assert message is not None
    t = tr(update, context, await current_user(update, context))
    text = await text_within(message, t, 50)
    if not text:
        return NAME
    return _keep(context, None, await _search(update, context, text))


async def chose_helper(update: Update, context: BotContext) -> int:
    """The helper is chosen: ask how they were checked."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user, t = await authorised(update, context, may_spot_check, ONLY_OFFICE)
    if user is None:
        return _keep(context, None, ConversationHandler.END)
    try:
        helper, _ = await helper_households(
            context.runtime.uow(), user, int(query.data.rsplit(":", 1)[1])
        )
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)
        return HELPER
    draft = SpotCheckDraft(
        token=secrets.token_hex(8), helper_id=helper.id, helper_name=helper.name
    )
    rows = [
        [InlineKeyboardButton(t(label), callback_data=f"spot:m:{method.value}")]
        for method, label in METHOD_NAMES.items()
    ]
    await edit_message(
        query,
        t,
        text=t("How was {name} checked?").format(name=helper.name),
        markup=InlineKeyboardMarkup(rows),
    )
    return _keep(context, draft, METHOD)


async def chose_method(update: Update, context: BotContext) -> int:
    """The kind of check is chosen: ask which household it concerned."""
    query = update.callback_query
    assert query is not None and query.data is not None
    draft = _draft(context)
    user, t = await authorised(update, context, may_spot_check, ONLY_OFFICE)
    if user is None or draft is None:
        if user is not None:
            await answer_expired(query, t)
        return _keep(context, None, ConversationHandler.END)
    try:
        method = CheckMethod(query.data.rsplit(":", 1)[1])
        _, households = await helper_households(context.runtime.uow(), user, draft.helper_id)
    except (ValueError, DomainError):
        await answer_expired(query, t)
        return _keep(context, None, ConversationHandler.END)
    draft = dataclasses.replace(draft, method=method)
    rows = [
        [InlineKeyboardButton(name, callback_data=f"spot:hh:{hid}")]
        for hid, name in households[:MAX_HOUSEHOLDS]
    ]
    rows.append([InlineKeyboardButton(t("None in particular"), callback_data="spot:hh:none")])
    await edit_message(
        query,
        t,
        text=t("Which household did the check concern?"),
        markup=InlineKeyboardMarkup(rows),
    )
    return _keep(context, draft, HOUSEHOLD)


def _satisfaction_keyboard(t: Translate) -> InlineKeyboardMarkup:
    scores = [InlineKeyboardButton(str(n), callback_data=f"spot:s:{n}") for n in range(1, 6)]
    skip = InlineKeyboardButton(t("Not asked"), callback_data="spot:s:none")
    return InlineKeyboardMarkup([scores, [skip]])


async def chose_household(update: Update, context: BotContext) -> int:
    """The household is chosen: ask for its satisfaction."""
    query = update.callback_query
    assert query is not None and query.data is not None
    draft = _draft(context)
    user, t = await authorised(update, context, may_spot_check, ONLY_OFFICE)
    if user is None or draft is None:
        if user is not None:
            await answer_expired(query, t)
        return _keep(context, None, ConversationHandler.END)
    choice = query.data.rsplit(":", 1)[1]
    household_id, name = None, None
    if choice != "none":
        _, households = await helper_households(context.runtime.uow(), user, draft.helper_id)
        found = dict(households).get(int(choice))
        if found is None:  # not (or no longer) the helper's household: a forged or old button
            await answer_expired(query, t)
            return HOUSEHOLD
        household_id, name = int(choice), found
    draft = dataclasses.replace(draft, household_id=household_id, household_name=name)
    await edit_message(
        query,
        t,
        text=t("How satisfied is the household with the helper (1 = not at all, 5 = very)?"),
        markup=_satisfaction_keyboard(t),
    )
    return _keep(context, draft, SATISFACTION)


async def chose_satisfaction(update: Update, context: BotContext) -> int:
    """Satisfaction is chosen: ask for the findings."""
    query = update.callback_query
    assert query is not None and query.data is not None
    draft = _draft(context)
    t = tr(update, context, await current_user(update, context))
    if draft is None:
        await answer_expired(query, t)
        return _keep(context, None, ConversationHandler.END)
    choice = query.data.rsplit(":", 1)[1]
    draft = dataclasses.replace(draft, satisfaction=None if choice == "none" else int(choice))
    skip = InlineKeyboardButton(t("No findings"), callback_data="spot:f:none")
    await edit_message(
        query,
        t,
        text=t("Write what the check found (up to {max} characters).").format(max=MAX_FINDINGS),
        markup=InlineKeyboardMarkup([[skip]]),
    )
    return _keep(context, draft, FINDINGS)


def _confirm_keyboard(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t("💾 Save"), callback_data="spot:save"),
                InlineKeyboardButton(t("✖ Discard"), callback_data="spot:drop"),
            ]
        ]
    )


async def got_findings(update: Update, context: BotContext) -> int:
    """The findings are written: show the check to confirm."""
    message = update.effective_message
    assert message is not None
    draft = _draft(context)
    t = tr(update, context, await current_user(update, context))
    text = await text_within(message, t, MAX_FINDINGS)
    if draft is None:
        return _keep(context, None, ConversationHandler.END)
    if text is None:
        return FINDINGS
    draft = dataclasses.replace(draft, findings=text or None)
    await message.reply_html(_summary(draft, t), reply_markup=_confirm_keyboard(t))
    return _keep(context, draft, CONFIRM)


async def no_findings(update: Update, context: BotContext) -> int:
    """Nothing was found: show the check to confirm."""
    query = update.callback_query
    assert query is not None
    draft = _draft(context)
    t = tr(update, context, await current_user(update, context))
    if draft is None:
        await answer_expired(query, t)
        return _keep(context, None, ConversationHandler.END)
    draft = dataclasses.replace(draft, findings=None)
    await edit_message(
        query, t, text=_summary(draft, t), markup=_confirm_keyboard(t), parse_mode="HTML"
    )
    return _keep(context, draft, CONFIRM)


async def save(update: Update, context: BotContext) -> int:
    """Store the check (once, however often Save arrives)."""
    query = update.callback_query
    assert query is not None
    draft = _draft(context)
    user, t = await authorised(update, context, may_spot_check, ONLY_OFFICE)
    if user is None or draft is None:
        if user is not None:
            await answer_expired(query, t)
        return _keep(context, None, ConversationHandler.END)
    runtime = context.runtime
    try:
        check_id = await record_spot_check(runtime.uow(), user, draft, now=runtime.now())
    except DomainError as error:
        await query.answer(error.render(t), show_alert=True)
        return _keep(context, None, ConversationHandler.END)
    await edit_message(
        query,
        t,
        text=_summary(draft, t) + "\n\n" + t("Saved as spot check #{id}.").format(id=check_id),
        parse_mode="HTML",
    )
    return _keep(context, None, ConversationHandler.END)


async def discard(update: Update, context: BotContext) -> int:
    """Drop the draft."""
    query = update.callback_query
    assert query is not None
    t = tr(update, context, await current_user(update, context))
    await edit_message(query, t, text=t("Spot check discarded."))
    return _keep(context, None, ConversationHandler.END)


async def cancel(update: Update, context: BotContext) -> int:
    """Stop; nothing was stored."""
    message = update.effective_message
    assert message is not None
    t = tr(update, context, await current_user(update, context))
    await message.reply_text(t("Cancelled. No spot check was stored."))
    return _keep(context, None, ConversationHandler.END)


async def remind(update: Update, context: BotContext) -> None:
    """Say what the conversation waits for (after a menu feature opened, or stray input)."""
    message = update.effective_message
    state = context.user_data.get(STATE) if context.user_data is not None else None
    if message is None or not isinstance(state, int) or state not in WAITING:
        return
    t = tr(update, context, await current_user(update, context))
    await message.reply_text(t(WAITING[state]))


async def stale(update: Update, context: BotContext) -> None:
    """A button of a spot check that is no longer in progress."""
    query = update.callback_query
    assert query is not None
    await answer_expired(query, tr(update, context, await current_user(update, context)))


def handlers(menu: MenuActions) -> list[BaseHandler[Update, BotContext, object]]:
    """The /spotcheck conversation and the answer to its stale buttons."""
    new = filters.UpdateType.MESSAGE
    text = filters.TEXT & ~filters.COMMAND & new

    def state(
        *more: BaseHandler[Update, BotContext, object],
    ) -> list[BaseHandler[Update, BotContext, object]]:
        return [menu_buttons_inside(menu, remind), *more]

    conversation: ConversationHandler[BotContext] = ConversationHandler(
        entry_points=[CommandHandler("spotcheck", start)],
        states={
            NAME: state(MessageHandler(text, got_name)),
            HELPER: state(
                CallbackQueryHandler(chose_helper, pattern=r"^spot:h:\d+$"),
                MessageHandler(text, got_name),
            ),
            METHOD: state(CallbackQueryHandler(chose_method, pattern=r"^spot:m:\w+$")),
            HOUSEHOLD: state(
                CallbackQueryHandler(chose_household, pattern=r"^spot:hh:(\d+|none)$")
            ),
            SATISFACTION: state(
                CallbackQueryHandler(chose_satisfaction, pattern=r"^spot:s:([1-5]|none)$")
            ),
            FINDINGS: state(
                CallbackQueryHandler(no_findings, pattern=r"^spot:f:none$"),
                MessageHandler(text, got_findings),
            ),
            CONFIRM: state(
                CallbackQueryHandler(save, pattern=r"^spot:save$"),
                CallbackQueryHandler(discard, pattern=r"^spot:drop$"),
            ),
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CommandHandler("spotcheck", start),
            MessageHandler(new & ~filters.COMMAND & ~filters.StatusUpdate.ALL, remind),
        ],
        name="spotcheck",
        persistent=True,  # resumed after a restart (bot/persistence.py)
        conversation_timeout=timedelta(hours=1),
        allow_reentry=True,
    )
    return [conversation, CallbackQueryHandler(stale, pattern=r"^spot:")]
