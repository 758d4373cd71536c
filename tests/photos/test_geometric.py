"""The geometric stage of the reuse check, on real photographs (bench/real_photos.py).

Every alteration of a copy must be recognised as the same picture; every honest pair (the
same place photographed again) must not be.
"""

from __future__ import annotations

import io
import json
import random
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bench.real_photos import photo_paths
from bench.reuse import ALTERATIONS, HONEST, honest_pair, originals
from bot.evidence import FlagKind, PriorPhoto, geometric_reuse_flag
from bot.evidence.geometric import GeometricMatch, assess, verify
from bot.photos.features import MAX_SIDE, LocalFeatures, extract_features, load_pixels
from bot.photos.inspect_cli import run_inspect

# A doorway with a wooden wall, and a mountain stream among rocks: repetitive texture.
PHOTOGRAPHS = ("friends_by_Aitzol_Berasategi.jpg", "life_by_Aitzol_Berasategi.jpg")


@cache
def _pictures() -> dict[str, Image.Image]:
    paths = [path for path in photo_paths() if path.name in PHOTOGRAPHS]
    return dict(originals(paths))


def _picture(index: int) -> tuple[str, Image.Image]:
    name = sorted(_pictures())[index]
    return name, _pictures()[name]


def _same(a: Image.Image, b: Image.Image) -> GeometricMatch | None:
    return verify(extract_features(a), extract_features(b), a, b)


def test_originals_are_real_megapixel_photographs() -> None:
    pictures = _pictures()
    assert len(pictures) == 4  # both photographs are split into two disjoint halves
    for image in pictures.values():
        assert image.size[0] * image.size[1] >= 1_000_000


@pytest.mark.parametrize("alteration", sorted(ALTERATIONS))
def test_copies_are_the_same_picture(alteration: str) -> None:
    for index in (0, 2):
        name, image = _picture(index)
        copy = ALTERATIONS[alteration](image, random.Random(f"{name}/{alteration}"))
        match = _same(image, copy)
        assert match is not None, f"{alteration} of {name}"
        assert match.pixel_agreement >= 0.7


def test_the_match_describes_the_alteration() -> None:
    _, image = _picture(0)
    rotated = _same(image, ALTERATIONS["rotate90"](image, random.Random(1)))
    assert rotated is not None and abs(abs(rotated.rotation_degrees) - 90) < 2
    assert not rotated.mirrored
    mirrored = _same(image, ALTERATIONS["mirror"](image, random.Random(1)))
    assert mirrored is not None and mirrored.mirrored
    cropped = _same(image, ALTERATIONS["crop25"](image, random.Random(1)))
    # 25 % off the width and off the height leaves 56 % of the picture.
    assert cropped is not None and 0.5 <= cropped.overlap <= 0.62
    resized = _same(image, ALTERATIONS["resize"](image, random.Random(1)))
    assert resized is not None and resized.overlap >= 0.97


@pytest.mark.parametrize("kind", sorted(HONEST))
def test_honest_pairs_are_not_the_same_picture(kind: str) -> None:
    for index in (1, 3):
        name, image = _picture(index)
        first, second = honest_pair(image, kind, index)
        result = assess(extract_features(first), extract_features(second), first, second)
        assert isinstance(result, str), f"{kind} on {name}: {result}"


def test_two_houses_of_the_same_style_are_not_the_same_picture() -> None:
    # The two halves of one photograph: the same wood, stone and light, other things.
    for left, right in ((0, 1), (2, 3)):
        assert _same(_picture(left)[1], _picture(right)[1]) is None


def test_different_photographs_do_not_match() -> None:
    assert _same(_picture(0)[1], _picture(3)[1]) is None


def test_features_are_compact_and_round_trip() -> None:
    features = extract_features(_picture(0)[1])
    data = features.to_bytes()
    assert len(data) <= 9 + 36 * 96
    back = LocalFeatures.from_bytes(data)
    assert (back.width, back.height) == (features.width, features.height)
    assert max(back.width, back.height) == MAX_SIDE
    assert np.array_equal(back.descriptors, features.descriptors)
    assert np.abs(back.points - features.points).max() <= 1 / 64


@pytest.mark.parametrize(
    "data", [b"", b"LF", b"XX\x01" + bytes(5), b"LF\x01\x10\x00\x10\x00\x05\x00"]
)
def test_bad_feature_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        LocalFeatures.from_bytes(data)


def test_a_featureless_picture_matches_nothing() -> None:
    flat = Image.new("RGB", (1200, 900), (120, 130, 110))
    features = extract_features(flat)
    assert len(features) == 0
    assert LocalFeatures.from_bytes(features.to_bytes()).points.shape == (0, 2)
    assert verify(features, features, flat, flat) is None


def test_load_pixels_decodes_at_feature_size() -> None:
    out = io.BytesIO()
    _picture(0)[1].save(out, "JPEG", quality=90)
    pixels = load_pixels(out.getvalue())
    assert max(pixels.size) >= MAX_SIDE
    assert max(pixels.size) < max(_picture(0)[1].size)


def test_flag_from_a_geometric_match() -> None:
    prior = PriorPhoto("ab" * 32, "0" * 16, visit_id=7, helper_id=3, household_id=11)
    match = GeometricMatch(140, 0.85, 90.0, False, 0.85, 0.97)
    flag = geometric_reuse_flag(0, prior, match)
    assert flag.kind is FlagKind.NEAR_DUPLICATE_PHOTO
    assert flag.numbers["stage"] == "geometric"
    assert flag.numbers["other_visit_id"] == 7
    assert flag.numbers["crop_percent"] == 15
    assert flag.numbers["inliers"] == 140
    assert flag.numbers["rotation_degrees"] == 90
    near = geometric_reuse_flag(0, prior, match, fingerprint_distance=9, threshold=18)
    assert near.numbers["stage"] == "fingerprint"
    assert near.numbers["distance"] == 9


def test_inspect_compares_two_files(tmp_path: Path) -> None:
    _, image = _picture(0)
    original, copy, other = tmp_path / "a.jpg", tmp_path / "b.jpg", tmp_path / "c.jpg"
    image.save(original, quality=92)
    ALTERATIONS["screenshot_crop15"](image, random.Random(5)).save(copy, quality=90)
    honest_pair(image, "revisit", 5)[0].save(other, quality=90)
    out = io.StringIO()
    assert run_inspect([str(original), str(copy)], as_json=False, out=out) == 0
    assert "the same picture" in out.getvalue()
    assert "stage        geometric" in out.getvalue()
    out = io.StringIO()
    assert run_inspect([str(original), str(other)], as_json=True, out=out) == 0
    records = json.loads(out.getvalue())
    assert len(records) == 2
    comparison = records[1]["compared_with_previous"]
    assert comparison["same_picture"] is False
    assert comparison["geometric"] is None and comparison["geometric_reason"]


def test_a_picture_compared_again_gives_the_same_answer_and_its_work_goes_with_it() -> None:
    import gc

    from bot.evidence import sides

    name, image = _picture(0)
    _, other = _picture(1)
    original = image.copy()
    copy = ALTERATIONS["crop15"](original, random.Random(name))
    first = assess(extract_features(original), extract_features(other), original, other)
    # The second comparison reuses the first's grey levels and dense features.
    again = assess(extract_features(original), extract_features(other), original, other)
    assert again == first and isinstance(first, str)
    assert verify(extract_features(original), extract_features(copy), original, copy) == _same(
        original.copy(), copy.copy()
    )
    known = id(original)
    assert known in sides._WORKED
    del original, copy
    gc.collect()
    assert known not in sides._WORKED
