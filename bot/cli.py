"""The `bangfu` command: run the bot, the sandbox, database and data chores."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from importlib.metadata import PackageNotFoundError, entry_points, version
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot import redaction
from bot.config import Settings, database_display, describe_errors
from bot.preflight import StartupProblem, check_data_dir, check_database, preflight

Handler = Callable[[Settings, argparse.Namespace], Awaitable[int] | int]

# Subcommands that open the configured database: it is checked before they start.
_DATABASE_COMMANDS = frozenset({"db", "import", "admin", "export", "reminders"})

RUN_EPILOG = """\
Settings are environment variables, also read from the file .env in the working folder.
Photos, exports and the default SQLite database go to the data folder: BANGFU_DATA_DIR,
default ./data. Every variable is documented in README.md, section "Configuration".
Without BANGFU_TOKEN this starts the sandbox (see docs/sandbox.md)."""


def _say(message: str, *, error: bool = True) -> None:
    """Print a line for the operator, with every secret masked."""
    print(redaction.redact(message), file=sys.stderr if error else sys.stdout, flush=True)


def _remember_secrets(settings: Settings) -> None:
    redaction.add_secret(settings.token.get_secret_value() if settings.token else None, token=True)
    for secret in (settings.webhook_secret, settings.id_hash_key):
        redaction.add_secret(secret.get_secret_value() if secret else None)
    if settings.database_url:
        redaction.add_secret(make_url(settings.database_url).password)


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    redaction.install()
    # httpx logs every request at INFO; the URLs are masked, but one line per poll is noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # python-telegram-bot's debug lines carry whole updates and Bot API calls: user ids,
    # names, message text. A complaint's reporter must appear in no log (docs/privacy.md),
    # so the library never logs below INFO, whatever BANGFU_LOG_LEVEL says.
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLogger().level))


def _version() -> str:
    try:
        return version("bangfu")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _sandbox() -> ModuleType | None:
    """The sandbox package, found through its entry point (the core never imports it)."""
    for entry in entry_points(group="bangfu.sandbox", name="sandbox"):
        module: ModuleType = entry.load()
        return module
    return None


def _cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.has_token:
        sandbox = _sandbox()
        if sandbox is None:
            _say("bangfu: set BANGFU_TOKEN to run the bot.")
            return 2
        check_data_dir(settings)
        _say(
            "No Telegram token is configured (set BANGFU_TOKEN): starting the sandbox instead, "
            "the bot against the built-in Bot API emulator with a demo county.",
            error=False,
        )
        result: int = sandbox.run_without_token(settings)
        return result
    # Every setting is tried before anything starts: a wrong one is a sentence, not a traceback.
    asyncio.run(preflight(settings))
    from bot.app import run

    run(settings)
    return 0


async def _cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime import build_runtime, migrate
    from storage.migrate import current_revision

    runtime = build_runtime(settings)
    engine = runtime.engine
    try:
        before = await current_revision(engine)
        await migrate(runtime)
        after = await current_revision(engine)
    finally:
        await engine.dispose()
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        _say(f"{where}: already at revision {after}", error=False)
    else:
        _say(f"{where}: upgraded from {before or 'empty'} to {after}", error=False)
    return 0


async def _cmd_export_handbook(settings: Settings, args: argparse.Namespace) -> int:
    from bot.domain.errors import HouseholdNotFound
    from bot.handbook import handbook_bytes, handbook_name
    from bot.runtime import build_runtime, case_rules_from
    from bot.services.households import handbook_record

    runtime = build_runtime(settings)
    try:
        record = await handbook_record(
            runtime.uow(), None, args.household, case_rules_from(settings)
        )
    except HouseholdNotFound:
        _say(f"bangfu: there is no household {args.household}")
        return 1
    finally:
        await runtime.engine.dispose()
    target = Path(args.output) if args.output else Path(handbook_name(record))
    target.write_bytes(handbook_bytes(record, settings.tz))
    _say(f"{target}: handbook of household {args.household}", error=False)
    return 0


async def _cmd_reminders(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.has_token:
        _say("bangfu: set BANGFU_TOKEN: reminders are sent as the bot.")
        return 2
    from bot.app import run_reminders

    return await run_reminders(settings, once=bool(args.once))


def _cmd_photo_inspect(settings: Settings, args: argparse.Namespace) -> int:
    from bot.photos.inspect_cli import run_inspect

    return run_inspect(args.files, as_json=bool(args.json))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="bangfu", description="幫扶 pairing-assistance bot and its tools"
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {_version()}", help="print the version"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run the bot (the sandbox when no token is configured)",
        description="Run the bot: long polling, or a webhook server if BANGFU_WEBHOOK_URL is set.",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.set_defaults(handler=_cmd_run)

    sandbox = _sandbox()
    if sandbox is not None:
        sandbox.add_arguments(sub)

    db = sub.add_parser("db", help="database chores")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="create or upgrade every table").set_defaults(
        handler=_cmd_db_upgrade
    )

    reminders = sub.add_parser(
        "reminders",
        help="run the reminder scheduler apart from the bot",
        description="Send the monthly reminder stages and run the chores in a process of its "
        "own, through a small Bot API client. Set BANGFU_REMINDERS_IN_BOT=false for the bot "
        "then (running both is safe, only redundant: every nudge is claimed once).",
    )
    reminders.add_argument("--once", action="store_true", help="run the stages due now, then exit")
    reminders.set_defaults(handler=_cmd_reminders)

    photo = sub.add_parser("photo", help="examine photo evidence")
    photo_sub = photo.add_subparsers(dest="photo_command", metavar="ACTION", required=True)
    inspect = photo_sub.add_parser("inspect", help="what the pipeline extracts from files")
    inspect.add_argument("files", nargs="+", metavar="FILE", help="photo files to examine")
    inspect.add_argument("--json", action="store_true", help="one JSON array on stdout")
    inspect.set_defaults(handler=_cmd_photo_inspect)

    export = sub.add_parser("export", help="export records as files")
    export_sub = export.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    handbook = export_sub.add_parser(
        "handbook", help="one household's full record (帮扶手册) as an .xlsx file"
    )
    handbook.add_argument("household", type=int, metavar="HOUSEHOLD_ID", help="household id")
    handbook.add_argument(
        "-o", "--output", metavar="FILE", help="where to write (default 帮扶手册_<name>_<id>.xlsx)"
    )
    handbook.set_defaults(handler=_cmd_export_handbook)

    from bot.importing.cli import add_arguments as add_import_arguments

    add_import_arguments(sub)
    from bot.photo_reindex import add_reindex

    add_reindex(photo_sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `bangfu` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        settings = Settings()
    except ValidationError as exc:
        for sentence in describe_errors(exc):
            _say(f"bangfu: {sentence}")
        return 2
    except (SettingsError, UnicodeDecodeError) as exc:
        _say(f"bangfu: the .env file in {Path.cwd()} cannot be read as UTF-8 settings: {exc}")
        return 2
    _remember_secrets(settings)
    _configure_logging(settings.log_level)
    try:
        if args.command in _DATABASE_COMMANDS:
            asyncio.run(check_database(settings))
        result: Any = handler(settings, args)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return int(result)
    except KeyboardInterrupt:
        return 130
    except StartupProblem as problem:
        for sentence in problem.sentences:
            _say(f"bangfu: {sentence}")
        return 1
    except DBAPIError as exc:
        # The database went away after the start check: still the operator's problem.
        reason = (str(exc.orig or exc).strip().splitlines() or [type(exc).__name__])[0]
        where = database_display(settings.effective_database_url)
        _say(f"bangfu: BANGFU_DATABASE_URL: the database {where} failed: {reason}")
        return 1
    except OSError as exc:
        _say(f"bangfu: {exc}")
        return 1
    except Exception:
        # A bug: keep the traceback for the report, but never with a secret in it.
        _say(traceback.format_exc().rstrip())
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
