"""End to end through the photo pipeline: real JPEG bytes, real EXIF, real hashes."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import pytest
from PIL import Image

from bot.evidence import EvidenceRules, FlagKind, PhotoEvidence, PriorPhoto, check_visit
from bot.photos import GeoPoint, analyse_photo
from bot.photos.synthetic import camera_jpeg, make_scene
from tests.evidence.helpers import HOME, VISITED_AT, honest_visit, location, offset

RULES = EvidenceRules()
SIZE = (640, 480)


def evidence_from(data: bytes, *, as_document: bool = True) -> PhotoEvidence:
    facts = analyse_photo(data, now=VISITED_AT)
    return PhotoEvidence.from_facts(facts, forwarded=False, as_document=as_document)


def as_prior(photo: PhotoEvidence, visit_id: int = 41) -> PriorPhoto:
    return PriorPhoto(
        photo.sha256,
        photo.phash,
        visit_id,
        2,
        8,
        photo.dhash,
        photo.centre_phash,
        photo.centre_dhash,
    )


def shot(image: Image.Image, gps: GeoPoint | None = None, hours_before: float = 1.0) -> bytes:
    return camera_jpeg(
        0,
        image=image,
        gps=gps if gps is not None else offset(HOME, 12.0, -8.0),
        taken_at=VISITED_AT - timedelta(hours=hours_before),
    )


def reencoded(data: bytes, quality: int, crop: float = 0.0) -> bytes:
    with Image.open(io.BytesIO(data)) as source:
        image = source.convert("RGB")
    w, h = image.size
    image = image.crop((int(w * crop), int(h * crop), w, h))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


@pytest.fixture(scope="module")
def scene() -> Image.Image:
    return make_scene(101, SIZE)


def test_fresh_camera_photo_at_home_raises_no_flag(scene: Image.Image) -> None:
    photo = evidence_from(shot(scene))
    assert photo.gps is not None and photo.taken_at is not None
    assert check_visit(honest_visit(photos=(photo,)), RULES) == []


def test_exact_copy_of_an_earlier_photo_is_a_duplicate(scene: Image.Image) -> None:
    data = shot(scene)
    earlier = evidence_from(data)
    flags = check_visit(
        honest_visit(photos=(evidence_from(data),), prior_photos=(as_prior(earlier),)), RULES
    )
    assert [f.kind for f in flags] == [FlagKind.DUPLICATE_PHOTO]
    assert flags[0].numbers["other_visit_id"] == 41


@pytest.mark.parametrize(("quality", "crop"), [(60, 0.0), (85, 0.03)])
def test_reencoded_or_cropped_copy_is_a_near_duplicate(
    scene: Image.Image, quality: int, crop: float
) -> None:
    data = shot(scene)
    copy = evidence_from(reencoded(data, quality, crop), as_document=False)
    flags = check_visit(
        honest_visit(photos=(copy,), prior_photos=(as_prior(evidence_from(data)),)), RULES
    )
    assert [f.kind for f in flags] == [FlagKind.NEAR_DUPLICATE_PHOTO]
    assert int(flags[0].numbers["distance"]) <= RULES.near_duplicate_distance


def test_a_different_scene_is_not_a_near_duplicate(scene: Image.Image) -> None:
    other = evidence_from(shot(make_scene(202, SIZE)))
    photo = evidence_from(shot(scene))
    assert check_visit(honest_visit(photos=(photo,), prior_photos=(as_prior(other),)), RULES) == []


def test_messenger_copy_without_metadata_raises_no_flag(scene: Image.Image) -> None:
    photo = evidence_from(reencoded(shot(scene), 80), as_document=False)
    assert photo.gps is None and photo.taken_at is None
    assert check_visit(honest_visit(photos=(photo,)), RULES) == []


def test_exif_position_far_away_and_old_capture_time_are_flagged(scene: Image.Image) -> None:
    photo = evidence_from(shot(scene, gps=offset(HOME, north_m=3000.0), hours_before=50.0))
    flags = check_visit(honest_visit(photos=(photo,), location=location(HOME)), RULES)
    assert [f.kind for f in flags] == [
        FlagKind.FAR_FROM_HOME,
        FlagKind.GPS_MISMATCH,
        FlagKind.STALE_PHOTO,
    ]
    assert flags[2].numbers["age_h"] == pytest.approx(50.0, abs=0.01)


def test_original_file_stripped_of_gps_is_flagged(scene: Image.Image) -> None:
    data = camera_jpeg(0, image=scene, gps=None, taken_at=VISITED_AT - timedelta(minutes=5))
    flags = check_visit(honest_visit(photos=(evidence_from(data),)), RULES)
    assert [f.kind for f in flags] == [FlagKind.PHOTO_WITHOUT_GPS]


def test_hash_threshold_applies_to_the_pipeline_distance(scene: Image.Image) -> None:
    data = shot(scene)
    copy = evidence_from(reencoded(data, 60), as_document=False)
    prior = as_prior(evidence_from(data))
    strict = replace(RULES, near_duplicate_distance=-1)
    assert check_visit(honest_visit(photos=(copy,), prior_photos=(prior,)), strict) == []
