"""Command menus and the main reply keyboard, per role and language."""

from __future__ import annotations

import re
from collections.abc import Sequence

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.error import TelegramError

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import N_, translator
from bot.roles import is_admin
from storage.enums import Role

# (command, description) pairs; descriptions are message ids translated per language.
GUEST_COMMANDS = (
    ("start", N_("Start and register with your phone number")),
    ("help", N_("What this bot can do")),
    ("language", N_("Switch language / 切换语言")),
    ("cancel", N_("Cancel the current step")),
)
HELPER_COMMANDS = (
    ("visit", N_("Log a visit to a household")),
    ("myvisits", N_("My visits this month")),
    ("help", N_("What this bot can do")),
    ("language", N_("Switch language / 切换语言")),
    ("cancel", N_("Cancel the current step")),
)
ADMIN_COMMANDS = (
    ("flags", N_("Visits with evidence flags")),
    ("invite", N_("Create a one-time invite link")),
    ("help", N_("What this bot can do")),
    ("language", N_("Switch language / 切换语言")),
    ("cancel", N_("Cancel the current step")),
)
MEMBER_COMMANDS = GUEST_COMMANDS[1:]

# Main-menu buttons: (command they stand for, label message id).
HELPER_BUTTONS = (("visit", N_("📍 Log a visit")), ("myvisits", N_("📋 My month")))
ADMIN_BUTTONS = (("flags", N_("🚩 Flags")), ("invite", N_("🔗 Invite")))
COMMON_BUTTONS = (("help", N_("❓ Help")),)


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
