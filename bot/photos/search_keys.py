"""The keys under which the archive index files a photo: fingerprint chunks, visual words.

Fingerprint chunks (multi-index hashing). The evidence rule calls two photos the same when
the mean of their pHash and dHash distances is at most 12 (`REUSE_DISTANCE`), i.e. when the
128 bits of pHash and dHash together differ in at most 24. An exact-match index cannot
promise that radius cheaply: a guarantee needs 25 chunks of 5 bits, and each 5-bit chunk
matches one photo in 32 by chance, so half the archive would be read. Instead the 128 bits
are cut into 8 chunks of 16: by the pigeonhole principle a copy whose hashes differ in at
most 7 bits (mean distance <= 4: re-encodes, resizes, messenger copies, measured in
docs/evidence.md) shares at least one chunk exactly, and further copies share one by
likelihood; the crops that move the hashes further are the geometric stage's work. A 16-bit
chunk matches an unrelated photo once in 65,536, so a lookup among 10,000,000 photos reads
about 150 rows per key. The chunks of the whole picture and of its centre go under the same
keys, so whole/whole, whole/centre and centre/whole all meet; the full crop-tolerant distance
then decides.

Visual words (locality-sensitive hashing of binary descriptors). A descriptor's word is a
fixed sample of 24 of its 256 bits; descriptors of the same point in a copy usually differ
in few bits, so they often share a word, while two unrelated descriptors share one once in
16 million. Only the 40 strongest descriptors of a stored photo are filed: 40 rows, with
the 16 chunks about 3.3 KB per photo on PostgreSQL (64 words measured 4.7 KB, over the
4 KB budget). A new photo looks up the words of many more (and of its mirror image), so a
stored descriptor that survives a crop is likely to meet its counterpart. Measured on
generated scenes with 48 filed descriptors: copies cropped by 15-25 % share 3-10 words with
their original, screenshots and turned copies 26-38, other scenes 2-6. More bits per word
or more tables gave fewer shared words for crops at the same number of rows. The
"vocabulary" is just the sampled bit positions, drawn from a fixed seed: nothing to train
or ship, and stable across processes and releases.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bot.photos.facts import Fingerprint

CHUNK_BITS = 16
WORD_BITS = 24
WORD_TABLES = 1
# Strongest descriptors filed per stored photo, and looked up per new photo (per side).
STORED_DESCRIPTORS = 40
QUERY_DESCRIPTORS = 250

_SEED = 13_2026
_DESCRIPTOR_BITS = 256
_MASK = (1 << CHUNK_BITS) - 1


def _chunks(first: str, second: str) -> list[int]:
    keys: list[int] = []
    for half, value in enumerate((first, second)):
        if len(value) != 16:
            continue
        bits = int(value, 16)
        for i in range(64 // CHUNK_BITS):
            slot = half * (64 // CHUNK_BITS) + i
            keys.append(slot << CHUNK_BITS | (bits >> (i * CHUNK_BITS)) & _MASK)
    return keys


def fingerprint_chunks(fingerprint: Fingerprint) -> list[int]:
    """The distinct chunk keys of a fingerprint's whole-picture and centre hashes."""
    keys = _chunks(fingerprint.phash, fingerprint.dhash)
    keys += _chunks(fingerprint.centre_phash, fingerprint.centre_dhash)
    return sorted(set(keys))


def _positions() -> npt.NDArray[np.int64]:
    rng = np.random.default_rng(_SEED)
    rows = [rng.choice(_DESCRIPTOR_BITS, WORD_BITS, replace=False) for _ in range(WORD_TABLES)]
    return np.array(rows, dtype=np.int64)


_POSITIONS = _positions()
_WEIGHTS = (1 << np.arange(WORD_BITS, dtype=np.int64)).astype(np.int64)


def descriptor_words(descriptors: npt.NDArray[np.uint8], limit: int) -> list[int]:
    """The distinct words of the first `limit` descriptors (rows of 32 bytes, strongest first)."""
    if descriptors.size == 0:
        return []
    rows = np.ascontiguousarray(descriptors[:limit], dtype=np.uint8).reshape(-1, 32)
    bits = np.unpackbits(rows, axis=1).astype(np.int64)
    words: set[int] = set()
    for table in range(WORD_TABLES):
        values = bits[:, _POSITIONS[table]] @ _WEIGHTS
        words.update(int(v) | table << WORD_BITS for v in values)
    return sorted(words)


def probe_words(descriptors: npt.NDArray[np.uint8], limit: int) -> list[int]:
    """The words of the first `limit` descriptors and every word one sampled bit away.

    A searched photo looks itself up under these, while stored photos are filed under their
    exact words only (multi-probe hashing): the same point in a crop or a screenshot keeps
    most bits of its descriptor, yet a single changed bit among the 24 sampled ones moved its
    exact word, so crops used to meet their original in 0 to 3 words, too few to rank.
    """
    exact = descriptor_words(descriptors, limit)
    flips = [1 << bit for bit in range(WORD_BITS)]
    return sorted({w ^ f for w in exact for f in flips} | set(exact))
