"""The archive search in a process of its own: what runs inside the bot's search worker.

The worker does the two steps of a search that only read and compute (a visit's photos and
their words; the search of the archive and the geometric verification), with its own
connection to the shared database; the bot does the two that write (filing the photos, adding
the flags), so the worker, which runs at the lowest priority, never holds SQLite's write lock
while it waits for a core. The worker's errors come back as one line without the statement's
parameters (they may hold names), and the bot's retries and catch-up treat them like any
failed search.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.engine import make_url

from bot import redaction
from bot.evidence import Flag
from bot.services.archive_search import Filing, SearchRules, look, prepare, why_failed
from storage.db import SessionFactory, create_engine, session_factory
from storage.uow import UnitOfWork

T = TypeVar("T")


class SearchFailed(RuntimeError):
    """A search in the worker failed; the message says why, without data."""


@dataclass
class _Worker:
    loop: asyncio.AbstractEventLoop
    sessions: SessionFactory
    rules: SearchRules

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)


_worker: _Worker | None = None


def open_worker(database_url: str, rules: SearchRules, log_level: str) -> None:
    """Set up the worker process: logging like the bot's, one event loop, one engine."""
    global _worker
    redaction.add_secret(make_url(database_url).password)
    redaction.configure_logging(log_level)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    engine = create_engine(database_url)
    _worker = _Worker(loop, session_factory(engine), rules)


def _in_worker(step: Callable[[_Worker], Coroutine[Any, Any, T]]) -> T:
    if _worker is None:
        raise SearchFailed("the search worker was not set up")
    try:
        return _worker.loop.run_until_complete(step(_worker))
    except Exception as error:
        # The driver's exceptions may not pickle, and their text may quote parameters.
        raise SearchFailed(why_failed(error)) from None


def prepare_in_worker(visit_id: int) -> Filing | None:
    """A saved visit's photos with their words (features written beside them)."""
    return _in_worker(lambda w: prepare(w.uow, visit_id, w.rules))


def look_in_worker(filing: Filing, now: datetime) -> list[tuple[int, Flag]]:
    """The flags the archive search finds for a filed visit (reads and verification only)."""
    return _in_worker(lambda w: look(w.uow, filing, w.rules, now))
