"""Run the emulator from the command line: ``python -m emulator --port 8081``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys

from emulator.faults import RandomFaults
from emulator.server import Emulator, serve_forever


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default="123456:TEST", help="the bot token to accept")
    parser.add_argument("--extra-token", action="append", default=[], help="more bot tokens")
    parser.add_argument("--username", default="bangfu_bot")
    parser.add_argument("--name", default="幫扶")
    parser.add_argument(
        "--enforce-limits", action="store_true", help="answer 429 on flood, as Telegram does"
    )
    parser.add_argument(
        "--redeliver", action="store_true", help="deliver every update twice, some out of order"
    )
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, help="fail this share of the bot's calls (0-1)"
    )
    parser.add_argument("--fault-seed", type=int, default=0, help="seed of the fault dice")
    parser.add_argument(
        "--fault-delay-ms", type=int, default=6000, help="how long a 'timeout' holds a call"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)

    def ready(emu: Emulator) -> None:
        for bot in emu.world.bots.values():
            bot.set_redelivery(args.redeliver)
        # One parseable line, so scripts that start us can find the port.
        print(f"emulator listening on {emu.root_url} token={emu.token}", flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve_forever(
                args.host,
                args.port,
                args.token,
                username=args.username,
                name=args.name,
                extra_tokens=tuple(args.extra_token),
                enforce_limits=args.enforce_limits,
                ready=ready,
                random_faults=RandomFaults(
                    rate=args.fault_rate, seed=args.fault_seed, delay_ms=args.fault_delay_ms
                )
                if args.fault_rate > 0
                else None,
            )
        )
    sys.exit(0)


if __name__ == "__main__":
    main()
