"""What every handler and job needs at hand: settings, the database, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.services.photo_index import PhotoIndex
from storage.db import SessionFactory


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """The application's shared services, built once by the composition root."""

    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    clock: Callable[[], datetime] = field(default=_utcnow)
    photo_index: PhotoIndex = field(default_factory=PhotoIndex)

    def now(self) -> datetime:
        """Current time in UTC (a fixed clock in tests)."""
        return self.clock()
