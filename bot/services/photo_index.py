"""Finding photos already used in other visits: exact copies and near-duplicates.

Every stored photo's fingerprint (pHash and dHash of the whole picture and of its centre) is
held in numpy arrays, so one comparison against all stored photos is a few vectorised
operations computing the same crop-tolerant distance as `bot.photos.near_duplicate_distance`.
The index refreshes itself from the database before each lookup, re-reading a window of
recent ids because on PostgreSQL rows with smaller ids can commit after rows with larger ones;
photos stored by other bot processes are seen too.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.photos import Fingerprint
from storage.uow import UnitOfWork

_RECHECK_WINDOW = 1000
_FIELDS = ("phash", "dhash", "centre_phash", "centre_dhash")
Hashes = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class IndexedPhoto:
    """A stored photo as the duplicate search returns it."""

    photo_id: int
    sha256: str
    fingerprint: Fingerprint
    visit_id: int
    helper_id: int
    household_id: int


def _word(hex_hash: str) -> int:
    return int(hex_hash, 16) if hex_hash else 0


def _pair_distance(
    p: Hashes, d: Hashes, has_d: npt.NDArray[np.bool_], qp: int, qd: int
) -> npt.NDArray[np.int32]:
    """Mean of pHash and dHash distances (rounded up); pHash alone where a dHash is missing."""
    dp: npt.NDArray[np.int32] = np.bitwise_count(p ^ np.uint64(qp)).astype(np.int32)
    if not qd:
        return dp
    dd: npt.NDArray[np.int32] = np.bitwise_count(d ^ np.uint64(qd)).astype(np.int32)
    mean: npt.NDArray[np.int32] = np.where(has_d, (dp + dd + 1) // 2, dp)
    return mean


class PhotoIndex:
    """An in-memory index of every stored photo's hashes, kept fresh from the database."""

    def __init__(self) -> None:
        self._rows: dict[int, IndexedPhoto] = {}
        self._by_sha: dict[str, list[int]] = {}
        self._ids = np.zeros(0, dtype=np.int64)
        self._hashes = {name: np.zeros(0, dtype=np.uint64) for name in _FIELDS}
        self._present = {name: np.zeros(0, dtype=bool) for name in _FIELDS}
        self._max_id = 0
        self._lock = asyncio.Lock()

    def __len__(self) -> int:
        return len(self._rows)

    async def refresh(self, uow: UnitOfWork) -> None:
        """Load photos added since the last refresh (and re-check a recent window).

        Runs inside the caller's open unit of work.
        """
        async with self._lock:
            floor = max(0, self._max_id - _RECHECK_WINDOW)
            result = await uow.photos.since(floor)
            self.add(
                [
                    IndexedPhoto(pid, sha, Fingerprint.parse(fp), vid, hid, hhid)
                    for pid, sha, fp, vid, hid, hhid in result
                    if pid not in self._rows
                ]
            )

    def add(self, photos: list[IndexedPhoto]) -> None:
        """Index photos (used by refresh; tests and benchmarks may feed it directly)."""
        if not photos:
            return
        for photo in photos:
            self._rows[photo.photo_id] = photo
            self._by_sha.setdefault(photo.sha256, []).append(photo.photo_id)
            self._max_id = max(self._max_id, photo.photo_id)
        self._ids = np.concatenate([self._ids, [p.photo_id for p in photos]])
        for name in _FIELDS:
            values = [getattr(p.fingerprint, name) for p in photos]
            words = np.array([_word(v) for v in values], dtype=np.uint64)
            self._hashes[name] = np.concatenate([self._hashes[name], words])
            self._present[name] = np.concatenate([self._present[name], [bool(v) for v in values]])

    def matches(self, sha256: str, fingerprint: Fingerprint, threshold: int) -> list[IndexedPhoto]:
        """Stored photos with the same bytes, or a fingerprint within `threshold` (0..64)."""
        found = set(self._by_sha.get(sha256, ()))
        if len(self._ids):
            h, has = self._hashes, self._present
            q = {name: _word(getattr(fingerprint, name)) for name in _FIELDS}
            best = _pair_distance(h["phash"], h["dhash"], has["dhash"], q["phash"], q["dhash"])
            if q["centre_phash"]:
                whole_vs_centre = _pair_distance(
                    h["phash"], h["dhash"], has["dhash"], q["centre_phash"], q["centre_dhash"]
                )
                best = np.minimum(best, whole_vs_centre)
            centre_vs_whole = _pair_distance(
                h["centre_phash"], h["centre_dhash"], has["centre_dhash"], q["phash"], q["dhash"]
            )
            best = np.where(has["centre_phash"], np.minimum(best, centre_vs_whole), best)
            found.update(int(i) for i in self._ids[best <= threshold])
        return [self._rows[i] for i in sorted(found)]
