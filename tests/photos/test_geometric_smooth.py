"""Crops of smooth pictures, where few corners and little fine texture survive.

These are the copies the geometric stage used to miss (a water drop, a bird before a blurred
background): too few keypoints, a transform a pixel off at the far side of a crop, or too
few textured tiles to judge. Honest pairs stay in tests/photos/test_geometric.py.
"""

from __future__ import annotations

import random
from functools import cache

import cv2
import numpy as np
import pytest
from PIL import Image, ImageFilter

from bench.real_photos import (
    COMMITTED,
    PhotosUnavailable,
    committed_paths,
    is_rural_texture,
    photo_paths,
)
from bench.reuse import ALTERATIONS, honest_pair, originals
from bot.evidence import geometric
from bot.evidence.geometric import verify
from bot.photos.features import extract_features, features_of_grey, prepare_grey

# A water drop on a smooth background, a woodpecker before a blurred wood.
SMOOTH = ("Aqua.jpg", "Kleiber_by_Lukas_Baubkus.jpg")


@cache
def _pictures() -> dict[str, Image.Image]:
    return dict(originals([path for path in photo_paths() if path.name in SMOOTH]))


@pytest.mark.parametrize(
    ("name", "alteration"),
    [
        ("Aqua.jpg/left", "crop15"),
        ("Aqua.jpg/left", "crop25"),
        ("Aqua.jpg/left", "screenshot_crop15"),
        ("Kleiber_by_Lukas_Baubkus.jpg/right", "crop15"),
        ("Kleiber_by_Lukas_Baubkus.jpg/right", "crop25"),
    ],
)
def test_crops_of_smooth_pictures_are_the_same_picture(name: str, alteration: str) -> None:
    image = _pictures()[name]
    for seed in range(1):
        copy = ALTERATIONS[alteration](image, random.Random(f"{name}/{alteration}/{seed}"))
        match = verify(extract_features(image), extract_features(copy), image, copy)
        assert match is not None, f"{alteration} of {name}, seed {seed}"


@pytest.mark.parametrize("kind", ["minute_apart", "revisit"])
def test_new_exposures_of_smooth_pictures_are_not_the_same_picture(kind: str) -> None:
    # The finer comparison that judges smooth pictures must not mistake fresh noise for detail.
    image = _pictures()["Aqua.jpg/left"]
    first, second = honest_pair(image, kind, 7)
    assert verify(extract_features(first), extract_features(second), first, second) is None


def test_smooth_pictures_still_get_their_keypoints() -> None:
    image = _pictures()["Kleiber_by_Lukas_Baubkus.jpg/right"]
    blurred = image.filter(ImageFilter.GaussianBlur(3))
    grey = prepare_grey(blurred)
    # Corners strong enough for the first threshold are rare here; the lower ones find more.
    equalised = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(grey)
    first = cv2.ORB.create(nfeatures=500, edgeThreshold=19, patchSize=19, fastThreshold=7)
    assert len(first.detect(equalised, None)) < 500
    assert len(features_of_grey(grey, 500)) == 500


def _true_transform(image: Image.Image, copy: Image.Image) -> tuple[np.ndarray, ...]:
    a, b = prepare_grey(image), prepare_grey(copy)
    src, dst = geometric._match(features_of_grey(a, 500), features_of_grey(b, 500))
    found = geometric._similarity(src, dst)
    assert found is not None
    return found[0], a, b


def test_a_transform_a_little_off_is_refined_by_the_pixels() -> None:
    image = _pictures()["Kleiber_by_Lukas_Baubkus.jpg/left"]
    copy = ALTERATIONS["crop15"](image, random.Random(3))
    matrix, a, b = _true_transform(image, copy)
    # 1.5 % too large and a little turned: a pixel or more off at the far side of the frame.
    turn = cv2.getRotationMatrix2D((0.0, 0.0), 0.4, 1.015)
    off = np.vstack([turn, [0, 0, 1]]) @ np.vstack([matrix, [0, 0, 1]])
    tiles = geometric._tile_shifts(off[:2], a, b, geometric._COMPARE_SIDE)
    assert geometric._share_lined_up(tiles) < geometric.MIN_AGREEMENT
    agreement, refined = geometric._agreement(off[:2], a, b)
    assert agreement >= geometric.MIN_AGREEMENT
    scale = np.hypot(matrix[0, 0], matrix[1, 0])
    assert abs(np.hypot(refined[0, 0], refined[1, 0]) - scale) < 0.01


def test_refinement_does_not_line_up_a_step_to_the_side() -> None:
    image = _pictures()["Kleiber_by_Lukas_Baubkus.jpg/left"]
    first, second = honest_pair(image, "minute_apart", 4)
    matrix, a, b = _true_transform(first, second)
    agreement, _ = geometric._agreement(matrix, a, b)
    assert agreement < geometric.MIN_AGREEMENT


def test_committed_wall_photographs_are_checked_and_large_enough() -> None:
    paths = committed_paths()
    assert [path.name for path in paths] == list(COMMITTED)
    for path in paths:
        with Image.open(path) as opened:
            assert opened.size[0] * opened.size[1] >= 1_000_000
    assert is_rural_texture(paths[0])


def test_a_changed_committed_photograph_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    name = next(iter(COMMITTED))
    monkeypatch.setitem(COMMITTED, name, "0" * 64)
    with pytest.raises(PhotosUnavailable):
        committed_paths()
