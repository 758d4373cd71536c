"""Command menus and the main reply keyboard, per role and language."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import MessageHandler, filters

from bot.config import SUPPORTED_LANGUAGES
from bot.context import BotContext
from bot.domain.roles import is_admin
from bot.domain.vocabulary import Role
from bot.i18n import N_, translator

# (command, description) pairs; descriptions are message ids translated per language.
REPORT_COMMANDS = (
    ("report", N_("Report wrongdoing anonymously")),
    ("track", N_("Follow a report with its receipt code")),
)
GUEST_COMMANDS = (
    ("start", N_("Start and register with your phone number")),
    *REPORT_COMMANDS,
    ("help", N_("What this bot can do")),
    ("language", N_("Switch language / 切换语言")),
    ("cancel", N_("Cancel the current step")),
)
HELPER_COMMANDS = (
    ("visit", N_("Log a visit to a household")),
    ("myvisits", N_("My visits this month")),
    ("household", N_("A household's record: benefits, guarantees, income, plan")),
    ("assist", N_("Record assistance given to a household")),
    ("quota", N_("My month against the visit quota")),
    ("myappraisal", N_("My appraisal results")),
    *REPORT_COMMANDS,
    ("help", N_("What this bot can do")),
    ("language", N_("Switch language / 切换语言")),
    ("cancel", N_("Cancel the current step")),
)
ADMIN_COMMANDS = (
    ("flags", N_("Visits with evidence flags")),
    ("invite", N_("Create a one-time invite link")),
    ("household", N_("Find a household's record by name")),
    ("exitready", N_("Households ready to exit poverty")),
    ("risk", N_("Exited households at risk of falling back")),
    ("coverage", N_("Policy benefit coverage")),
    ("complaints", N_("Complaints from the public")),
    ("remind", N_("Send a reminder stage now: /remind firm")),
    ("summary", N_("The month's summary with a chart")),
    ("helpers", N_("Helpers and their month")),
    ("export", N_("Export to Excel: visits, households, coverage")),
    ("audit", N_("Recent admin actions")),
    ("spotcheck", N_("Record a spot check on a helper")),
    ("appraise", N_("Appraise helpers: /appraise 2026-11, 2026Q4 or 2026")),
    ("repair", N_("Re-pair a household with another helper (a leader approves)")),
    *REPORT_COMMANDS,
    ("help", N_("What this bot can do")),
    ("language", N_("Switch language / 切换语言")),
    ("cancel", N_("Cancel the current step")),
)
MEMBER_COMMANDS = (
    ("complaints", N_("Complaints assigned to me")),
    ("summary", N_("The month's summary with a chart")),
    ("helpers", N_("Helpers and their month")),
    ("export", N_("Export to Excel: visits, households, coverage")),
    ("audit", N_("Recent admin actions")),
    *GUEST_COMMANDS[1:],
)

# Main-menu buttons: (command they stand for, label message id).
HELPER_BUTTONS = (
    ("visit", N_("📍 Log a visit")),
    ("myvisits", N_("📋 My month")),
    ("household", N_("🏠 Households")),
)
ADMIN_BUTTONS = (("flags", N_("🚩 Flags")), ("invite", N_("🔗 Invite")))
COMMON_BUTTONS = (("report", N_("📣 Report")), ("help", N_("❓ Help")))


def commands_for(role: Role | None) -> Sequence[tuple[str, str]]:
    """The command list shown to a role (None: not registered yet)."""
    if role is None:
        return GUEST_COMMANDS
    if role == Role.HELPER:
        return HELPER_COMMANDS
    if is_admin(role):
        return ADMIN_COMMANDS
    return MEMBER_COMMANDS


def bot_commands(role: Role | None, language: str) -> list[BotCommand]:
    """Translated BotCommand objects for a role."""
    t = translator(language)
    return [BotCommand(name, t(desc)) for name, desc in commands_for(role)]


def main_keyboard(role: Role | None, language: str) -> ReplyKeyboardMarkup | None:
    """The persistent main-menu keyboard of a role."""
    if role is None:
        return None
    t = translator(language)
    buttons = (HELPER_BUTTONS if role == Role.HELPER else ()) + (
        ADMIN_BUTTONS if is_admin(role) else ()
    )
    rows = [[KeyboardButton(t(label)) for _, label in buttons]] if buttons else []
    rows.append([KeyboardButton(t(label)) for _, label in COMMON_BUTTONS])
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def label_pattern(*message_ids: str) -> re.Pattern[str]:
    """A regex matching a keyboard label exactly, in every shipped language."""
    labels = {translator(lang)(m) for lang in SUPPORTED_LANGUAGES for m in message_ids}
    return re.compile("^(" + "|".join(re.escape(label) for label in sorted(labels)) + ")$")


def button_pattern(command: str) -> re.Pattern[str]:
    """A regex matching the main-menu button for `command` in every shipped language."""
    return label_pattern(
        *(
            label
            for cmd, label in HELPER_BUTTONS + ADMIN_BUTTONS + COMMON_BUTTONS
            if cmd == command
        )
    )


MenuAction = Callable[[Update, BotContext], Awaitable[object]]
MenuActions = Mapping[str, MenuAction]
ALL_BUTTONS = HELPER_BUTTONS + ADMIN_BUTTONS + COMMON_BUTTONS


def command_of_label(text: str | None) -> str | None:
    """The command a main-menu label stands for, in any shipped language."""
    if text is None:
        return None
    for command, label in ALL_BUTTONS:
        if any(translator(lang)(label) == text for lang in SUPPORTED_LANGUAGES):
            return command
    return None


def menu_buttons_inside(
    actions: MenuActions,
    after: Callable[[Update, BotContext], Awaitable[object]] | None = None,
    *,
    except_commands: Sequence[str] = (),
) -> MessageHandler[BotContext, object]:
    """For a conversation's states: a main-menu button does what it says, never becomes data.

    The feature opens and the conversation stays where it was, with its draft, so nothing is
    lost; `after` then reminds the user what the conversation is waiting for.
    """
    commands = [c for c, _ in ALL_BUTTONS if c not in except_commands]
    labels = [label for c, label in ALL_BUTTONS if c in commands]

    async def pressed(update: Update, context: BotContext) -> None:
        message = update.effective_message
        action = actions.get(command_of_label(message.text if message else None) or "")
        if action is not None:
            await action(update, context)
        if after is not None:
            await after(update, context)

    return MessageHandler(
        filters.Regex(label_pattern(*labels)) & filters.UpdateType.MESSAGE, pressed
    )


async def set_default_commands(bot: Bot) -> None:
    """The menu everyone sees before registering, in each shipped language."""
    for lang in SUPPORTED_LANGUAGES:
        await bot.set_my_commands(
            bot_commands(None, lang), scope=BotCommandScopeDefault(), language_code=lang[:2]
        )
    await bot.set_my_commands(bot_commands(None, "zh-CN"), scope=BotCommandScopeDefault())


async def set_chat_commands(bot: Bot, chat_id: int, role: Role | None, language: str) -> None:
    """The menu of one registered user, in their language; failures only cost the menu."""
    try:
        await bot.set_my_commands(bot_commands(role, language), scope=BotCommandScopeChat(chat_id))
    except TelegramError:
        return
