"""A cropped screenshot meets its original in the visual-word index, whatever its grain.

The archive search verifies only photos that share words with the one searched; the sandbox
check of issue 13 failed inside the whole suite because the pair shared none.
"""

from __future__ import annotations

import ctypes

import pytest
from PIL import Image

from bot.photos.feature_store import query_descriptors
from bot.photos.features import extract_features, load_pixels
from bot.photos.search_keys import (
    QUERY_DESCRIPTORS,
    STORED_DESCRIPTORS,
    descriptor_words,
    probe_words,
)
from bot.photos.synthetic import camera_jpeg
from tests.e2e.test_photo_reuse_sandbox import _cropped_screenshot


def _shared(stored: Image.Image, searched: Image.Image) -> int:
    """How many words the searched photo's lookup shares with the stored photo's filing."""
    filed = set(descriptor_words(extract_features(stored).descriptors, STORED_DESCRIPTORS))
    looked_up: set[int] = set()
    for features in query_descriptors(searched):
        looked_up.update(probe_words(features.descriptors, QUERY_DESCRIPTORS))
    return len(filed & looked_up)


# Grains for which exact words alone met in none (measured: 0 shared words one way or both).
@pytest.mark.parametrize("grain", [4, 10, 12])
def test_a_cropped_screenshot_and_its_original_find_each_other(grain: int) -> None:
    # The generated scene's fine grain comes from C's rand() (Image.effect_noise): in a long
    # test run it is whatever earlier tests left, so the picture is fixed here.
    ctypes.CDLL(None).srand(grain)
    photo = camera_jpeg(913, (800, 600))
    original = load_pixels(photo)
    copy = load_pixels(_cropped_screenshot(photo))
    # Either may be searched first (the later one's search, or a late search of the earlier).
    assert _shared(original, copy) >= 3
    assert _shared(copy, original) >= 3


def test_probe_words_add_every_one_bit_neighbour_of_each_word() -> None:
    features = extract_features(load_pixels(camera_jpeg(1, (400, 300))))
    exact = descriptor_words(features.descriptors, 5)
    probed = set(probe_words(features.descriptors, 5))
    assert set(exact) <= probed
    assert {exact[0] ^ 1, exact[0] ^ (1 << 23)} <= probed
    assert len(probed) <= 25 * len(exact)
