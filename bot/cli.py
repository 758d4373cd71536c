"""The `bangfu` command: run the bot, the sandbox, database and data chores."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.config import Settings

Handler = Callable[[Settings, argparse.Namespace], Awaitable[int] | int]


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request URL at INFO, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


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
            print("bangfu: set BANGFU_TOKEN to run the bot.", file=sys.stderr)
            return 2
        print(
            "No Telegram token is configured (set BANGFU_TOKEN): starting the sandbox instead, "
            "the bot against the built-in Bot API emulator with a demo county.",
            flush=True,
        )
        result: int = sandbox.run_without_token(settings)
        return result
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
        print(f"{where}: already at revision {after}")
    else:
        print(f"{where}: upgraded from {before or 'empty'} to {after}")
    return 0


def _cmd_photo_inspect(settings: Settings, args: argparse.Namespace) -> int:
    from bot.photos.inspect_cli import run_inspect

    return run_inspect(args.files, as_json=bool(args.json))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="bangfu", description="幫扶 pairing-assistance bot and its tools"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot (the sandbox when no token is configured)")
    run.set_defaults(handler=_cmd_run)

    sandbox = _sandbox()
    if sandbox is not None:
        sandbox.add_arguments(sub)

    db = sub.add_parser("db", help="database chores")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="create or upgrade every table").set_defaults(
        handler=_cmd_db_upgrade
    )

    photo = sub.add_parser("photo", help="examine photo evidence")
    photo_sub = photo.add_subparsers(dest="photo_command", metavar="ACTION", required=True)
    inspect = photo_sub.add_parser("inspect", help="what the pipeline extracts from files")
    inspect.add_argument("files", nargs="+", metavar="FILE")
    inspect.add_argument("--json", action="store_true", help="one JSON array on stdout")
    inspect.set_defaults(handler=_cmd_photo_inspect)

    from bot.importing.cli import add_arguments as add_import_arguments

    add_import_arguments(sub)
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
        problems = "; ".join(
            f"BANGFU_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        print(f"bangfu: the configuration is not valid: {problems}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level)
    try:
        result: Any = handler(settings, args)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return int(result)
    except KeyboardInterrupt:
        return 130
    except (OperationalError, InterfaceError, OSError) as exc:
        # An unreachable database or Bot API server is an operator's problem, not a bug:
        # one sentence, no traceback.
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"bangfu: cannot reach a service it needs: {reason}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
