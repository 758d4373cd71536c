"""The `bangfu` command: run the bot, the sandbox, database and data chores."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
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

# Subcommands that need neither the export kinds, the import nor the photo reindex: their
# parsers are built without those (whose imports take more than two seconds together), so
# that `bangfu run` starts and a bad setting is reported at once.
_LEAN_COMMANDS = frozenset({"run", "db", "reminders"})
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


async def _cmd_db_backup(settings: Settings, args: argparse.Namespace) -> int:
    from storage.backup import BackupFailed, backup_postgres, backup_sqlite, sqlite_path

    url = settings.effective_database_url
    target = Path(args.file)
    source = sqlite_path(url)
    try:
        if source is not None:
            shown = -1

            def progress(done: int, total: int) -> None:
                nonlocal shown
                percent = 100 * done // max(1, total)
                if percent // 10 != shown // 10 or done == total:
                    shown = percent
                    _say(f"copied {done:,} of {total:,} pages ({percent}%)", error=False)

            result = await asyncio.to_thread(
                backup_sqlite, source, target, pages=args.pages, progress=progress
            )
            _say(
                f"{target}: a consistent copy of {source} ({result.pages:,} pages, "
                f"{result.seconds:.1f} s); integrity check ok",
                error=False,
            )
            return 0
        pg_dump = shutil.which(args.pg_dump)
        if pg_dump is None:
            _say(
                f"bangfu: {args.pg_dump} was not found: back PostgreSQL up with its own "
                f"pg_dump (pg_dump --format=custom --file={target} DATABASE), see "
                "docs/reliability.md"
            )
            return 1
        await backup_postgres(url, target, pg_dump)
    except BackupFailed as exc:
        _say(f"bangfu: {exc}")
        return 1
    _say(f"{target}: pg_dump of {database_display(url)} (restore with pg_restore)", error=False)
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


async def _cmd_export_kind(settings: Settings, args: argparse.Namespace) -> int:
    from bot.domain.errors import DomainError
    from bot.domain.oversight import PeriodSpan, parse_span
    from bot.runtime import build_runtime
    from bot.services.exports import run_export

    if args.period:
        span = parse_span(args.period)
        if span is None:
            _say(
                f"bangfu: --period {args.period}: "
                "write a month (2026-11), a quarter (2026Q4) or a year (2026)"
            )
            return 2
    else:
        from bot.domain.quota import period_of

        month = period_of(datetime.now(UTC), settings.tz)
        span = PeriodSpan(month, month)
    target, folder = _export_target(args.out)
    runtime = build_runtime(settings)
    try:
        done = await run_export(
            runtime.uow(),
            None,
            key=args.export_command,
            span=span,
            area=args.scope or "",
            tz=settings.tz,
            folder=folder,
        )
    except DomainError as error:
        _say(f"bangfu: {error}")
        return 1
    finally:
        await runtime.engine.dispose()
    done.path.replace(target)
    _say(f"{target}: {done.rows} rows ({args.export_command}, {span.label})", error=False)
    return 0


def _export_target(out: str) -> tuple[Path, Path]:
    """The file to write and its folder (rows stream into a file there, then it is renamed)."""
    target = Path(out)
    return target, target.resolve().parent


def _add_export_kinds(export_sub: Any) -> None:
    """One subcommand per registered export kind (the same kinds as /export)."""
    import bot.services.exports  # noqa: F401 - registers every kind
    from bot.exports.registry import kind_keys, kind_named

    for key in kind_keys():
        kind = kind_named(key)
        assert kind is not None
        command = export_sub.add_parser(key, help=f"{kind.title} as an .xlsx file (like /export)")
        command.add_argument(
            "--period", metavar="PERIOD", help="2026-11, 2026Q4 or 2026 (default this month)"
        )
        command.add_argument(
            "--scope", metavar="AREA", help="a township or village name (default everything)"
        )
        command.add_argument("--out", required=True, metavar="FILE", help="the .xlsx to write")
        command.set_defaults(handler=_cmd_export_kind)


async def _cmd_reminders(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.has_token:
        _say("bangfu: set BANGFU_TOKEN: reminders are sent as the bot.")
        return 2
    from bot.app import run_reminders

    return await run_reminders(settings, once=bool(args.once))


def _cmd_photo_inspect(settings: Settings, args: argparse.Namespace) -> int:
    from bot.photos.inspect_cli import run_inspect

    return run_inspect(args.files, as_json=bool(args.json))


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser of every subcommand (with `argv`, only what it can name)."""
    lean = argv is not None and _command_of(argv) in _LEAN_COMMANDS
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
    backup = db_sub.add_parser(
        "backup",
        help="copy the database to a file while the bot runs",
        description="SQLite: an online, consistent copy through SQLite's backup API. "
        "PostgreSQL: runs pg_dump (custom format; restore with pg_restore).",
    )
    backup.add_argument("file", metavar="FILE", help="the backup file to write (must be new)")
    backup.add_argument(
        "--pages", type=int, default=1024, help="SQLite pages copied per step (default 1024)"
    )
    backup.add_argument(
        "--pg-dump", default="pg_dump", help="the pg_dump program (default: pg_dump on PATH)"
    )
    backup.set_defaults(handler=_cmd_db_backup)

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
    if lean:
        return parser
    _add_export_kinds(export_sub)

    from bot.importing.cli import add_arguments as add_import_arguments

    add_import_arguments(sub)
    from bot.photo_reindex import add_reindex

    add_reindex(photo_sub)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand a command line names: its first word that is not an option."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `bangfu` console script."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
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
    redaction.configure_logging(settings.log_level)
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
