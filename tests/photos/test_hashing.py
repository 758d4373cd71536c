"""Perceptual hash calibration: copies close, different scenes far."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator

import pytest
from PIL import Image, ImageEnhance

from bot.photos import (
    NEAR_DUPLICATE_DISTANCE,
    Fingerprint,
    PhotoFacts,
    analyse_photo,
    is_near_duplicate,
    near_duplicate_distance,
    phash_distance,
)
from bot.photos.hashing import perceptual_fingerprint
from bot.photos.synthetic import camera_jpeg, make_scene
from tests.photos.conftest import encode

SEEDS = range(100, 130)
SIZE = (800, 600)


def _variants(image: Image.Image, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    w, h = image.size
    for quality in (60, 75, 95):
        yield f"quality {quality}", encode(image, quality=quality)
    yield "half size", encode(image.resize((w // 2, h // 2), Image.Resampling.LANCZOS))
    yield "double size", encode(image.resize((w * 2, h * 2), Image.Resampling.BICUBIC))
    yield "png", encode(image, "PNG")
    c = 0.05
    yield (
        "5% every edge",
        encode(image.crop((int(w * c), int(h * c), w - int(w * c), h - int(h * c)))),
    )
    yield "5% top-left", encode(image.crop((int(w * c), int(h * c), w, h)))
    yield "5% bottom-right", encode(image.crop((0, 0, w - int(w * c), h - int(h * c))))
    left, top, right, bottom = (rng.uniform(0, c) for _ in range(4))
    box = (int(w * left), int(h * top), w - int(w * right), h - int(h * bottom))
    yield "random crop", encode(image.crop(box), quality=80)
    for factor in (0.85, 1.15):
        yield f"brightness {factor}", encode(ImageEnhance.Brightness(image).enhance(factor))


@pytest.fixture(scope="module")
def originals() -> dict[int, tuple[Image.Image, PhotoFacts]]:
    scenes = {}
    for seed in SEEDS:
        image = make_scene(seed, SIZE)
        scenes[seed] = (image, analyse_photo(encode(image, quality=90)))
    return scenes


def test_copies_are_near_duplicates(originals: dict[int, tuple[Image.Image, PhotoFacts]]) -> None:
    rng = random.Random(1)
    failures = []
    for seed, (image, facts) in originals.items():
        for name, data in _variants(image, rng):
            copy = analyse_photo(data)
            distance = near_duplicate_distance(facts.fingerprint, copy.fingerprint)
            # Symmetric: whichever of the two arrived first.
            assert distance == near_duplicate_distance(copy.fingerprint, facts.fingerprint)
            if distance > NEAR_DUPLICATE_DISTANCE:
                failures.append((seed, name, distance))
    assert failures == []


def test_plain_phash_tolerates_reencoding_and_resizing(
    originals: dict[int, tuple[Image.Image, PhotoFacts]],
) -> None:
    for image, facts in list(originals.values())[:10]:
        w, h = image.size
        for data in (encode(image, quality=60), encode(image.resize((w // 2, h // 2)))):
            assert phash_distance(facts.phash, analyse_photo(data).phash) <= 6


def test_different_scenes_are_far_apart(
    originals: dict[int, tuple[Image.Image, PhotoFacts]],
) -> None:
    facts = [f for _, f in originals.values()]
    closest = min(
        near_duplicate_distance(a.fingerprint, b.fingerprint)
        for i, a in enumerate(facts)
        for b in facts[:i]
    )
    assert closest > NEAR_DUPLICATE_DISTANCE


def test_rotation_baked_into_pixels_matches_exif_rotation() -> None:
    image = make_scene(7, SIZE)
    tagged = analyse_photo(camera_jpeg(7, SIZE, image=image, orientation=6))
    baked = analyse_photo(encode(image.transpose(Image.Transpose.ROTATE_270)))
    assert is_near_duplicate(tagged.fingerprint, baked.fingerprint)
    assert phash_distance(tagged.phash, baked.phash) <= 4


@pytest.mark.parametrize("size", [(2688, 2016), (4000, 3000)])
def test_draft_hash_agrees_with_full_decode(size: tuple[int, int]) -> None:
    data = camera_jpeg(11, size, quality=90)
    facts = analyse_photo(data)
    with Image.open(io.BytesIO(data)) as full:
        full.load()
        assert full.size == size  # really the full-resolution decode
        reference = perceptual_fingerprint(full)
    assert phash_distance(facts.phash, reference.phash) <= 4
    assert phash_distance(facts.dhash, reference.dhash) <= 6
    assert near_duplicate_distance(facts.fingerprint, reference) <= 4


def test_phash_distance_basics() -> None:
    assert phash_distance("0000000000000000", "ffffffffffffffff") == 64
    assert phash_distance("8000000000000001", "0000000000000000") == 2
    assert phash_distance("ABCDEF0123456789", "abcdef0123456789") == 0
    with pytest.raises(ValueError):
        phash_distance("abc", "0000000000000000")
    with pytest.raises(ValueError):
        phash_distance("zzzzzzzzzzzzzzzz", "0000000000000000")


def test_fingerprint_round_trip_and_bare_phash() -> None:
    fp = Fingerprint(
        "0123456789abcdef", "fedcba9876543210", "00ff00ff00ff00ff", "ff00ff00ff00ff00"
    )
    assert Fingerprint.parse(fp.encode()) == fp
    bare = Fingerprint.parse("0123456789abcdef")
    assert bare == Fingerprint("0123456789abcdef")
    assert near_duplicate_distance(bare, fp) == 0
