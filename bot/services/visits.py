"""Logging visits: choosing a household, deciding the visit time, saving with evidence flags."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.errors import DomainError
from bot.evidence import (
    EvidenceRules,
    Flag,
    FlagKind,
    NeighbourVisit,
    PhotoEvidence,
    PriorPhoto,
    SharedLocation,
    VisitEvidence,
    check_visit,
    visit_point,
)
from bot.i18n import N_
from bot.photos import GeoPoint, PhotoFacts, StoredPhoto
from bot.services.photo_index import PhotoIndex
from storage.enums import LocationSource
from storage.models import Household, OrgUnit, Pairing, Photo, Visit, VisitFlag

# A photo's EXIF time counts as the visit time only within this window of its arrival.
_EXIF_TRUST_WINDOW = timedelta(days=7)


class NotPaired(DomainError):
    """The helper is not (or no longer) paired with that household."""

    message = N_("You are not paired with this household.")


class VisitTooLate(DomainError):
    """The visit happened longer ago than the late-logging limit."""

    message = N_(
        "This visit happened on {date}, more than {days} days ago, so it can no longer be "
        "logged here. Please tell the office."
    )


class NoPhoto(DomainError):
    """A visit needs at least one photo."""

    message = N_("Please send at least one photo of the visit first.")


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
class HouseholdChoice:
    """A paired household with this month's visit count."""

    household_id: int
    head_name: str
    village: str
    done: int


@dataclass(frozen=True)
class SavedVisit:
    """The outcome of confirming a visit."""

    visit_id: int
    created: bool
    late: bool
    visited_at: datetime
    flags: list[Flag]
    household_done: int
    helper_done: int
    helper_households: int


def period_of(moment: datetime, tz: tzinfo) -> int:
    """The quota month of a moment (year*100 + month, in the bureau's time zone)."""
    local = moment.astimezone(tz)
    return local.year * 100 + local.month


def rules_from(settings: Settings) -> EvidenceRules:
    """Evidence thresholds from the deployment's settings."""
    return EvidenceRules(
        max_distance_m=settings.max_distance_m,
        max_photo_age=timedelta(hours=settings.max_photo_age_hours),
        max_accuracy_m=settings.max_accuracy_m,
        max_speed_kmh=settings.max_speed_kmh,
        near_duplicate_distance=settings.near_duplicate_distance,
    )


async def household_choices(
    session: AsyncSession, helper_id: int, period: int, search: str | None = None
) -> list[HouseholdChoice]:
    """The helper's currently paired households, with visits this month, by name."""
    done = (
        select(Visit.household_id, func.count(Visit.id).label("n"))
        .where(Visit.helper_id == helper_id, Visit.period == period)
        .group_by(Visit.household_id)
        .subquery()
    )
    query = (
        select(Household.id, Household.head_name, OrgUnit.name, func.coalesce(done.c.n, 0))
        .join(Pairing, Pairing.household_id == Household.id)
        .join(OrgUnit, OrgUnit.id == Household.village_id)
        .outerjoin(done, done.c.household_id == Household.id)
        .where(Pairing.helper_id == helper_id, Pairing.ended_on.is_(None))
        .order_by(OrgUnit.name, Household.head_name, Household.id)
    )
    if search:
        query = query.where(Household.head_name.contains(search.strip(), autoescape=True))
    rows = await session.execute(query)
    return [HouseholdChoice(i, name, village, int(n)) for i, name, village, n in rows]


async def paired_household(session: AsyncSession, helper_id: int, household_id: int) -> Household:
    """The household if the helper is currently paired with it."""
    household = await session.scalar(
        select(Household)
        .join(Pairing, Pairing.household_id == Household.id)
        .where(
            Household.id == household_id,
            Pairing.helper_id == helper_id,
            Pairing.ended_on.is_(None),
        )
    )
    if household is None:
        raise NotPaired()
    return household


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
            and timedelta(0) <= photo.sent_at - taken <= _EXIF_TRUST_WINDOW
        ):
            return taken
    if draft.photos:
        return min(p.sent_at for p in draft.photos)
    return now


def is_late(visited_at: datetime, now: datetime, tz: tzinfo) -> bool:
    """Logged on a later calendar day than it happened (補錄)."""
    return now.astimezone(tz).date() > visited_at.astimezone(tz).date()


def check_not_too_late(visited_at: datetime, now: datetime, settings: Settings) -> None:
    """Refuse a visit older than the configured number of late days."""
    if now - visited_at > timedelta(days=settings.late_days):
        raise VisitTooLate(
            date=visited_at.astimezone(settings.tz).strftime("%Y-%m-%d"), days=settings.late_days
        )


def idempotency_key(helper_id: int, token: str) -> str:
    """The key under which one draft's visit is stored exactly once."""
    return f"visit:{helper_id}:{token}"


async def _progress(
    session: AsyncSession, helper_id: int, household_id: int, period: int
) -> tuple[int, int, int]:
    household_done = await session.scalar(
        select(func.count(Visit.id)).where(
            Visit.household_id == household_id, Visit.period == period
        )
    )
    choices = await household_choices(session, helper_id, period)
    return int(household_done or 0), sum(c.done for c in choices), len(choices)


async def _neighbours(session: AsyncSession, helper_id: int, at: datetime) -> list[NeighbourVisit]:
    located = (Visit.helper_id == helper_id, Visit.latitude.is_not(None))
    before = await session.execute(
        select(Visit.id, Visit.visited_at, Visit.latitude, Visit.longitude)
        .where(*located, Visit.visited_at <= at)
        .order_by(Visit.visited_at.desc())
        .limit(1)
    )
    after = await session.execute(
        select(Visit.id, Visit.visited_at, Visit.latitude, Visit.longitude)
        .where(*located, Visit.visited_at > at)
        .order_by(Visit.visited_at)
        .limit(1)
    )
    return [
        NeighbourVisit(visit_id=i, at=t, point=GeoPoint(lat, lon))
        for i, t, lat, lon in [*before, *after]
    ]


def _evidence(
    draft: VisitDraft,
    visited_at: datetime,
    household: Household,
    priors: list[PriorPhoto],
    neighbours: list[NeighbourVisit],
) -> VisitEvidence:
    home = (
        GeoPoint(household.home_lat, household.home_lon)
        if household.home_lat is not None and household.home_lon is not None
        else None
    )
    loc = draft.location
    shared = (
        SharedLocation(
            point=GeoPoint(loc.latitude, loc.longitude),
            horizontal_accuracy=loc.accuracy_m,
            live=loc.live,
            forwarded=loc.forwarded,
            sent_at=loc.sent_at,
        )
        if loc is not None
        else None
    )
    photos = [
        PhotoEvidence.from_facts(p.facts, forwarded=p.forwarded, as_document=p.as_document)
        for p in draft.photos
    ]
    return VisitEvidence(
        visited_at=visited_at,
        home=home,
        location=shared,
        photos=photos,
        prior_photos=priors,
        neighbours=neighbours,
    )


async def save_visit(
    session: AsyncSession,
    *,
    helper_id: int,
    draft: VisitDraft,
    now: datetime,
    settings: Settings,
    index: PhotoIndex,
) -> SavedVisit:
    """Store a confirmed visit once, with its photos and evidence flags, and report progress."""
    key = idempotency_key(helper_id, draft.token)
    existing = await session.scalar(select(Visit).where(Visit.idempotency_key == key))
    if existing is not None:
        return await _outcome(session, existing, created=False, flags=None)
    if not draft.photos:
        raise NoPhoto()
    household = await paired_household(session, helper_id, draft.household_id)
    visited_at = visit_time(draft, now)
    check_not_too_late(visited_at, now, settings)

    await index.refresh(session)
    priors: dict[int, PriorPhoto] = {}
    for photo in draft.photos:
        matches = index.matches(
            photo.facts.sha256, photo.facts.fingerprint, settings.near_duplicate_distance
        )
        for match in matches:
            fp = match.fingerprint
            priors[match.photo_id] = PriorPhoto(
                sha256=match.sha256,
                phash=fp.phash,
                visit_id=match.visit_id,
                helper_id=match.helper_id,
                household_id=match.household_id,
                dhash=fp.dhash,
                centre_phash=fp.centre_phash,
                centre_dhash=fp.centre_dhash,
            )
    neighbours = await _neighbours(session, helper_id, visited_at)
    evidence = _evidence(draft, visited_at, household, list(priors.values()), neighbours)
    flags = check_visit(evidence, rules_from(settings))

    point = visit_point(evidence)
    loc = draft.location
    visit = Visit(
        household_id=household.id,
        helper_id=helper_id,
        visited_at=visited_at,
        period=period_of(visited_at, settings.tz),
        received_at=now,
        late=is_late(visited_at, now, settings.tz),
        latitude=point.latitude if point else None,
        longitude=point.longitude if point else None,
        accuracy_m=loc.accuracy_m if loc else None,
        location_source=(
            LocationSource.SHARED
            if loc
            else LocationSource.PHOTO_GPS
            if point
            else LocationSource.NONE
        ),
        location_live=bool(loc and loc.live),
        location_forwarded=bool(loc and loc.forwarded),
        note=draft.note,
        idempotency_key=key,
    )
    try:
        async with session.begin_nested():
            session.add(visit)
            await session.flush()
    except IntegrityError:
        # The same confirmation raced in from another update or process: report that one.
        existing = await session.scalar(select(Visit).where(Visit.idempotency_key == key))
        if existing is None:
            raise
        return await _outcome(session, existing, created=False, flags=None)
    for p in draft.photos:
        f = p.facts
        session.add(
            Photo(
                visit_id=visit.id,
                sha256=f.sha256,
                phash=f.phash,
                fingerprint=f.fingerprint.encode(),
                format=f.format,
                width=f.width,
                height=f.height,
                size_bytes=f.size_bytes,
                gps_lat=f.gps.latitude if f.gps else None,
                gps_lon=f.gps.longitude if f.gps else None,
                gps_alt=f.gps.altitude if f.gps else None,
                taken_at=f.taken_at,
                taken_offset_known=f.taken_at_offset_known,
                camera=" ".join(x for x in (f.camera_make, f.camera_model) if x) or None,
                as_document=p.as_document,
                forwarded=p.forwarded,
                file_path=p.stored.original_path.as_posix(),
                thumb_path=p.stored.thumbnail_path.as_posix(),
            )
        )
    for flag in flags:
        session.add(
            VisitFlag(
                visit_id=visit.id,
                kind=str(flag.kind),
                reason=flag.reason,
                numbers=dict(flag.numbers),
            )
        )
    if point is not None and household.home_lat is None and household.proposed_home_lat is None:
        # The first located visit proposes the home location; an admin confirms it.
        household.proposed_home_lat = point.latitude
        household.proposed_home_lon = point.longitude
        household.proposed_by_visit_id = visit.id
    await session.flush()
    return await _outcome(session, visit, created=True, flags=flags)


async def _outcome(
    session: AsyncSession, visit: Visit, *, created: bool, flags: list[Flag] | None
) -> SavedVisit:
    if flags is None:
        rows = await session.execute(
            select(VisitFlag.kind, VisitFlag.reason, VisitFlag.numbers)
            .where(VisitFlag.visit_id == visit.id)
            .order_by(VisitFlag.id)
        )
        flags = [Flag(kind=FlagKind(k), reason=r, numbers=n or {}) for k, r, n in rows]
    household_done, helper_done, households = await _progress(
        session, visit.helper_id, visit.household_id, visit.period
    )
    return SavedVisit(
        visit_id=visit.id,
        created=created,
        late=visit.late,
        visited_at=visit.visited_at,
        flags=flags,
        household_done=household_done,
        helper_done=helper_done,
        helper_households=households,
    )


async def saved_visit_by_token(
    session: AsyncSession, helper_id: int, token: str
) -> SavedVisit | None:
    """A visit already stored for a draft token (a repeated or late confirmation)."""
    visit = await session.scalar(
        select(Visit).where(Visit.idempotency_key == idempotency_key(helper_id, token))
    )
    return None if visit is None else await _outcome(session, visit, created=False, flags=None)
