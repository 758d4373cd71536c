"""The composition root: settings, database, Bot API client and handlers wired together.

Every entry point (`bangfu run`, the sandbox, the CLI commands, the tests) builds the
runtime and the application through these functions. This is the one module of the core
that imports `handlers/`: it has to register them.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.warnings import PTBUserWarning

from bot import allocator
from bot.botapi import BotApiClient
from bot.config import Settings
from bot.context import REMINDERS_KEY, RUNTIME_KEY, BotApp, BotContext
from bot.domain.reminders import ReminderRules, parse_quiet_hours, parse_schedule
from bot.persistence import DatabasePersistence
from bot.photos import warm_up
from bot.runtime import Runtime, build_runtime, migrate
from bot.sending import RetryingRateLimiter
from bot.services.reminder_service import ChoreRules, ReminderService
from bot.services.reminders import Messenger
from bot.state_codec import StateCodec
from bot.transport import AiohttpRequest
from bot.updates import PerChatUpdateProcessor
from handlers import all_handlers, guards, on_error, set_default_commands
from handlers.duplicates import SeenUpdates
from handlers.duplicates import guard as duplicate_guard
from handlers.state_types import STATE_TYPES
from reminders.complaints import schedule as schedule_complaint_reminders
from reminders.ptb import PtbMessenger, install
from reminders.rectifications import schedule as schedule_rectifications
from reminders.standalone import run_loop

log = logging.getLogger(__name__)
# The job that searches the archive for visits whose search never ran or failed.
ARCHIVE_JOB = "archive-catch-up"
# The job that hands the allocator's free pages back (bot/allocator.py).
MEMORY_JOB = "memory-trim"

# Our conversations mix messages and buttons on purpose and track them per chat and user;
# python-telegram-bot warns about that combination at every start.
warnings.filterwarnings("ignore", message=r"If 'per_message=False'", category=PTBUserWarning)


async def prepare(runtime: Runtime) -> None:
    """Make the runtime ready once: data folder, tables migrated, photo index and codecs warm."""
    if runtime.prepared:
        return
    runtime.settings.data_dir.mkdir(parents=True, exist_ok=True)
    await migrate(runtime)
    await asyncio.to_thread(warm_up)
    runtime.prepared = True


def reminder_rules_from(settings: Settings) -> ReminderRules:
    """The reminder schedule and quiet hours of the deployment's settings."""
    return ReminderRules(
        schedule=parse_schedule(settings.reminder_schedule),
        quiet=parse_quiet_hours(settings.quiet_hours),
        tz=settings.tz,
    )


def build_reminder_service(runtime: Runtime, messenger: Messenger) -> ReminderService:
    """Reminder stages and chores on the runtime's database, sent through `messenger`."""
    settings = runtime.settings
    return ReminderService(
        runtime.uow,
        messenger,
        reminder_rules_from(settings),
        default_quota=settings.visit_quota,
        default_language=settings.language,
        chores=ChoreRules(
            data_dir=settings.data_dir,
            photo_age=timedelta(days=settings.photo_retention_days),
            hour=settings.housekeeping_hour,
        ),
        clock=runtime.now,
    )


def build_persistence(runtime: Runtime) -> DatabasePersistence:
    """Conversation state in the runtime's database, so a restart resumes open conversations."""
    settings = runtime.settings
    return DatabasePersistence(
        runtime.uow,
        StateCodec(STATE_TYPES),
        ttl=timedelta(days=settings.state_ttl_days),
        clock=runtime.now,
        update_interval=settings.state_flush_seconds,
        ready=lambda: prepare(runtime),
    )


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    runtime: Runtime = app.bot_data[RUNTIME_KEY]
    await prepare(runtime)
    await set_default_commands(app.bot)
    # /remind needs the service even where the scheduler runs in its own process.
    service = build_reminder_service(runtime, PtbMessenger(app))
    app.bot_data[REMINDERS_KEY] = service
    if runtime.settings.reminders_in_bot:
        names = install(app, service, interval=float(runtime.settings.reminder_interval))
        log.info("reminder jobs: %s", ", ".join(names))
    me = app.bot.bot
    log.info("bot @%s ready (database %s)", me.username, runtime.engine.url.get_backend_name())


async def _post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    runtime: Runtime = app.bot_data[RUNTIME_KEY]
    await runtime.archive.close()
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
        .request(
            AiohttpRequest(
                pool_size=64, read_timeout=settings.api_timeout, write_timeout=settings.api_timeout
            )
        )
        .get_updates_request(AiohttpRequest(pool_size=2))
        .post_init(_post_init)
        .persistence(build_persistence(runtime))
        .post_shutdown(_post_shutdown)
    )
    # Stay under Telegram's flood limits instead of collecting 429s, and retry what a flaky
    # Bot API loses (docs/reliability.md); a send rate of 0 keeps only the retries.
    builder = builder.rate_limiter(
        RetryingRateLimiter(
            overall_max_rate=settings.send_rate,
            group_max_rate=20 if settings.send_rate > 0 else 0,
            max_retries=5,
        )
    )
    app: BotApp = builder.build()
    app.bot_data[RUNTIME_KEY] = runtime
    # One group: the first matching handler wins, so the catch-alls come last.
    handlers = all_handlers()
    app.add_handlers(handlers)
    if isinstance(app.persistence, DatabasePersistence):
        app.persistence.follow_timeouts(handlers)
    # Guards see every update first; one that answers stops it there.
    app.add_handlers(guards(), group=-1)
    # Before everything: a redelivered update (same id) is handled once.
    app.add_handler(duplicate_guard(SeenUpdates()), group=-2)
    app.add_error_handler(on_error)
    if app.job_queue is not None:
        schedule_complaint_reminders(app.job_queue, settings.tz)
        schedule_rectifications(app.job_queue, settings.tz)
        app.job_queue.run_repeating(_archive_catch_up, interval=60.0, first=20.0, name=ARCHIVE_JOB)
        app.job_queue.run_repeating(_release_memory, interval=60.0, first=60.0, name=MEMORY_JOB)
    return app


async def _release_memory(context: BotContext) -> None:
    """Hand the allocator's free pages back: freed photo buffers otherwise stay resident."""
    allocator.trim()


async def _archive_catch_up(context: BotContext) -> None:
    """Search the archive for photos of visits whose search after the save never ran."""
    runtime: Runtime = context.application.bot_data[RUNTIME_KEY]
    await runtime.archive.catch_up(wait=False)


@asynccontextmanager
async def polling(app: BotApp) -> AsyncIterator[BotApp]:
    """Run the application by long polling inside an event loop someone else owns.

    The same life cycle as `run_polling`: initialise, post_init, poll, start; and on the way
    out stop, shut down, post_shutdown.
    """
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES
        )
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def run(settings: Settings) -> None:
    """Run the bot until interrupted: webhook when a URL is configured, else long polling."""
    # Before the worker threads start: arenas are created with the threads.
    allocator.tune()
    if settings.builtin_id_key:
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


async def run_reminders(settings: Settings, *, once: bool = False) -> int:
    """`bangfu reminders`: the scheduler alone, sending through our own Bot API client."""
    if settings.token is None:
        raise ValueError("a Telegram token is required to send reminders")
    runtime = build_runtime(settings)
    client = BotApiClient(
        settings.api_url, settings.token.get_secret_value(), rate=settings.send_rate or 30.0
    )
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await migrate(runtime)
        me = await client.get_me()
        service = build_reminder_service(runtime, client)
        log.info("reminders for @%s running apart from the bot", me.get("username"))
        stop = asyncio.Event()
        if once:
            stop.set()
            await service.tick()
            return 0
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        await run_loop(service, interval=float(settings.reminder_interval), stop=stop)
        return 0
    finally:
        await client.aclose()
        await runtime.engine.dispose()
