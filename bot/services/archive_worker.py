"""The archive search in a process of its own: what runs inside the bot's search worker.

The bot hands the worker a visit id and the time; the worker searches with its own
connection to the shared database and answers with the number of flags it added. Nothing
else crosses between the two, so no name or photo passes through the pipe. The worker's
errors come back as one line without the statement's parameters (they may hold names), and
the bot's retries and catch-up treat them like any failed search.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import make_url

from bot import redaction
from bot.services.archive_search import SearchRules, search_visit, why_failed
from storage.db import SessionFactory, create_engine, session_factory
from storage.uow import UnitOfWork


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


def search_in_worker(visit_id: int, now: datetime) -> int:
    """Search one saved visit's photos (in the worker); how many flags were added."""
    if _worker is None:
        raise SearchFailed("the search worker was not set up")
    worker = _worker
    try:
        return worker.loop.run_until_complete(
            search_visit(worker.uow, visit_id, worker.rules, now)
        )
    except Exception as error:
        # The driver's exceptions may not pickle, and their text may quote parameters.
        raise SearchFailed(why_failed(error)) from None
