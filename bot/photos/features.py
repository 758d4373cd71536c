"""Local features of a photo: ORB keypoints and binary descriptors, extracted at a bounded size.

The fingerprint (bot/photos/hashing.py) is a global summary and loses a cropped or
letterboxed copy; local features survive crops, bars, rotation and rescaling because each
describes a small patch. They are extracted once per photo at `MAX_SIDE` after uniform
borders (a screenshot's bars) are trimmed, and stored with `to_bytes()` (about 3.5 KB).
The coordinates refer to `prepare_grey(image)`, which verification reproduces exactly.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageOps

from bot.photos.decode import JPEG, check_size, open_image, reduced_request, sniff
from bot.photos.facts import PhotoRejected

# Longer side of the image features are extracted from: enough detail for a 25 % crop to keep
# ~100 keypoints, small enough that extraction takes a few milliseconds.
MAX_SIDE = 640
# Keypoints kept per photo. 96 x (32-byte descriptor + 4-byte position) = 3,456 bytes keeps a
# photo's features under the index's 4 KB budget.
STORED_POINTS = 96
# Keypoints of the denser set the geometric check falls back on when the stored ones do not
# suffice (a crop keeps too few of them); kept beside the stored ones, see feature_store.
DENSE_POINTS = 500
# A row or column at the border is part of a bar (letterbox, screenshot background) and is
# cut off before extraction when this share of it lies within this many grey levels of its
# median, and that median is near black or white; the rest may be icons.
_BAR_TOLERANCE = 10
_BAR_SHARE = 0.9
_BAR_DARK = 24
_BAR_MAX_SHARE = 0.45
_BAR_PROBE_SIDE = 400
_ORIENTATION = 0x0112

# Greyscale uint8 images; numpy's precise dtypes do not survive OpenCV's loosely typed calls.
Grey = np.ndarray[Any, Any]

_MAGIC = b"LF"
_VERSION = 1
_HEADER = struct.Struct("<2sBHHH")  # magic, version, width, height, count
# Positions are stored as fixed-point uint16: 1/64 pixel steps up to 1023 pixels.
_POINT_SCALE = 64.0


@dataclass(frozen=True)
class LocalFeatures:
    """Keypoints and binary descriptors of one photo, in the coordinates of its bounded image."""

    width: int
    height: int
    points: np.ndarray[Any, np.dtype[np.float32]]  # (N, 2) x, y
    descriptors: np.ndarray[Any, np.dtype[np.uint8]]  # (N, 32) ORB bits

    def __len__(self) -> int:
        return int(self.points.shape[0])

    def to_bytes(self) -> bytes:
        """A compact, versioned encoding: 9-byte header, then 36 bytes per keypoint."""
        count = len(self)
        fixed = np.clip(np.rint(self.points * _POINT_SCALE), 0, 65535).astype("<u2")
        header = _HEADER.pack(_MAGIC, _VERSION, self.width, self.height, count)
        body: bytes = fixed.tobytes() + np.ascontiguousarray(self.descriptors).tobytes()
        return header + body

    @classmethod
    def from_bytes(cls, data: bytes) -> LocalFeatures:
        """Decode `to_bytes()` output; ValueError when it is not such an encoding."""
        if len(data) < _HEADER.size:
            raise ValueError("local features: too short")
        magic, version, width, height, count = _HEADER.unpack_from(data)
        if magic != _MAGIC or version != _VERSION:
            raise ValueError(f"local features: unknown encoding {magic!r} v{version}")
        if len(data) != _HEADER.size + count * 36:
            raise ValueError("local features: wrong length")
        start = _HEADER.size
        fixed = np.frombuffer(data, dtype="<u2", count=count * 2, offset=start)
        points = (fixed.astype(np.float32) / _POINT_SCALE).reshape(count, 2)
        descriptors = np.frombuffer(
            data, dtype=np.uint8, count=count * 32, offset=start + count * 4
        )
        return cls(width, height, points, descriptors.reshape(count, 32).copy())


def _bar_run(flat: np.ndarray[Any, Any]) -> int:
    """How many leading entries of `flat` are True, at most `_BAR_MAX_SHARE` of them."""
    limit = int(len(flat) * _BAR_MAX_SHARE)
    count = 0
    while count < limit and flat[count]:
        count += 1
    return count


def _bar_lines(probe: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Which rows of `probe` look like a bar: black or white except for a few icons."""
    median = np.median(probe, axis=1, keepdims=True)
    share = (np.abs(probe - median) <= _BAR_TOLERANCE).mean(axis=1)
    # Only near-black or near-white: a clear sky or a white-washed wall stays in the picture.
    extreme = (median[:, 0] <= _BAR_DARK) | (median[:, 0] >= 255 - _BAR_DARK)
    flags: np.ndarray[Any, Any] = (share >= _BAR_SHARE) & extreme
    return flags


def _trim_bars(grey: Grey) -> Grey:
    """Cut off uniform rows and columns at the borders (letterbox and screenshot bars)."""
    h, w = grey.shape
    # The bars are large: finding them on a small copy is as good and much cheaper.
    step = max(1, max(h, w) // _BAR_PROBE_SIDE)
    probe = grey[::step, ::step].astype(np.int16)
    rows = _bar_lines(probe)
    cols = _bar_lines(probe.T)
    top, bottom = _bar_run(rows) * step, _bar_run(rows[::-1]) * step
    left, right = _bar_run(cols) * step, _bar_run(cols[::-1]) * step
    return grey[top : h - bottom, left : w - right]


def prepare_grey(image: Image.Image) -> Grey:
    """The upright, bar-trimmed greyscale image at `MAX_SIDE` that features refer to."""
    if image.getexif().get(_ORIENTATION, 1) != 1:
        image = ImageOps.exif_transpose(image)
    # Box reduction by an integer factor first: cheap, and the final resize then stays small.
    factor = max(1, max(image.size) // MAX_SIDE)
    if factor > 1:
        image = image.reduce(factor)
    grey = image if image.mode == "L" else image.convert("L")
    array = _trim_bars(np.asarray(grey, dtype=np.uint8))
    h, w = array.shape
    scale = MAX_SIDE / max(h, w)
    if scale < 1:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        array = cv2.resize(array, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(array)


# FAST corner thresholds, tried in turn until enough keypoints are found: smooth pictures (a
# blurred background, water, a white wall) give few corners at the first, and a crop of them
# fewer still, too few for any transform to be found.
_FAST_THRESHOLDS = (7, 4, 2)


def _orb(count: int, threshold: int) -> Any:
    return cv2.ORB.create(
        nfeatures=count,
        scaleFactor=1.2,
        nlevels=8,
        edgeThreshold=19,
        patchSize=19,
        fastThreshold=threshold,
    )


def features_of_grey(grey: Grey, count: int = STORED_POINTS) -> LocalFeatures:
    """ORB features of an already prepared greyscale image, the `count` strongest."""
    h, w = grey.shape
    # Local contrast equalisation gives dim, smooth photos (a stormy sky, water) keypoints too;
    # it is deterministic, so a copy's features are computed on the same equalised picture.
    equalised = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(grey)
    for threshold in _FAST_THRESHOLDS:
        keypoints, descriptors = _orb(count, threshold).detectAndCompute(equalised, None)
        if len(keypoints) >= count:
            break
    if descriptors is None or not keypoints:
        return LocalFeatures(w, h, np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8))
    order = sorted(range(len(keypoints)), key=lambda i: -keypoints[i].response)[:count]
    points = np.array([keypoints[i].pt for i in order], dtype=np.float32).reshape(-1, 2)
    return LocalFeatures(w, h, points, np.ascontiguousarray(descriptors[order], dtype=np.uint8))


def load_pixels(data: bytes) -> Image.Image:
    """Decode a photo file just large enough for features (>= MAX_SIDE); PhotoRejected if not.

    JPEG is decoded at a reduced DCT scale; the EXIF orientation is kept for prepare_grey.
    """
    check_size(data)
    kind = sniff(data)
    image = open_image(data, kind)
    try:
        if kind is JPEG:
            image.draft("RGB", reduced_request(image.size, MAX_SIDE))
        image.load()
    except Exception as exc:  # truncation, bad entropy data, decoder failures: all unreadable
        raise PhotoRejected("corrupt", f"cannot decode {kind.format} data ({exc})") from None
    return image


def extract_features(image: Image.Image) -> LocalFeatures:
    """Local features of a photo (any size), for storage and the geometric check."""
    return features_of_grey(prepare_grey(image))
