"""A local Telegram Bot API emulator: the bot's test bed, benchmark target and sandbox."""

from emulator.server import Emulator, serve_forever

__all__ = ["Emulator", "serve_forever"]
