"""One picture of a geometric comparison: what is known of it, the rest worked out once.

A search compares its photo with up to eight candidates: the photo's grey levels and dense
features are worked out once for all of them, and a candidate's pixels are only read when its
features agree on a transform with the photo's (its dense features usually come from a file).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from PIL import Image

from bot.photos.features import DENSE_POINTS, Grey, LocalFeatures, features_of_grey, prepare_grey

_T = TypeVar("_T")
# What a picture's comparisons share: its grey levels and dense features, worked out once per
# picture however many candidates it is compared with (an archive search verifies up to eight).
# Held only while the picture itself is: the entries go when the Image object does. (Images
# compare by content and cannot be hashed, so they are known by identity.)
_WORKED: dict[int, dict[str, Any]] = {}
_WORKED_LOCK = threading.Lock()


def _forget(key: int) -> None:
    with _WORKED_LOCK:
        _WORKED.pop(key, None)


def _once(picture: Image.Image, key: str, make: Callable[[], _T]) -> _T:
    """`make()` for this picture, computed on its first use (deterministic, so shareable)."""
    with _WORKED_LOCK:
        known = _WORKED.get(id(picture), {})
        if key in known:
            value: _T = known[key]
            return value
    value = make()
    if isinstance(value, np.ndarray):
        value.setflags(write=False)  # shared between comparisons: nobody may change it
    with _WORKED_LOCK:
        if id(picture) not in _WORKED:
            _WORKED[id(picture)] = {}
            weakref.finalize(picture, _forget, id(picture))
        _WORKED[id(picture)][key] = value
    return value


# A picture's pixels, or how to get them: read only when a comparison needs them.
Pixels = Image.Image | Callable[[], Image.Image]


class Side:
    """One picture of a comparison: what is known of it, the rest worked out on first use."""

    def __init__(self, pixels: Pixels, dense: LocalFeatures | None) -> None:
        self._pixels = pixels
        self._dense = dense

    def image(self) -> Image.Image:
        if not isinstance(self._pixels, Image.Image):
            self._pixels = self._pixels()
        return self._pixels

    def grey(self) -> Grey:
        image = self.image()
        return _once(image, "grey", lambda: prepare_grey(image))

    def shape(self) -> tuple[int, int]:
        """(height, width) of the grey image the features refer to."""
        if self._dense is not None:
            return self._dense.height, self._dense.width
        height, width = self.grey().shape
        return height, width

    def dense(self) -> LocalFeatures:
        if self._dense is None:
            grey = self.grey()
            self._dense = _once(
                self.image(), "dense", lambda: features_of_grey(grey, DENSE_POINTS)
            )
        return self._dense

    def flipped(self) -> Grey:
        grey = self.grey()
        return _once(self.image(), "flipped", lambda: np.ascontiguousarray(grey[:, ::-1]))

    def dense_flipped(self) -> LocalFeatures:
        image = self.image()
        return _once(
            image, "dense flipped", lambda: features_of_grey(self.flipped(), DENSE_POINTS)
        )
