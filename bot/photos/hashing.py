"""Content hashes: SHA-256 for identity, perceptual hashes for near-duplicates.

Calibration (docs/photos.md, tests/photos/test_hashing.py), on generated scenes through the
real pipeline: the 64-bit pHash alone keeps re-encodes, resizes and brightness changes within
2-5 bits but a 5% crop reaches ~22 while different scenes of the same kind come as close as
16, so pHash alone cannot tell a cropped copy from another picture. The fingerprint adds a
dHash and both hashes of the central 90% of the picture; the distance is the smallest of the
whole/whole, whole/centre and centre/whole comparisons, each the mean of the pHash and dHash
distances. Copies then stay at or below ~16, different scenes start at ~21.
"""

from __future__ import annotations

import hashlib

import imagehash
from PIL import Image

from bot.photos.facts import Fingerprint

# Threshold on near_duplicate_distance(); as both live on the same 0..64 scale it is also a
# sensible (less crop-tolerant) threshold for a bare phash_distance().
NEAR_DUPLICATE_DISTANCE = 18
# Share of each edge cut off for the centre hashes: a crop of up to ~5% per edge then lines
# up with the whole of the other picture.
CENTRE_CROP = 0.05

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of the raw file bytes."""
    return hashlib.sha256(data).hexdigest()


def _pair(image: Image.Image) -> tuple[str, str]:
    return str(imagehash.phash(image)), str(imagehash.dhash(image))


def perceptual_fingerprint(image: Image.Image) -> Fingerprint:
    """pHash and dHash of the whole image and of its central region."""
    grey = image if image.mode == "L" else image.convert("L")
    w, h = grey.size
    dx, dy = round(w * CENTRE_CROP), round(h * CENTRE_CROP)
    whole = _pair(grey)
    centre = _pair(grey.crop((dx, dy, w - dx, h - dy))) if w > 2 * dx and h > 2 * dy else whole
    return Fingerprint(whole[0], whole[1], centre[0], centre[1])


def _bits(value: str) -> int:
    if len(value) != 16 or not _HEX_DIGITS.issuperset(value):
        raise ValueError(f"not a 64-bit hex hash: {value!r}")
    return int(value, 16)


def phash_distance(a: str, b: str) -> int:
    """Hamming distance between two 16-hex-character 64-bit hashes."""
    return (_bits(a) ^ _bits(b)).bit_count()


def _mean_distance(p1: str, d1: str, p2: str, p2d: str) -> int:
    p = phash_distance(p1, p2)
    if not d1 or not p2d:
        return p
    return (p + phash_distance(d1, p2d) + 1) // 2


def near_duplicate_distance(a: Fingerprint, b: Fingerprint) -> int:
    """Crop-tolerant distance of two fingerprints on a 0..64 scale; pHash alone if that is all."""
    best = _mean_distance(a.phash, a.dhash, b.phash, b.dhash)
    if b.centre_phash:
        best = min(best, _mean_distance(a.phash, a.dhash, b.centre_phash, b.centre_dhash))
    if a.centre_phash:
        best = min(best, _mean_distance(a.centre_phash, a.centre_dhash, b.phash, b.dhash))
    return best


def is_near_duplicate(a: Fingerprint, b: Fingerprint) -> bool:
    """Whether two photos show the same picture, re-encoded, resized or lightly cropped."""
    return near_duplicate_distance(a, b) <= NEAR_DUPLICATE_DISTANCE
