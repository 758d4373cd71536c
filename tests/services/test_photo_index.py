"""The vectorised duplicate search agrees with the photo pipeline's own distance."""

from __future__ import annotations

import random

from bot.photos import Fingerprint, near_duplicate_distance
from bot.services.photo_index import IndexedPhoto, PhotoIndex


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def _flip(value: str, bits: int, rng: random.Random) -> str:
    word = int(value, 16)
    for bit in rng.sample(range(64), bits):
        word ^= 1 << bit
    return f"{word:016x}"


def test_index_matches_exactly_what_the_pipeline_distance_accepts() -> None:
    rng = random.Random(7)
    stored: list[IndexedPhoto] = []
    for i in range(400):
        fp = Fingerprint(_hex(rng), _hex(rng), _hex(rng), _hex(rng))
        if i % 7 == 0:
            fp = Fingerprint(fp.phash, "", "", "")  # older rows may carry a pHash only
        stored.append(IndexedPhoto(i + 1, f"sha{i}", fp, i, 1, 1))
    index = PhotoIndex()
    index.add(stored)
    for trial in range(60):
        base = stored[rng.randrange(len(stored))].fingerprint
        query = Fingerprint(
            _flip(base.phash, rng.randrange(0, 30), rng),
            _flip(base.dhash, rng.randrange(0, 30), rng) if base.dhash and trial % 3 else "",
            _hex(rng) if trial % 2 else _flip(base.phash, rng.randrange(0, 12), rng),
            _hex(rng),
        )
        expected = {
            p.photo_id for p in stored if near_duplicate_distance(query, p.fingerprint) <= 18
        }
        got = {p.photo_id for p in index.matches("none", query, 18)}
        assert got == expected


def test_same_sha256_always_matches() -> None:
    index = PhotoIndex()
    fp = Fingerprint("0" * 16)
    index.add([IndexedPhoto(1, "abc", fp, 10, 1, 1)])
    far = Fingerprint("f" * 16)
    assert [p.visit_id for p in index.matches("abc", far, 0)] == [10]
    assert index.matches("other", far, 0) == []
