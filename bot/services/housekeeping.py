"""Chores on the reminder scheduler: orphaned photo files and expired invites."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.photos.store import FEATURE_SUFFIXES
from bot.state_codec import paths_in
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
PHOTOS_DIR = "photos"
# Stored conversation state of any age: what it names is kept until the state itself goes.
_EVER = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class HousekeepingReport:
    """What one run removed."""

    photos_deleted: int
    bytes_freed: int
    invites_purged: int


def _sweep(data_dir: Path, referenced: set[str], older_than: float) -> tuple[int, int]:
    """Delete photo files no visit refers to, last written before `older_than` (epoch s)."""
    root = data_dir / PHOTOS_DIR
    if not root.is_dir():
        return 0, 0
    deleted = freed = 0
    # Local features (`<sha256>.lf`, `.ld`) live and die with the original beside them.
    kept_stems = {relative.rsplit(".", 1)[0] for relative in referenced}
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(data_dir).as_posix()
        try:
            stat = path.stat()
        except FileNotFoundError:  # another process swept it first
            continue
        # Age protects drafts in progress: their photos are stored before the visit is saved.
        if relative in referenced or stat.st_mtime >= older_than:
            continue
        if path.suffix in FEATURE_SUFFIXES and relative.rsplit(".", 1)[0] in kept_stems:
            continue
        path.unlink(missing_ok=True)
        deleted += 1
        freed += stat.st_size
    return deleted, freed


async def housekeeping(
    uow: UnitOfWork, data_dir: Path, now: datetime, photo_age: timedelta
) -> HousekeepingReport:
    """Remove photos of drafts never saved (after `photo_age`, unless a stored draft still
    names them) and expired unused invites."""
    async with uow:
        referenced = await uow.reminders.referenced_photo_files()
        # A draft kept across a restart may be resumed and saved later than `photo_age`.
        stored = [
            *(await uow.state.users(_EVER)).values(),
            *(await uow.state.chats(_EVER)).values(),
        ]
        invites = await uow.reminders.purge_expired_invites(now)
        await uow.commit()
    for text in stored:
        try:
            referenced |= paths_in(text)
        except json.JSONDecodeError:
            log.warning("housekeeping: a stored conversation state is not JSON; skipped")
    deleted, freed = await asyncio.to_thread(
        _sweep, data_dir, referenced, (now - photo_age).timestamp()
    )
    return HousekeepingReport(deleted, freed, invites)
