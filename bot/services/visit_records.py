"""The rows a confirmed visit is stored as: the visit, its photos, its flags."""

from __future__ import annotations

from datetime import datetime

from bot.domain.quota import local_day, period_of
from bot.domain.visits import VisitDraft, VisitRules, is_late
from bot.domain.vocabulary import LocationSource
from bot.evidence import Flag, VisitEvidence, visit_point
from storage.models import Household, Photo, Visit, VisitFlag


def visit_row(
    *,
    household_id: int,
    helper_id: int,
    draft: VisitDraft,
    evidence: VisitEvidence,
    now: datetime,
    rules: VisitRules,
    key: str,
) -> Visit:
    """The visit row: when and where it happened, and the key that stores it once."""
    point = visit_point(evidence)
    loc = draft.location
    visited_at = evidence.visited_at
    return Visit(
        household_id=household_id,
        helper_id=helper_id,
        visited_at=visited_at,
        period=period_of(visited_at, rules.tz),
        local_day=local_day(visited_at, rules.tz),
        received_at=now,
        late=is_late(visited_at, now, rules.tz),
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


def photo_rows(visit_id: int, draft: VisitDraft) -> list[Photo]:
    """One row per photo of the draft, with the facts the pipeline found."""
    rows = []
    for p in draft.photos:
        f = p.facts
        rows.append(
            Photo(
                visit_id=visit_id,
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
    return rows


def flag_rows(visit_id: int, flags: list[Flag]) -> list[VisitFlag]:
    """One row per flag raised."""
    return [
        VisitFlag(visit_id=visit_id, kind=str(f.kind), reason=f.reason, numbers=dict(f.numbers))
        for f in flags
    ]


def propose_home(household: Household, visit: Visit) -> None:
    """The first located visit proposes the home location; an admin confirms it."""
    if visit.latitude is None or visit.longitude is None:
        return
    if household.home_lat is None and household.proposed_home_lat is None:
        household.proposed_home_lat = visit.latitude
        household.proposed_home_lon = visit.longitude
        household.proposed_by_visit_id = visit.id
