"""Builders of honest visit evidence that the tests then spoil one way at a time."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.evidence import PhotoEvidence, SharedLocation, VisitEvidence
from bot.photos import GeoPoint

SHANGHAI_TZ = ZoneInfo("Asia/Shanghai")
HOME = GeoPoint(27.5213, 109.6187)
VISITED_AT = datetime(2024, 5, 14, 10, 0, tzinfo=SHANGHAI_TZ)
METRES_PER_DEGREE = 111_195.0


def offset(point: GeoPoint, north_m: float = 0.0, east_m: float = 0.0) -> GeoPoint:
    """Return the point moved by the given metres (flat-earth, fine for a few km)."""
    lat = point.latitude + north_m / METRES_PER_DEGREE
    lon = point.longitude + east_m / (METRES_PER_DEGREE * math.cos(math.radians(point.latitude)))
    return GeoPoint(lat, lon)


def flip_bits(phash: str, count: int) -> str:
    """Return the hash with its lowest `count` bits inverted (a Hamming distance of count)."""
    return format(int(phash, 16) ^ ((1 << count) - 1), "016x")


def location(
    point: GeoPoint | None = None,
    accuracy: float | None = 20.0,
    *,
    forwarded: bool = False,
    live: bool = False,
) -> SharedLocation:
    """Return a shared location sent at the visit time."""
    return SharedLocation(
        point=point if point is not None else offset(HOME, 30.0, -15.0),
        horizontal_accuracy=accuracy,
        live=live,
        forwarded=forwarded,
        sent_at=VISITED_AT,
    )


def photo(index: int = 0, **changes: object) -> PhotoEvidence:
    """Return a fresh original photo taken at home an hour before the visit."""
    honest = PhotoEvidence(
        sha256=format(index + 1, "064x"),
        phash=format(0x1234_5678_9ABC_DEF0 ^ (0xFFFF << (16 * (index % 4))), "016x"),
        gps=offset(HOME, -20.0 + 5 * index, 10.0),
        taken_at=VISITED_AT - timedelta(hours=1, minutes=index),
        forwarded=False,
        as_document=True,
    )
    return replace(honest, **changes)  # type: ignore[arg-type]


def honest_visit(**changes: object) -> VisitEvidence:
    """Return the evidence of an honest visit with a shared location and two photos."""
    evidence = VisitEvidence(
        visited_at=VISITED_AT,
        home=HOME,
        location=location(),
        photos=(photo(0), photo(1)),
        prior_photos=(),
        neighbours=(),
    )
    return replace(evidence, **changes)  # type: ignore[arg-type]
