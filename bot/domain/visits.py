"""Visits as the conversation builds them and the core reports them, and their time rules."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from bot.domain.errors import VisitTooLate
from bot.domain.quota import HelperMonth, HouseholdMonth
from bot.evidence import Flag
from bot.photos.facts import PhotoFacts, StoredPhoto

# A photo's EXIF time counts as the visit time only within this window of its arrival.
EXIF_TRUST_WINDOW = timedelta(days=7)


@dataclass
class DraftLocation:
    """A location shared for the visit."""

    latitude: float
    longitude: float
    accuracy_m: float | None
    live: bool
    forwarded: bool
    sent_at: datetime


@dataclass
class DraftPhoto:
    """A photo already checked and stored on disk, waiting for the visit to be confirmed."""

    facts: PhotoFacts
    stored: StoredPhoto
    forwarded: bool
    as_document: bool
    sent_at: datetime


@dataclass
class VisitDraft:
    """A visit being put together in the conversation; nothing is in the database yet."""

    household_id: int
    household_name: str
    token: str = field(default_factory=lambda: secrets.token_hex(6))
    location: DraftLocation | None = None
    location_skipped: bool = False
    photos: list[DraftPhoto] = field(default_factory=list)
    note: str | None = None

    def add_photo(self, photo: DraftPhoto) -> bool:
        """Add a photo unless the same file is already in this draft."""
        if any(p.facts.sha256 == photo.facts.sha256 for p in self.photos):
            return False
        self.photos.append(photo)
        return True


@dataclass(frozen=True)
class SavedVisit:
    """The outcome of confirming a visit: what was stored and what it means for the month."""

    visit_id: int
    created: bool
    late: bool
    visited_at: datetime
    flags: list[Flag]
    household: HouseholdMonth
    month: HelperMonth


@dataclass(frozen=True)
class VisitRules:
    """The settings that govern logging a visit."""

    tz: tzinfo
    late_days: int
    default_quota: int


def visit_time(draft: VisitDraft, now: datetime) -> datetime:
    """When the visit happened: the location's send time, else a trustworthy photo time."""
    if draft.location is not None and not draft.location.forwarded:
        return draft.location.sent_at
    for photo in draft.photos:
        taken = photo.facts.taken_at
        if (
            taken is not None
            and photo.facts.taken_at_offset_known
            and not photo.forwarded
            and timedelta(0) <= photo.sent_at - taken <= EXIF_TRUST_WINDOW
        ):
            return taken
    if draft.photos:
        return min(p.sent_at for p in draft.photos)
    return now


def is_late(visited_at: datetime, now: datetime, tz: tzinfo) -> bool:
    """Logged on a later calendar day than it happened (補錄)."""
    return now.astimezone(tz).date() > visited_at.astimezone(tz).date()


def check_not_too_late(visited_at: datetime, now: datetime, rules: VisitRules) -> None:
    """Refuse a visit older than the configured number of late days."""
    if now - visited_at > timedelta(days=rules.late_days):
        raise VisitTooLate(
            date=visited_at.astimezone(rules.tz).strftime("%Y-%m-%d"), days=rules.late_days
        )


def idempotency_key(helper_id: int, token: str) -> str:
    """The key under which one draft's visit is stored exactly once."""
    return f"visit:{helper_id}:{token}"
