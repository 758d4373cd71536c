"""`bangfu photo reindex`: file the photos stored before the archive index existed."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from tqdm import tqdm

from bot.config import Settings


async def run_reindex(settings: Settings, args: argparse.Namespace) -> int:
    """Index every photo not yet in the archive index, with a progress bar; exit status."""
    from bot.runtime import build_runtime, migrate
    from bot.services.archive_search import reindex

    runtime = build_runtime(settings)
    # disable=None: the bar switches itself off when stderr is not a terminal.
    bar = tqdm(unit="photo", desc="indexing", disable=None if args.progress else True)

    def advance(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        await migrate(runtime)
        count = await reindex(
            runtime.uow,
            settings.data_dir,
            datetime.now(UTC),
            batch=int(args.batch),
            progress=advance,
        )
    finally:
        bar.close()
        await runtime.engine.dispose()
    print(f"{count} photos indexed", file=sys.stderr)
    return 0


def add_reindex(photo_sub: Any) -> None:
    """Register `photo reindex` under the `photo` command."""
    parser = photo_sub.add_parser(
        "reindex", help="put photos stored before the archive index into it (resumable)"
    )
    parser.add_argument(
        "--batch", type=int, default=200, metavar="N", help="photos per transaction"
    )
    parser.add_argument(
        "--no-progress", dest="progress", action="store_false", help="no progress bar"
    )
    parser.set_defaults(handler=run_reindex)
