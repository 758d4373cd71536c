"""The archive search at scale: an indexed lookup among millions against a scan of 10,000.

Generates archives of photos as the index files them (one `photos` row, 16 fingerprint
chunks and 64 visual words per photo; random hashes and words, which is the index's best
case for bucket sizes: real descriptors crowd some words, see docs/benchmarks.md), grows them
size by size, and at each size times, with the real queries of `storage/queries/photo_search.py`:

- search: the database side of one photo's archive search (the fingerprint lookup, the word
  counts, the candidates' rows) for a lightly changed copy of a stored photo, which must be
  found;
- add: filing one new photo (its row, chunks and words) in its own transaction;
- the index's size on disk per photo (the two index tables with their keys);
- the process's resident memory after the searches.

Against it, in the same run, the brute force over 10,000 photos held in memory: the
crop-tolerant fingerprint distance to each (numpy, as the bot did before the index) and the
count of stored descriptors within matching distance of the new photo's descriptors.

    python -m bench.reuse_scale [--quick] [--sizes 1000000,10000000] [--brute 10000]

PostgreSQL is used when BANGFU_TEST_PG_URL (a superuser URL) is set: COPY loads it; SQLite
is loaded by executemany in large transactions.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np
import numpy.typing as npt
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.photos import Fingerprint
from bot.photos.search_keys import STORED_DESCRIPTORS, WORD_BITS, fingerprint_chunks
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import Household, OrgUnit, User
from storage.uow import UnitOfWork

BATCH = 50_000
PHOTOS_PER_VISIT = 10
QUERY_DESCRIPTORS = 500  # a new photo's: 250 keypoints and their mirror image
# Its lookup: each descriptor's word and the 24 one bit away (search_keys.probe_words).
QUERY_WORDS = QUERY_DESCRIPTORS * 25
SHARED_WORDS = 8  # of a stored photo's 64 that a cropped copy typically still shares
INDEX_TABLES = ("photo_hash_chunks", "photo_words")
NOW = datetime(2026, 11, 28, tzinfo=UTC)
U64 = npt.NDArray[np.uint64]


def _say(message: str) -> None:
    print(message, flush=True)


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@functools.lru_cache(maxsize=4)
def _block(kind: str, block: int) -> npt.NDArray[Any]:
    """The generated values of one aligned block of BATCH photo ids."""
    rng = np.random.default_rng([block, 1 if kind == "words" else 0])
    if kind == "words":
        return rng.integers(0, 1 << WORD_BITS, size=(BATCH, STORED_DESCRIPTORS), dtype=np.int64)
    return rng.integers(0, 2**64, size=(BATCH, 4), dtype=np.uint64)


def _values(kind: str, first: int, count: int) -> npt.NDArray[Any]:
    """Values of photos first..first+count-1, the same for a photo id however it is loaded."""
    parts = []
    pid = first
    while pid < first + count:
        block, offset = divmod(pid - 1, BATCH)
        take = min(BATCH - offset, first + count - pid)
        parts.append(_block(kind, block)[offset : offset + take])
        pid += take
    return np.concatenate(parts)


def _hashes(first: int, count: int) -> U64:
    """Four 64-bit hashes per photo."""
    hashes: U64 = _values("hashes", first, count)
    return hashes


def _words(first: int, count: int) -> npt.NDArray[np.int64]:
    """The 64 words each photo is filed under."""
    words: npt.NDArray[np.int64] = _values("words", first, count)
    return words


def _fingerprint(row: U64) -> Fingerprint:
    p, d, cp, cd = (f"{int(v):016x}" for v in row)
    return Fingerprint(p, d, cp, cd)


def _photo_rows(first: int, hashes: U64) -> Iterator[tuple[Any, ...]]:
    for offset, row in enumerate(hashes):
        pid = first + offset
        fp = _fingerprint(row)
        yield (
            pid,
            1 + (pid - 1) // PHOTOS_PER_VISIT,
            f"{pid:064x}",
            fp.phash,
            fp.encode(),
            f"photos/{pid % 256:02x}/{pid}.jpg",
            f"photos/thumbs/{pid}.jpg",
        )


def _pairs(keys: npt.NDArray[np.int64], first: int) -> list[tuple[int, int]]:
    """(key, photo id) rows, distinct and sorted, from one row of keys per photo."""
    ids = np.arange(first, first + keys.shape[0], dtype=np.int64)[:, None]
    combined = np.unique((keys << 32) | ids)
    return list(zip((combined >> 32).tolist(), (combined & 0xFFFFFFFF).tolist(), strict=True))


def _chunk_rows(first: int, hashes: U64) -> list[tuple[int, int]]:
    """What `fingerprint_chunks` files for each photo, computed for a whole batch at once."""
    keys = []
    for column in range(4):  # phash, dhash, centre phash, centre dhash
        half = column % 2
        for i in range(4):
            part = (hashes[:, column] >> np.uint64(16 * i)) & np.uint64(0xFFFF)
            keys.append(((half * 4 + i) << 16) | part.astype(np.int64))
    return _pairs(np.stack(keys, 1), first)


def _word_rows(first: int, words: npt.NDArray[np.int64]) -> list[tuple[int, int]]:
    return _pairs(words, first)


async def _base(engine: AsyncEngine) -> None:
    """One county, helper and household that every generated visit belongs to."""
    await upgrade(engine)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            insert(OrgUnit.__table__), [{"id": 1, "kind": "county", "name": "縣", "path": "/1/"}]
        )
        await conn.execute(
            insert(User.__table__),
            [
                {
                    "id": 1,
                    "name": "王建國",
                    "phone": "+8613000000001",
                    "role": "helper",
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        await conn.execute(
            insert(Household.__table__),
            [
                {
                    "id": 1,
                    "head_name": "李家",
                    "members": 3,
                    "village_id": 1,
                    "causes": [],
                    "status": "poor",
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )


def _visit_rows(first_visit: int, last_visit: int) -> list[tuple[Any, ...]]:
    day = date(2026, 3, 2)
    at = datetime(2026, 3, 2, 2, tzinfo=UTC)
    return [
        (v, 1, 1, at, at, 202603, day, f"b:{v}", "none", False, False, False, at)
        for v in range(first_visit, last_visit + 1)
    ]


_VISIT_COLUMNS = (
    "id, household_id, helper_id, visited_at, received_at, period, local_day, "
    "idempotency_key, location_source, late, location_live, location_forwarded, created_at"
)
_PHOTO_COLUMNS = "id, visit_id, sha256, phash, fingerprint, file_path, thumb_path"
_PHOTO_FIXED = {
    "format": "JPEG",
    "width": 4000,
    "height": 3000,
    "size_bytes": 3_000_000,
    "taken_offset_known": False,
    "as_document": False,
    "forwarded": False,
    "created_at": NOW,
    "searched_at": NOW,
    "indexed_at": NOW,
}


class Loader:
    """Bulk loading of one database: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, engine: AsyncEngine, dsn: str | None) -> None:
        self.engine = engine
        self.dsn = dsn
        self.loaded = 0

    async def grow(self, size: int) -> None:
        """Add photos (with visits and index rows) until the archive holds `size`."""
        while self.loaded < size:
            # Aligned to the generator's blocks, so each batch draws from one block.
            count = min(BATCH - self.loaded % BATCH, size - self.loaded)
            first = self.loaded + 1
            hashes = _hashes(first, count)
            words = _words(first, count)
            first_visit = 1 + (first - 1) // PHOTOS_PER_VISIT
            last_visit = 1 + (first + count - 2) // PHOTOS_PER_VISIT
            known = 1 + (self.loaded - 1) // PHOTOS_PER_VISIT if self.loaded else 0
            visits = _visit_rows(max(first_visit, known + 1), last_visit)
            photos = [(*row, *_PHOTO_FIXED.values()) for row in _photo_rows(first, hashes)]
            chunks = _chunk_rows(first, hashes)
            filed = _word_rows(first, words)
            if self.dsn is not None:
                await self._copy(visits, photos, chunks, filed)
            else:
                await self._insert(visits, photos, chunks, filed)
            self.loaded += count

    async def _insert(self, *tables: list[tuple[Any, ...]]) -> None:
        visits, photos, chunks, filed = tables
        fixed = ", ".join(_PHOTO_FIXED)
        marks = ", ".join("?" * (7 + len(_PHOTO_FIXED)))
        async with self.engine.begin() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            # A generated archive need not survive a power cut while it loads.
            await raw.execute("PRAGMA synchronous = OFF")
            await raw.executemany(
                f"INSERT INTO visits ({_VISIT_COLUMNS}) VALUES ({', '.join('?' * 13)})",
                [
                    (*v[:3], *(x.isoformat(" ") if hasattr(x, "hour") else x for x in v[3:]))
                    for v in visits
                ],
            )
            await raw.executemany(
                f"INSERT INTO photos ({_PHOTO_COLUMNS}, {fixed}) VALUES ({marks})",
                [
                    tuple(x.isoformat(" ") if isinstance(x, datetime) else x for x in p)
                    for p in photos
                ],
            )
            await raw.executemany("INSERT INTO photo_hash_chunks VALUES (?, ?)", chunks)
            await raw.executemany("INSERT INTO photo_words VALUES (?, ?)", filed)

    async def _copy(self, *tables: list[tuple[Any, ...]]) -> None:
        visits, photos, chunks, filed = tables
        assert self.dsn is not None
        conn = await asyncpg.connect(self.dsn)
        try:
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "visits", records=visits, columns=_VISIT_COLUMNS.split(", ")
                )
                await conn.copy_records_to_table(
                    "photos",
                    records=photos,
                    columns=[*_PHOTO_COLUMNS.split(", "), *_PHOTO_FIXED],
                )
                await conn.copy_records_to_table(
                    "photo_hash_chunks", records=chunks, columns=["chunk", "photo_id"]
                )
                await conn.copy_records_to_table(
                    "photo_words", records=filed, columns=["word", "photo_id"]
                )
        finally:
            await conn.close()


def _flip(value: int, bits: list[int]) -> int:
    for bit in bits:
        value ^= 1 << bit
    return value


def _copy_of(photo_id: int, rng: np.random.Generator) -> tuple[Fingerprint, list[int]]:
    """A lightly changed copy of stored photo `photo_id`: its fingerprint and query words."""
    row = _hashes(photo_id, 1)[0]
    words = _words(photo_id, 1)[0]
    # A re-encoded copy: a few bits of pHash and dHash differ.
    hashes = [_flip(int(v), [int(b) for b in rng.choice(64, 2, replace=False)]) for v in row]
    fp = Fingerprint(*(f"{h:016x}" for h in hashes))
    shared = [int(w) for w in rng.choice(words, SHARED_WORDS, replace=False)]
    fresh = rng.integers(0, 1 << WORD_BITS, size=QUERY_WORDS - SHARED_WORDS)
    return fp, sorted({*shared, *(int(w) for w in fresh)})


async def _search(uow: UnitOfWork, fp: Fingerprint, words: list[int]) -> set[int]:
    async with uow:
        by_fp = await uow.photo_search.by_fingerprint("0" * 64, fingerprint_chunks(fp), None)
        ids = await uow.photo_search.by_words(words, 8, min_hits=1)
        rows = await uow.photo_search.archive_photos(ids)
    return {r.photo_id for r in by_fp} | {r.photo_id for r in rows}


async def _add_one(uow: UnitOfWork, photo_id: int) -> None:
    rng = np.random.default_rng(photo_id)
    fp = _fingerprint(rng.integers(0, 2**64, size=4, dtype=np.uint64))
    words = [int(w) for w in rng.integers(0, 1 << WORD_BITS, size=STORED_DESCRIPTORS)]
    async with uow:
        await uow.session.execute(
            text(
                "INSERT INTO photos (id, visit_id, sha256, phash, fingerprint, format, width, "
                "height, size_bytes, taken_offset_known, as_document, forwarded, file_path, "
                "thumb_path, created_at) VALUES (:id, 1, :sha, :p, :fp, 'JPEG', 1, 1, 1, "
                "false, false, false, 'x', 'y', :now)"
            ),
            {
                "id": photo_id,
                "sha": f"{photo_id:064x}",
                "p": fp.phash,
                "fp": fp.encode(),
                "now": NOW,
            },
        )
        await uow.photo_search.add_chunks(photo_id, fingerprint_chunks(fp))
        await uow.photo_search.add_words(photo_id, words)
        await uow.commit()


async def _index_bytes(engine: AsyncEngine, backend: str) -> int:
    async with engine.connect() as conn:
        if backend == "postgresql":
            total = 0
            for table in INDEX_TABLES:
                total += int(
                    await conn.scalar(text(f"SELECT pg_total_relation_size('{table}')")) or 0
                )
            return total
        rows = await conn.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
        return sum(int(size) for name, size in rows if name in INDEX_TABLES)


async def measure(
    engine: AsyncEngine, backend: str, size: int, repeats: int, rng: np.random.Generator
) -> dict[str, float]:
    """Median search and add times at the current size, index bytes per photo, memory."""
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    sessions = session_factory(engine)
    searches: list[float] = []
    found = 0
    for i in range(repeats + 1):
        target = int(rng.integers(1, size + 1))
        fp, words = _copy_of(target, rng)
        t0 = time.perf_counter()
        hits = await _search(UnitOfWork(sessions), fp, words)
        if i > 0:
            searches.append(time.perf_counter() - t0)
            found += target in hits
    adds: list[float] = []
    for i in range(repeats + 1):
        t0 = time.perf_counter()
        await _add_one(UnitOfWork(sessions), 2 * 10**9 + size + i)
        if i > 0:
            adds.append(time.perf_counter() - t0)
    async with engine.begin() as conn:
        for table in ("photo_words", "photo_hash_chunks", "photos"):
            column = "id" if table == "photos" else "photo_id"
            await conn.execute(text(f"DELETE FROM {table} WHERE {column} >= {2 * 10**9}"))
    gc.collect()
    return {
        "search": statistics.median(searches),
        "add": statistics.median(adds),
        "recall": found / repeats,
        "index_bytes": await _index_bytes(engine, backend) / size,
        "rss_mib": _rss_mib(),
    }


def _brute_force(count: int, repeats: int, rng: np.random.Generator) -> tuple[float, float]:
    """Median seconds to compare one photo with `count` photos held in memory: by the
    fingerprint alone (the bot's old scan), and by fingerprint and descriptors."""
    hashes = np.random.default_rng(7).integers(0, 2**64, size=(count, 4), dtype=np.uint64)
    descriptors = rng.integers(0, 2**63, size=(count * STORED_DESCRIPTORS, 4), dtype=np.uint64)
    query = rng.integers(0, 2**63, size=(QUERY_DESCRIPTORS, 4), dtype=np.uint64)
    fingerprint: list[float] = []
    both: list[float] = []
    for _ in range(repeats):
        q = hashes[int(rng.integers(count))]
        t0 = time.perf_counter()
        whole = np.bitwise_count(hashes[:, 0] ^ q[0]) + np.bitwise_count(hashes[:, 1] ^ q[1])
        dist = whole // 2
        for a, b in ((0, 2), (2, 0)):
            other = np.bitwise_count(hashes[:, a] ^ q[b])
            other = other + np.bitwise_count(hashes[:, a + 1] ^ q[b + 1])
            dist = np.minimum(dist, other // 2)
        near = int((dist <= 12).sum())
        t1 = time.perf_counter()
        matched = 0
        for d in query:
            distance = np.bitwise_count(descriptors ^ d).sum(axis=1)
            matched += int((distance <= 40).sum())
        t2 = time.perf_counter()
        fingerprint.append(t1 - t0)
        both.append(t2 - t0)
        assert near >= 0 and matched >= 0
    return statistics.median(fingerprint), statistics.median(both)


async def _pg_database() -> tuple[str, str, str] | None:
    admin = os.environ.get("BANGFU_TEST_PG_URL")
    if not admin:
        return None
    name = f"bench_{uuid.uuid4().hex[:10]}"
    dsn = make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = make_url(admin).set(database=name)
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return url.render_as_string(hide_password=False), plain, name


async def _drop_pg(name: str) -> None:
    admin = os.environ["BANGFU_TEST_PG_URL"]
    dsn = make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _figure(name: str, value: float, unit: str, goal: str, met: bool) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "goal": goal, "met": met}


async def run(
    sizes: list[int], brute: int, repeats: int, backends: frozenset[str]
) -> dict[str, Any]:
    """Both databases, growing through `sizes`; the figures of each."""
    rng = np.random.default_rng(13)
    # Seconds per round at 10,000: three rounds tell the median well enough.
    brute_fp, brute_both = _brute_force(brute, min(repeats, 3), rng)
    _say(
        f"brute force over {brute:,} photos in memory: fingerprint {brute_fp * 1000:.2f} ms, "
        f"fingerprint and descriptors {brute_both * 1000:.1f} ms"
    )
    figures = [
        _figure(f"brute_{brute}_fingerprint_ms", round(brute_fp * 1000, 3), "ms", "none", True),
        _figure(f"brute_{brute}_ms", round(brute_both * 1000, 2), "ms", "none", True),
    ]
    with tempfile.TemporaryDirectory(prefix="bangfu-reuse-") as tmp:
        legs: list[tuple[str, str, str | None, str | None]] = []
        if "sqlite" in backends:
            legs.append(
                ("sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'reuse.sqlite3'}", None, None)
            )
        pg = await _pg_database() if "postgresql" in backends else None
        if pg is not None:
            legs.append(("postgresql", pg[0], pg[1], pg[2]))
        else:
            _say("BANGFU_TEST_PG_URL is not set: PostgreSQL is not measured in this run")
        for backend, url, dsn, pg_name in legs:
            engine = create_engine(url)
            try:
                await _base(engine)
                loader = Loader(engine, dsn)
                results: list[tuple[int, dict[str, float]]] = []
                for size in sizes:
                    t0 = time.perf_counter()
                    await loader.grow(size)
                    _say(f"{backend}: {size:,} photos loaded ({time.perf_counter() - t0:.0f} s)")
                    m = await measure(engine, backend, size, repeats, rng)
                    results.append((size, m))
                    _say(
                        f"{backend} @ {size:,}: search {m['search'] * 1000:.1f} ms "
                        f"(found {m['recall']:.0%}), add {m['add'] * 1000:.1f} ms, "
                        f"index {m['index_bytes']:,.0f} B/photo, RSS {m['rss_mib']:.0f} MiB"
                    )
            finally:
                await engine.dispose()
                if pg_name is not None:
                    await _drop_pg(pg_name)
            for size, m in results:
                tag = f"{backend}_{size}"
                figures += [
                    _figure(
                        f"{tag}_search_ms",
                        round(m["search"] * 1000, 2),
                        "ms",
                        f"<= brute force over {brute:,} ({brute_both * 1000:.1f} ms)",
                        m["search"] <= brute_both,
                    ),
                    _figure(f"{tag}_found", m["recall"], "share", "1.0", m["recall"] == 1.0),
                    _figure(f"{tag}_add_ms", round(m["add"] * 1000, 2), "ms", "flat", True),
                    _figure(
                        f"{tag}_index_bytes_per_photo",
                        round(m["index_bytes"]),
                        "bytes",
                        "<= 4096",
                        m["index_bytes"] <= 4096,
                    ),
                    _figure(f"{tag}_rss_mib", round(m["rss_mib"], 1), "MiB", "flat", True),
                ]
            first, last = results[0][1], results[-1][1]
            growth = last["add"] / first["add"] if first["add"] else 1.0
            figures.append(
                _figure(
                    f"{backend}_add_growth",
                    round(growth, 2),
                    "x",
                    f"<= 2 from {sizes[0]:,} to {sizes[-1]:,} photos",
                    growth <= 2,
                )
            )
            rss = last["rss_mib"] - first["rss_mib"]
            figures.append(
                _figure(f"{backend}_rss_growth_mib", round(rss, 1), "MiB", "<= 50", rss <= 50)
            )
    return {"bench": "reuse_scale", "figures": figures}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; the last line is JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a few thousand photos, seconds")
    parser.add_argument("--sizes", default="1000000,10000000", help="archive sizes, grown")
    parser.add_argument("--brute", type=int, default=10_000, help="photos of the brute force")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="which databases (comma-separated)"
    )
    args = parser.parse_args(argv)
    sizes = [500, 1_500] if args.quick else [int(s) for s in args.sizes.split(",")]
    brute = 100 if args.quick else args.brute
    repeats = 3 if args.quick else args.repeats
    backends = frozenset(args.backends.split(","))
    result = asyncio.run(run(sizes, brute, repeats, backends))
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
