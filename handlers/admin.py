"""Admin commands that manage people: /invite."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.domain.roles import can_invite
from bot.services.onboarding import create_invite
from handlers.context import authorised
from handlers.menu import button_pattern


async def invite(update: Update, context: BotContext) -> None:
    """Create a one-time deep link that registers the named user on whoever opens it."""
    message = update.effective_message
    assert message is not None
    user, t = await authorised(update, context, can_invite)
    if user is None:
        return
    target = " ".join(context.args or []).strip()
    if not target:
        await message.reply_text(
            t(
                "Usage: /invite PHONE-or-NAME\n"
                "For example: /invite 13800000001\n"
                "The user must already be imported; the link works once."
            )
        )
        return
    runtime = context.runtime
    hours = runtime.settings.invite_hours
    try:
        created = await create_invite(
            runtime.uow(),
            user,
            target=target,
            now=runtime.now(),
            valid_for=timedelta(hours=hours),
        )
    except DomainError as error:
        await message.reply_text(error.render(t))
        return
    link = f"https://t.me/{context.bot.username}?start={created.code}"
    expires = created.expires_at.astimezone(runtime.settings.tz)
    await message.reply_text(
        t("One-time invite link (valid until {expires}):\n{link}").format(
            expires=expires.strftime("%Y-%m-%d %H:%M"), link=link
        ),
        link_preview_options=None,
    )


def handlers() -> list[BaseHandler[Update, BotContext, object]]:
    """The people-management handlers."""
    return [
        CommandHandler("invite", invite),
        MessageHandler(filters.Regex(button_pattern("invite")), invite),
    ]
