"""Great-circle distance and travel speed between visit points."""

from __future__ import annotations

import math
from datetime import datetime

from bot.photos import GeoPoint

# Mean Earth radius (IUGG); the error against the ellipsoid is below 0.5 %, far under GPS noise
# at the distances that matter here (hundreds of metres to tens of kilometres).
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(a: GeoPoint, b: GeoPoint) -> float:
    """Return the great-circle distance between two points in metres (altitude ignored)."""
    lat1 = math.radians(a.latitude)
    lat2 = math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    # min() guards asin against rounding slightly above 1 for antipodal points.
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def speed_kmh(distance_m: float, start: datetime, end: datetime) -> float:
    """Return the speed in km/h needed to cover distance_m between two instants."""
    seconds = abs((end - start).total_seconds())
    # Two records at the same second would divide by zero; one second is the clock resolution.
    seconds = max(seconds, 1.0)
    return distance_m / seconds * 3.6
