"""Chores on the reminder scheduler: orphaned photo files and expired invites."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.photos.store import FEATURES_SUFFIX
from storage.uow import UnitOfWork

PHOTOS_DIR = "photos"


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
    # Local features (`<sha256>.lf`) live and die with the original beside them.
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
        if path.suffix == FEATURES_SUFFIX and relative.rsplit(".", 1)[0] in kept_stems:
            continue
        path.unlink(missing_ok=True)
        deleted += 1
        freed += stat.st_size
    return deleted, freed


async def housekeeping(
    uow: UnitOfWork, data_dir: Path, now: datetime, photo_age: timedelta
) -> HousekeepingReport:
    """Remove photos of drafts never saved (after `photo_age`) and expired unused invites."""
    async with uow:
        referenced = await uow.reminders.referenced_photo_files()
        invites = await uow.reminders.purge_expired_invites(now)
        await uow.commit()
    deleted, freed = await asyncio.to_thread(
        _sweep, data_dir, referenced, (now - photo_age).timestamp()
    )
    return HousekeepingReport(deleted, freed, invites)
