"""First contact: /start, sharing the phone number, invite links, /help, /language."""

from __future__ import annotations

import html

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.config import SUPPORTED_LANGUAGES
from bot.context import (
    LANGUAGE_KEY,
    BotContext,
    current_user,
    forget_user,
    language_of,
    tr,
)
from bot.domain.errors import DomainError, NotOwnContact
from bot.domain.people import Actor
from bot.domain.vocabulary import Role
from bot.i18n import LANGUAGE_NAMES, N_, translator
from bot.services.onboarding import bind_by_contact, redeem_invite, set_language
from handlers.edits import answer_expired, edit_message
from handlers.menu import button_pattern, commands_for, main_keyboard, set_chat_commands

DEFAULT_OFFICE = N_("the county poverty-alleviation office")
ROLE_NAMES = {
    Role.HELPER: N_("helper"),
    Role.OFFICE: N_("office"),
    Role.LEADER: N_("leader"),
    Role.MEMBER: N_("department head"),
}
HELP_LINES = {
    "start": N_("/start — register or show the main menu"),
    "visit": N_("/visit — log a visit: household, location, photos, note"),
    "myvisits": N_("/myvisits — this month's visits against the quota"),
    "quota": N_("/quota — your month against the quota, and the pace it needs"),
    "remind": N_("/remind STAGE — send a reminder stage now (gentle, firm, urgent, digest)"),
    "flags": N_("/flags — visits whose evidence needs a look; clear a flag with a reason"),
    "invite": N_("/invite PHONE-or-NAME — a one-time link that registers that user"),
    "household": N_("/household [NAME] — a household's record: benefits, guarantees, income"),
    "assist": N_("/assist — record assistance given to a household"),
    "exitready": N_("/exitready — households that meet the exit standard"),
    "risk": N_("/risk — exited households at risk of falling back"),
    "coverage": N_("/coverage — policy benefit coverage by village"),
    "complaints": N_("/complaints [STATUS] — complaints from the public, and their handling"),
    "summary": N_(
        "/summary [MONTH] [AREA] — the month's figures, a chart, buttons to look closer"
    ),
    "helpers": N_("/helpers [NAME or AREA] — helpers, and each one's month and flags"),
    "export": N_("/export KIND [MONTH or YEAR] [AREA] — Excel file: visits, households, coverage"),
    "audit": N_("/audit [FILTER] — recent admin actions: who, what, when, before and after"),
    "report": N_("/report — report wrongdoing anonymously; you get a receipt code"),
    "track": N_("/track CODE — the state of your report, and the office's replies"),
    "spotcheck": N_("/spotcheck [NAME] — record a spot check on a helper (office)"),
    "appraise": N_("/appraise PERIOD — run, review, adjust and confirm an appraisal"),
    "repair": N_("/repair HOUSEHOLD-ID HELPER REASON — propose a new helper; leaders decide"),
    "myappraisal": N_("/myappraisal — your appraisal results and their breakdown"),
    "help": N_("/help — this list"),
    "language": N_("/language — 简体中文 / English"),
    "cancel": N_("/cancel — stop what you are doing; nothing confirmed is lost"),
}


def _contact_keyboard(language: str) -> ReplyKeyboardMarkup:
    t = translator(language)
    button = KeyboardButton(t("📱 Share my phone number"), request_contact=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


async def _welcome(update: Update, context: BotContext, user: Actor) -> None:
    forget_user(context)
    lang = language_of(update, context, user)
    t = translator(lang)
    role = t(ROLE_NAMES[user.role])
    text = t("Welcome, {name} ({role}). Choose from the menu below, or send /help.").format(
        name=html.escape(user.name), role=role
    )
    assert update.effective_message is not None and update.effective_chat is not None
    await update.effective_message.reply_html(text, reply_markup=main_keyboard(user.role, lang))
    await set_chat_commands(context.bot, update.effective_chat.id, user.role, lang)


async def start(update: Update, context: BotContext) -> None:
    """Greet a registered user, redeem an invite code, or ask for the phone number."""
    assert update.effective_message is not None and update.effective_user is not None
    payload = context.args[0] if context.args else ""
    if payload and not payload.startswith("visit_"):
        await _redeem(update, context, payload)
        return
    user = await current_user(update, context)
    if user is not None:
        await _welcome(update, context, user)
        return
    lang = language_of(update, context, None)
    t = translator(lang)
    await update.effective_message.reply_text(
        t(
            "Welcome to the pairing-assistance bot. To register, please share your phone "
            "number with the button below; it must be the number the office has on file."
        ),
        reply_markup=_contact_keyboard(lang),
    )


async def _redeem(update: Update, context: BotContext, code: str) -> None:
    assert update.effective_message is not None and update.effective_user is not None
    runtime = context.runtime
    try:
        binding = await redeem_invite(
            runtime.uow(), code=code, telegram_id=update.effective_user.id, now=runtime.now()
        )
    except DomainError as error:
        await update.effective_message.reply_text(error.render(tr(update, context, None)))
        return
    await _welcome(update, context, binding.actor)


async def contact(update: Update, context: BotContext) -> None:
    """Bind the sender's account when they share their own, registered phone number."""
    message = update.effective_message
    assert message is not None and message.contact is not None and update.effective_user
    lang = language_of(update, context, None)
    t = translator(lang)
    own = message.contact.user_id == update.effective_user.id
    if not own or message.forward_origin is not None:
        await message.reply_text(NotOwnContact().render(t), reply_markup=_contact_keyboard(lang))
        return
    runtime = context.runtime
    try:
        binding = await bind_by_contact(
            runtime.uow(),
            telegram_id=update.effective_user.id,
            phone=message.contact.phone_number,
            now=runtime.now(),
            office=runtime.settings.office_contact or t(DEFAULT_OFFICE),
        )
    except DomainError as error:
        await message.reply_text(error.render(t), reply_markup=_contact_keyboard(lang))
        return
    await _welcome(update, context, binding.actor)


async def help_command(update: Update, context: BotContext) -> None:
    """List what the sender's role can do."""
    assert update.effective_message is not None
    user = await current_user(update, context)
    t = tr(update, context, user)
    role = user.role if user else None
    lines = [t("What you can do:")]
    lines += [t(HELP_LINES[name]) for name, _ in commands_for(role) if name in HELP_LINES]
    if user is None:
        lines.append(t("Not registered yet: send /start and share your phone number."))
    await update.effective_message.reply_text("\n".join(lines))


async def language_command(update: Update, context: BotContext) -> None:
    """Offer the shipped languages as buttons."""
    assert update.effective_message is not None
    buttons = [
        InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=f"lang:{code}")
        for code in SUPPORTED_LANGUAGES
    ]
    t = tr(update, context, await current_user(update, context))
    await update.effective_message.reply_text(
        t("Choose a language:"), reply_markup=InlineKeyboardMarkup([buttons])
    )


async def language_chosen(update: Update, context: BotContext) -> None:
    """Save the chosen language and re-send the menu in it."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user is not None
    code = query.data.removeprefix("lang:")
    if code not in SUPPORTED_LANGUAGES:
        await answer_expired(query, tr(update, context, await current_user(update, context)))
        return
    if context.user_data is not None:
        context.user_data[LANGUAGE_KEY] = code
    await set_language(context.runtime.uow(), update.effective_user.id, code)
    forget_user(context)
    user = await current_user(update, context)
    t = translator(code)
    text = t("Language set: {name}.").format(name=LANGUAGE_NAMES[code])
    if not await edit_message(query, t, text=text):
        return
    assert update.effective_chat is not None
    role = user.role if user else None
    await set_chat_commands(context.bot, update.effective_chat.id, role, code)
    if user is not None:
        await context.bot.send_message(
            update.effective_chat.id,
            t("Menu updated."),
            reply_markup=main_keyboard(user.role, code),
        )


def handlers() -> list[BaseHandler[Update, BotContext, object]]:
    """The onboarding handlers, in the order they must be tried."""
    return [
        CommandHandler("start", start),
        MessageHandler(filters.CONTACT, contact),
        CommandHandler("help", help_command),
        MessageHandler(filters.Regex(button_pattern("help")), help_command),
        CommandHandler("language", language_command),
        CallbackQueryHandler(language_chosen, pattern=r"^lang:"),
    ]
