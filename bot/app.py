"""The composition root: settings, database, Bot API client and handlers wired together."""

from __future__ import annotations

import asyncio
import logging
import warnings
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.warnings import PTBUserWarning

from bot.config import DEFAULT_ID_HASH_KEY, Settings
from bot.photos import warm_up
from bot.runtime import Runtime
from bot.transport import AiohttpRequest
from bot.updates import PerChatUpdateProcessor
from handlers import admin, common, myvisits, onboarding, review, visits
from handlers.context import RUNTIME_KEY, BotApp, BotContext
from handlers.menu import set_default_commands
from storage.db import create_engine, session_factory
from storage.migrate import upgrade

log = logging.getLogger(__name__)

# Our conversations mix messages and buttons on purpose and track them per chat and user;
# python-telegram-bot warns about that combination at every start.
warnings.filterwarnings("ignore", message=r"If 'per_message=False'", category=PTBUserWarning)


def build_runtime(settings: Settings) -> Runtime:
    """Engine and sessions for the configured database (no connection is opened yet)."""
    engine = create_engine(settings.effective_database_url)
    return Runtime(settings=settings, engine=engine, sessions=session_factory(engine))


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    runtime: Runtime = app.bot_data[RUNTIME_KEY]
    runtime.settings.data_dir.mkdir(parents=True, exist_ok=True)
    await upgrade(runtime.engine)
    await asyncio.to_thread(warm_up)
    async with runtime.sessions() as session:
        await runtime.photo_index.refresh(session)
    await set_default_commands(app.bot)
    me = app.bot.bot
    log.info("bot @%s ready (database %s)", me.username, runtime.engine.url.get_backend_name())


async def _post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    runtime: Runtime = app.bot_data[RUNTIME_KEY]
    await runtime.engine.dispose()


def build_application(settings: Settings, runtime: Runtime | None = None) -> BotApp:
    """The python-telegram-bot Application with every feature registered."""
    if not settings.has_token:
        raise ValueError("a Telegram token is required to build the bot")
    assert settings.token is not None
    runtime = runtime or build_runtime(settings)
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .token(settings.token.get_secret_value())
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(tzinfo=settings.tz))
        .concurrent_updates(PerChatUpdateProcessor())
        .request(AiohttpRequest(pool_size=64))
        .get_updates_request(AiohttpRequest(pool_size=2))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.send_rate > 0:
        # Stay under Telegram's flood limits instead of collecting 429s; retried on 429 anyway.
        builder = builder.rate_limiter(
            AIORateLimiter(overall_max_rate=settings.send_rate, max_retries=3)
        )
    app: BotApp = builder.build()
    app.bot_data[RUNTIME_KEY] = runtime
    # One group: the first matching handler wins, so the catch-alls must come last.
    for module in (visits, onboarding, myvisits, review, admin, common):
        app.add_handlers(module.handlers())
    app.add_error_handler(common.on_error)
    return app


def run(settings: Settings) -> None:
    """Run the bot until interrupted: webhook when a URL is configured, else long polling."""
    if settings.id_hash_key.get_secret_value() == DEFAULT_ID_HASH_KEY:
        log.warning(
            "BANGFU_ID_HASH_KEY is the built-in default: set a secret key of your own before "
            "importing real ID-card numbers (their hashes depend on it)"
        )
    app = build_application(settings)
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path="telegram",
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
