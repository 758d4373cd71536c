"""The `bangfu sandbox` command, plugged into the `bangfu` CLI through an entry point."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.config import Settings


def _cmd_sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from emulator.sandbox.main import run_sandbox

    return run_sandbox(settings, serve=bool(args.serve), port=args.port)


def add_arguments(sub: Any) -> None:
    """Add `sandbox` to the `bangfu` subcommands."""
    sandbox = sub.add_parser(
        "sandbox",
        help="try the bot without a token, in the terminal",
        description="The real bot against the built-in Bot API emulator, with a demo county "
        "kept in <data folder>/sandbox; you chat as any demo user in the terminal.",
        epilog="docs/sandbox.md explains the terminal commands and the control API.",
    )
    sandbox.add_argument(
        "--serve",
        action="store_true",
        help="no terminal chat: serve the Bot API emulator and its control API on loopback "
        "(127.0.0.1), print both addresses and run until Ctrl-C, so that programs or curl "
        "act as the users (docs/sandbox.md)",
    )
    sandbox.add_argument(
        "--port",
        type=int,
        default=0,
        help="port of the emulator and its control API (default: any free port)",
    )
    sandbox.set_defaults(handler=_cmd_sandbox)


def run_without_token(settings: Settings) -> int:
    """What `bangfu run` does when no token is configured: the sandbox."""
    from emulator.sandbox.main import run_sandbox

    return run_sandbox(settings, serve=not sys.stdin.isatty())
