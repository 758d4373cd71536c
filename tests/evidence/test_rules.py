"""Each evidence check, one at a time, on otherwise honest visits."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, timedelta

import pytest

from bot.evidence import (
    REUSE_DISTANCE,
    EvidenceRules,
    Flag,
    FlagKind,
    NeighbourVisit,
    PriorPhoto,
    check_visit,
    haversine_m,
    visit_point,
)
from bot.photos import NEAR_DUPLICATE_DISTANCE
from tests.evidence.helpers import (
    HOME,
    VISITED_AT,
    flip_bits,
    honest_visit,
    location,
    offset,
    photo,
)

RULES = EvidenceRules()


def kinds(flags: list[Flag]) -> list[FlagKind]:
    return [flag.kind for flag in flags]


def test_honest_visit_raises_no_flag() -> None:
    assert check_visit(honest_visit(), RULES) == []


def test_defaults_match_the_regulation() -> None:
    assert RULES.max_distance_m == 500.0
    assert RULES.max_photo_age == timedelta(hours=24)
    assert RULES.max_accuracy_m == 200.0
    assert RULES.max_speed_kmh == 120.0
    assert RULES.near_duplicate_distance == REUSE_DISTANCE
    assert REUSE_DISTANCE < NEAR_DUPLICATE_DISTANCE


# --- far from home -------------------------------------------------------------------------


def test_shared_location_far_from_home_is_flagged_with_its_numbers() -> None:
    far = offset(HOME, north_m=800.0)
    flags = check_visit(honest_visit(location=location(far, accuracy=10.0), photos=()), RULES)
    assert kinds(flags) == [FlagKind.FAR_FROM_HOME]
    numbers = flags[0].numbers
    assert numbers["source"] == "location"
    assert numbers["distance_m"] == pytest.approx(800.0, abs=1.0)
    assert numbers["threshold_m"] == 500.0


def test_shared_location_within_the_radius_is_not_flagged() -> None:
    near = offset(HOME, north_m=450.0)
    assert (
        check_visit(honest_visit(location=location(near, accuracy=10.0), photos=()), RULES) == []
    )


def test_accuracy_radius_explains_part_of_the_distance() -> None:
    point = offset(HOME, east_m=600.0)
    loose = honest_visit(location=location(point, accuracy=150.0), photos=())
    tight = honest_visit(location=location(point, accuracy=50.0), photos=())
    assert check_visit(loose, RULES) == []
    assert kinds(check_visit(tight, RULES)) == [FlagKind.FAR_FROM_HOME]


def test_a_huge_accuracy_radius_cannot_hide_a_far_location() -> None:
    point = offset(HOME, east_m=5000.0)
    flags = check_visit(
        honest_visit(location=location(point, accuracy=10_000.0), photos=()), RULES
    )
    assert kinds(flags) == [FlagKind.FAR_FROM_HOME, FlagKind.POOR_ACCURACY]
    assert flags[0].numbers["accuracy_m"] == RULES.max_accuracy_m


def test_photo_gps_far_from_home_is_flagged_per_photo() -> None:
    far = photo(1, gps=offset(HOME, north_m=3000.0))
    flags = check_visit(honest_visit(location=None, photos=(photo(0), far)), RULES)
    assert kinds(flags) == [FlagKind.FAR_FROM_HOME]
    assert flags[0].numbers["source"] == "photo"
    assert flags[0].numbers["photo_index"] == 1


def test_threshold_is_configuration() -> None:
    point = offset(HOME, north_m=450.0)
    strict = EvidenceRules(max_distance_m=300.0)
    flags = check_visit(honest_visit(location=location(point, accuracy=10.0), photos=()), strict)
    assert kinds(flags) == [FlagKind.FAR_FROM_HOME]
    assert flags[0].numbers["threshold_m"] == 300.0


# --- no home, no location ------------------------------------------------------------------


def test_no_home_raises_only_no_home_location_and_proposes_the_visit_point() -> None:
    evidence = honest_visit(home=None)
    flags = check_visit(evidence, RULES)
    assert kinds(flags) == [FlagKind.NO_HOME_LOCATION]
    point = visit_point(evidence)
    assert point is not None
    assert flags[0].numbers == {"latitude": point.latitude, "longitude": point.longitude}


def test_no_home_is_not_far_from_home_even_when_photos_disagree_with_each_other() -> None:
    photos = (photo(0), photo(1, gps=offset(HOME, north_m=5000.0)))
    flags = check_visit(honest_visit(home=None, location=None, photos=photos), RULES)
    assert kinds(flags) == [FlagKind.NO_HOME_LOCATION]


def test_visit_without_any_position_is_flagged() -> None:
    compressed = (photo(0, gps=None, taken_at=None, as_document=False),)
    flags = check_visit(honest_visit(location=None, photos=compressed), RULES)
    assert kinds(flags) == [FlagKind.NO_LOCATION]


def test_visit_point_prefers_the_shared_location_then_photo_gps() -> None:
    evidence = honest_visit()
    assert evidence.location is not None
    assert visit_point(evidence) == evidence.location.point
    assert visit_point(replace(evidence, location=None)) == evidence.photos[0].gps
    first_without_gps = (photo(0, gps=None), photo(1))
    assert visit_point(replace(evidence, location=None, photos=first_without_gps)) == (
        first_without_gps[1].gps
    )
    assert visit_point(replace(evidence, location=None, photos=())) is None


# --- photo without GPS -----------------------------------------------------------------------


def test_original_file_without_gps_is_flagged() -> None:
    flags = check_visit(honest_visit(photos=(photo(0), photo(1, gps=None))), RULES)
    assert kinds(flags) == [FlagKind.PHOTO_WITHOUT_GPS]
    assert flags[0].numbers["photo_index"] == 1


def test_compressed_photo_without_metadata_is_not_flagged() -> None:
    compressed = photo(1, gps=None, taken_at=None, as_document=False)
    assert check_visit(honest_visit(photos=(photo(0), compressed)), RULES) == []


# --- capture time ----------------------------------------------------------------------------


def test_photo_taken_more_than_a_day_before_the_visit_is_stale() -> None:
    old = photo(0, taken_at=VISITED_AT - timedelta(hours=25))
    flags = check_visit(honest_visit(photos=(old,)), RULES)
    assert kinds(flags) == [FlagKind.STALE_PHOTO]
    assert flags[0].numbers["age_h"] == pytest.approx(25.0)
    assert flags[0].numbers["threshold_h"] == 24.0


def test_photo_taken_the_day_before_within_the_limit_is_fine() -> None:
    recent = photo(0, taken_at=VISITED_AT - timedelta(hours=23))
    assert check_visit(honest_visit(photos=(recent,)), RULES) == []


def test_capture_time_in_another_zone_is_compared_as_an_instant() -> None:
    # 02:30 UTC is 10:30 in Shanghai: half an hour after the 10:00 visit, within tolerance.
    utc = photo(0, taken_at=VISITED_AT.astimezone(UTC) + timedelta(minutes=30))
    assert check_visit(honest_visit(photos=(utc,)), RULES) == []


def test_photo_taken_hours_after_the_visit_is_flagged() -> None:
    late = photo(0, taken_at=VISITED_AT + timedelta(hours=3))
    flags = check_visit(honest_visit(photos=(late,)), RULES)
    assert kinds(flags) == [FlagKind.PHOTO_AFTER_VISIT]
    assert flags[0].numbers["after_h"] == pytest.approx(3.0)


def test_photo_taken_shortly_after_the_visit_time_is_fine() -> None:
    during = photo(0, taken_at=VISITED_AT + timedelta(minutes=40))
    assert check_visit(honest_visit(photos=(during,)), RULES) == []


def test_photo_without_capture_time_is_not_a_time_flag() -> None:
    assert check_visit(honest_visit(photos=(photo(0, taken_at=None),)), RULES) == []


# --- reuse -----------------------------------------------------------------------------------


def prior(sha256: str, phash: str, visit_id: int = 7) -> PriorPhoto:
    return PriorPhoto(sha256=sha256, phash=phash, visit_id=visit_id, helper_id=3, household_id=9)


def test_exact_copy_of_a_photo_from_another_visit_is_flagged() -> None:
    mine = photo(0)
    flags = check_visit(honest_visit(prior_photos=(prior(mine.sha256, mine.phash),)), RULES)
    assert kinds(flags) == [FlagKind.DUPLICATE_PHOTO]
    assert flags[0].numbers["other_visit_id"] == 7
    assert flags[0].numbers["other_helper_id"] == 3
    assert flags[0].numbers["other_household_id"] == 9
    assert flags[0].numbers["distance"] == 0


def test_exact_copy_reports_the_earliest_visit_and_the_number_of_uses() -> None:
    mine = photo(0)
    priors = (prior(mine.sha256, mine.phash, 12), prior(mine.sha256, mine.phash, 5))
    flags = check_visit(honest_visit(prior_photos=priors), RULES)
    assert kinds(flags) == [FlagKind.DUPLICATE_PHOTO]
    assert flags[0].numbers["other_visit_id"] == 5
    assert flags[0].numbers["matches"] == 2


def test_near_copy_within_the_hash_threshold_is_flagged_with_its_distance() -> None:
    mine = photo(0)
    close = flip_bits(mine.phash, RULES.near_duplicate_distance)
    evidence = honest_visit(photos=(mine,), prior_photos=(prior("f" * 64, close),))
    flags = check_visit(evidence, RULES)
    assert kinds(flags) == [FlagKind.NEAR_DUPLICATE_PHOTO]
    assert flags[0].numbers["distance"] == RULES.near_duplicate_distance
    assert flags[0].numbers["threshold"] == RULES.near_duplicate_distance


def test_different_photo_beyond_the_hash_threshold_is_not_flagged() -> None:
    mine = photo(0)
    other = flip_bits(mine.phash, RULES.near_duplicate_distance + 1)
    evidence = honest_visit(photos=(mine,), prior_photos=(prior("f" * 64, other),))
    assert check_visit(evidence, RULES) == []


def test_near_copy_reports_the_closest_prior() -> None:
    mine = photo(0)
    priors = (prior("e" * 64, flip_bits(mine.phash, 3), 4), prior("f" * 64, mine.phash, 8))
    flags = check_visit(honest_visit(photos=(mine,), prior_photos=priors), RULES)
    assert kinds(flags) == [FlagKind.NEAR_DUPLICATE_PHOTO]
    assert flags[0].numbers["other_visit_id"] == 8
    assert flags[0].numbers["distance"] == 0


def test_the_same_photo_twice_in_one_visit_is_not_flagged() -> None:
    assert check_visit(honest_visit(photos=(photo(0), photo(0))), RULES) == []


def test_photos_of_the_visit_itself_among_priors_are_skipped() -> None:
    mine = photo(0)
    evidence = honest_visit(visit_id=7, prior_photos=(prior(mine.sha256, mine.phash, 7),))
    assert check_visit(evidence, RULES) == []


# --- forwarding ------------------------------------------------------------------------------


def test_forwarded_location_is_flagged() -> None:
    flags = check_visit(honest_visit(location=location(forwarded=True)), RULES)
    assert kinds(flags) == [FlagKind.FORWARDED_LOCATION]


def test_forwarded_photo_is_flagged_per_photo() -> None:
    flags = check_visit(honest_visit(photos=(photo(0), photo(1, forwarded=True))), RULES)
    assert kinds(flags) == [FlagKind.FORWARDED_PHOTO]
    assert flags[0].numbers["photo_index"] == 1


def test_live_location_is_not_a_flag() -> None:
    assert check_visit(honest_visit(location=location(live=True)), RULES) == []


# --- accuracy --------------------------------------------------------------------------------


def test_poor_accuracy_is_flagged() -> None:
    flags = check_visit(honest_visit(location=location(accuracy=350.0)), RULES)
    assert kinds(flags) == [FlagKind.POOR_ACCURACY]
    assert flags[0].numbers == {"accuracy_m": 350.0, "threshold_m": 200.0}


@pytest.mark.parametrize("accuracy", [None, 0.0, 150.0, 200.0])
def test_fair_or_unknown_accuracy_is_not_flagged(accuracy: float | None) -> None:
    assert check_visit(honest_visit(location=location(accuracy=accuracy)), RULES) == []


# --- EXIF GPS against shared location --------------------------------------------------------


def test_photo_gps_disagreeing_with_the_shared_location_is_flagged() -> None:
    # Both within 500 m of home, but 700 m from each other.
    west = location(offset(HOME, east_m=-350.0), accuracy=10.0)
    east = photo(0, gps=offset(HOME, east_m=350.0))
    flags = check_visit(honest_visit(location=west, photos=(east,)), RULES)
    assert kinds(flags) == [FlagKind.GPS_MISMATCH]
    assert flags[0].numbers["distance_m"] == pytest.approx(700.0, abs=1.0)
    assert flags[0].numbers["photo_index"] == 0


def test_gps_disagreement_within_the_accuracy_radius_is_not_flagged() -> None:
    west = location(offset(HOME, east_m=-325.0), accuracy=190.0)
    east = photo(0, gps=offset(HOME, east_m=325.0))
    assert check_visit(honest_visit(location=west, photos=(east,)), RULES) == []


# --- travel ----------------------------------------------------------------------------------


def neighbour(north_m: float, minutes: float, visit_id: int = 21) -> NeighbourVisit:
    return NeighbourVisit(
        visit_id=visit_id,
        at=VISITED_AT + timedelta(minutes=minutes),
        point=offset(HOME, north_m=north_m),
    )


def test_30_km_in_10_minutes_is_impossible_travel() -> None:
    flags = check_visit(honest_visit(neighbours=(neighbour(30_000.0, -10.0),)), RULES)
    assert kinds(flags) == [FlagKind.IMPOSSIBLE_TRAVEL]
    numbers = flags[0].numbers
    assert numbers["other_visit_id"] == 21
    assert numbers["elapsed_min"] == pytest.approx(10.0)
    assert float(numbers["speed_kmh"]) > 170.0
    assert numbers["threshold_kmh"] == 120.0


def test_30_km_in_an_hour_by_car_is_fine() -> None:
    before = neighbour(30_000.0, -60.0, 21)
    after = neighbour(-30_000.0, 45.0, 22)
    assert check_visit(honest_visit(neighbours=(before, after)), RULES) == []


def test_next_door_a_minute_apart_is_fine() -> None:
    assert check_visit(honest_visit(neighbours=(neighbour(50.0, 1.0),)), RULES) == []


def test_next_door_at_the_same_second_is_fine() -> None:
    assert check_visit(honest_visit(neighbours=(neighbour(450.0, 0.0),)), RULES) == []


def test_accuracy_explains_a_short_jump() -> None:
    # 650 m in 10 s is 234 km/h, but 200 m of it lies within the accuracy radius and what is
    # left is no farther than a neighbour's house.
    close = NeighbourVisit(21, VISITED_AT + timedelta(seconds=10), offset(HOME, north_m=650.0))
    loose = honest_visit(location=location(HOME, accuracy=200.0), neighbours=(close,))
    tight = honest_visit(location=location(HOME, accuracy=5.0), neighbours=(close,))
    assert check_visit(loose, RULES) == []
    assert kinds(check_visit(tight, RULES)) == [FlagKind.IMPOSSIBLE_TRAVEL]


def test_travel_is_checked_against_each_neighbour_in_time_order() -> None:
    later = neighbour(40_000.0, 5.0, 30)
    earlier = neighbour(-40_000.0, -5.0, 31)
    flags = check_visit(honest_visit(neighbours=(later, earlier)), RULES)
    assert kinds(flags) == [FlagKind.IMPOSSIBLE_TRAVEL, FlagKind.IMPOSSIBLE_TRAVEL]
    assert [flag.numbers["other_visit_id"] for flag in flags] == [31, 30]


def test_the_visit_itself_among_neighbours_is_skipped() -> None:
    itself = neighbour(40_000.0, 0.0, 7)
    assert check_visit(honest_visit(visit_id=7, neighbours=(itself,)), RULES) == []


def test_travel_without_shared_location_uses_photo_gps() -> None:
    flags = check_visit(
        honest_visit(location=None, neighbours=(neighbour(30_000.0, 10.0),)), RULES
    )
    assert kinds(flags) == [FlagKind.IMPOSSIBLE_TRAVEL]
    assert flags[0].numbers["accuracy_m"] == 0.0


# --- order -----------------------------------------------------------------------------------


def everything_wrong() -> tuple[object, ...]:
    mine = photo(0, taken_at=VISITED_AT - timedelta(days=3), forwarded=True)
    late = photo(1, taken_at=VISITED_AT + timedelta(hours=5), gps=None)
    return (
        mine,
        late,
        location(offset(HOME, north_m=20_000.0), accuracy=900.0, forwarded=True),
        (prior(mine.sha256, mine.phash, 3), prior("f" * 64, late.phash, 4)),
        (neighbour(-60_000.0, -20.0, 40), neighbour(80_000.0, 15.0, 41)),
    )


def test_flags_come_in_a_fixed_order() -> None:
    mine, late, shared, priors, neighbours = everything_wrong()
    evidence = honest_visit(
        location=shared, photos=(mine, late), prior_photos=priors, neighbours=neighbours
    )
    assert kinds(check_visit(evidence, RULES)) == [
        FlagKind.FAR_FROM_HOME,
        FlagKind.GPS_MISMATCH,
        FlagKind.POOR_ACCURACY,
        FlagKind.FORWARDED_LOCATION,
        FlagKind.FORWARDED_PHOTO,
        FlagKind.PHOTO_WITHOUT_GPS,
        FlagKind.STALE_PHOTO,
        FlagKind.PHOTO_AFTER_VISIT,
        FlagKind.DUPLICATE_PHOTO,
        FlagKind.NEAR_DUPLICATE_PHOTO,
        FlagKind.IMPOSSIBLE_TRAVEL,
        FlagKind.IMPOSSIBLE_TRAVEL,
    ]


def test_flags_do_not_depend_on_the_order_of_priors_and_neighbours() -> None:
    mine, late, shared, priors, neighbours = everything_wrong()
    evidence = honest_visit(
        location=shared, photos=(mine, late), prior_photos=priors, neighbours=neighbours
    )
    expected = check_visit(evidence, RULES)
    shuffler = random.Random(5)
    for _ in range(5):
        p = list(evidence.prior_photos)
        n = list(evidence.neighbours)
        shuffler.shuffle(p)
        shuffler.shuffle(n)
        assert check_visit(replace(evidence, prior_photos=p, neighbours=n), RULES) == expected


def test_flags_are_hashable_values() -> None:
    flags = check_visit(honest_visit(location=location(accuracy=900.0)), RULES)
    again = check_visit(honest_visit(location=location(accuracy=900.0)), RULES)
    assert set(flags) == set(again)
    assert all(isinstance(flag.reason, str) and flag.reason for flag in flags)


def test_distance_sanity_of_the_offset_helper() -> None:
    assert haversine_m(HOME, offset(HOME, north_m=300.0, east_m=400.0)) == pytest.approx(
        500.0, abs=1.0
    )


def test_the_second_hash_counts_when_both_photos_have_it() -> None:
    mine = photo(0, dhash="0f0f0f0f0f0f0f0f")
    far_dhash = flip_bits(mine.dhash, 30)
    with_dhash = PriorPhoto("f" * 64, mine.phash, 7, 3, 9, far_dhash)
    without_dhash = PriorPhoto("f" * 64, mine.phash, 8, 3, 9)
    assert check_visit(honest_visit(photos=(mine,), prior_photos=(with_dhash,)), RULES) == []
    flags = check_visit(honest_visit(photos=(mine,), prior_photos=(without_dhash,)), RULES)
    assert kinds(flags) == [FlagKind.NEAR_DUPLICATE_PHOTO]
    assert flags[0].numbers["other_visit_id"] == 8


def test_centre_hashes_match_a_cropped_copy() -> None:
    # A crop of the prior lines up with the prior's centre hashes, not with its whole ones.
    mine = photo(0, dhash="0f0f0f0f0f0f0f0f")
    prior_photo = PriorPhoto(
        "f" * 64,
        flip_bits(mine.phash, 40),
        7,
        3,
        9,
        flip_bits(mine.dhash, 40),
        centre_phash=mine.phash,
        centre_dhash=flip_bits(mine.dhash, 2),
    )
    flags = check_visit(honest_visit(photos=(mine,), prior_photos=(prior_photo,)), RULES)
    assert kinds(flags) == [FlagKind.NEAR_DUPLICATE_PHOTO]
    assert flags[0].numbers["distance"] == 1
