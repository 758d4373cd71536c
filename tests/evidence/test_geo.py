"""Distances and speeds between visit points."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.evidence import haversine_m, speed_kmh
from bot.photos import GeoPoint

BEIJING = GeoPoint(39.9042, 116.4074)
SHANGHAI = GeoPoint(31.2304, 121.4737)


def test_beijing_to_shanghai_is_about_1067_km() -> None:
    assert haversine_m(BEIJING, SHANGHAI) == pytest.approx(1_067_000, rel=0.005)


def test_distance_is_symmetric_and_zero_for_the_same_point() -> None:
    assert haversine_m(BEIJING, BEIJING) == 0.0
    assert haversine_m(BEIJING, SHANGHAI) == pytest.approx(haversine_m(SHANGHAI, BEIJING))


def test_one_degree_of_latitude_is_about_111_km() -> None:
    assert haversine_m(GeoPoint(30.0, 110.0), GeoPoint(31.0, 110.0)) == pytest.approx(
        111_195, rel=0.001
    )


def test_one_degree_of_longitude_shrinks_with_latitude() -> None:
    at_equator = haversine_m(GeoPoint(0.0, 0.0), GeoPoint(0.0, 1.0))
    at_sixty = haversine_m(GeoPoint(60.0, 0.0), GeoPoint(60.0, 1.0))
    assert at_sixty == pytest.approx(at_equator / 2, rel=0.001)


def test_altitude_is_ignored() -> None:
    assert haversine_m(GeoPoint(30.0, 110.0, 0.0), GeoPoint(30.0, 110.0, 2000.0)) == 0.0


def test_antipodal_points_are_half_the_circumference() -> None:
    assert haversine_m(GeoPoint(0.0, 0.0), GeoPoint(0.0, 180.0)) == pytest.approx(
        20_015_100, rel=0.001
    )


def test_speed_in_kmh_either_direction_in_time() -> None:
    start = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    end = start + timedelta(minutes=30)
    assert speed_kmh(30_000.0, start, end) == pytest.approx(60.0)
    assert speed_kmh(30_000.0, end, start) == pytest.approx(60.0)


def test_speed_at_the_same_second_is_finite() -> None:
    moment = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    assert speed_kmh(1000.0, moment, moment) == pytest.approx(3600.0)
