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
    sandbox = sub.add_parser("sandbox", help="try the bot without a token, in the terminal")
    sandbox.add_argument("--serve", action="store_true", help="headless: print the control API")
    sandbox.add_argument("--port", type=int, default=0, help="emulator port (default: any free)")
    sandbox.set_defaults(handler=_cmd_sandbox)


def run_without_token(settings: Settings) -> int:
    """What `bangfu run` does when no token is configured: the sandbox."""
    from emulator.sandbox.main import run_sandbox

    return run_sandbox(settings, serve=not sys.stdin.isatty())
