"""The generated archive of bench.reuse_scale: photos as the index files them, and loading.

A photo's hashes and words depend only on its id (NumPy, in blocks), so an archive grows
and resumes. The loaded tables' secondary indexes are dropped for a load and built again
after it; the index tables' rows go in key order. SQLite is loaded by the standard library's
sqlite3 with journal and syncs off for the load only; PostgreSQL by binary COPY into the
index tables without their primary keys, which are added after it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np
import numpy.typing as npt
from sqlalchemy import insert, text
from sqlalchemy.dialects.postgresql import dialect as pg_dialect
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.schema import CreateIndex

from bot.photos import Fingerprint
from bot.photos.search_keys import CHUNK_BITS, STORED_DESCRIPTORS, WORD_BITS, fingerprint_chunks
from storage.base import Base
from storage.migrate import upgrade
from storage.models import Household, OrgUnit, User

BLOCK = 50_000  # photos per generator block: a photo's values depend only on its id
PHOTOS_PER_VISIT = 10
ROW_BATCH = 200_000  # visits/photos rows per transaction or COPY
PAIRS_PER_PART = 24_000_000  # index rows sorted and loaded at once (8 bytes each in memory)
SLICE = 1_000_000  # index rows handed to the driver at once
INDEX_TABLES = ("photo_hash_chunks", "photo_words")
KEY_BITS = {"photo_hash_chunks": CHUNK_BITS + 3, "photo_words": WORD_BITS}
KEY_COLUMN = {"photo_hash_chunks": "chunk", "photo_words": "word"}
# Secondary indexes dropped for a load and built after it: the index tables' own keys are
# their primary keys (the tables themselves on SQLite, where rows go in key order instead).
LOADED_TABLES = ("visits", "photos")
NOW = datetime(2026, 11, 28, tzinfo=UTC)
ADDED_FROM = 2 * 10**9  # ids of the photos filed by the add measurement
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
PG_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
PG_PAIR = np.dtype([("n", ">i2"), ("l1", ">i4"), ("k", ">i4"), ("l2", ">i4"), ("p", ">i4")])


def say(message: str) -> None:
    print(message, flush=True)


def resident_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _blocks(first: int, count: int) -> Iterator[tuple[int, int, int]]:
    """(block, offset in it, photos taken) covering photo ids first..first+count-1."""
    pid = first
    while pid < first + count:
        block, offset = divmod(pid - 1, BLOCK)
        take = min(BLOCK - offset, first + count - pid)
        yield block, offset, take
        pid += take


def _generated(kind: str, first: int, count: int) -> npt.NDArray[Any]:
    """Values of photos first..first+count-1, the same for a photo id however it is loaded."""
    parts = []
    for block, offset, take in _blocks(first, count):
        rng = np.random.default_rng([block, 1 if kind == "words" else 0])
        if kind == "words":
            values = rng.integers(
                0, 1 << WORD_BITS, size=(BLOCK, STORED_DESCRIPTORS), dtype=np.int64
            )
        else:
            values = rng.integers(0, 2**64, size=(BLOCK, 4), dtype=np.uint64)
        parts.append(values[offset : offset + take])
    return np.concatenate(parts)


def hashes_of(first: int, count: int) -> U64:
    """Four 64-bit hashes per photo: pHash, dHash, and the centre's pHash and dHash."""
    hashes: U64 = _generated("hashes", first, count)
    return hashes


def stored_words(first: int, count: int) -> I64:
    """The words each photo is filed under (STORED_DESCRIPTORS of them)."""
    words: I64 = _generated("words", first, count)
    return words


def _chunk_keys(hashes: U64) -> I64:
    """What `fingerprint_chunks` files for each photo, for a whole block at once."""
    keys = []
    for column in range(4):  # phash, dhash, centre phash, centre dhash
        half = column % 2
        for i in range(4):
            part = (hashes[:, column] >> np.uint64(16 * i)) & np.uint64(0xFFFF)
            keys.append(((half * 4 + i) << 16) | part.astype(np.int64))
    return np.stack(keys, 1)


def _keys(table: str, first: int, count: int) -> I64:
    if table == "photo_words":
        return stored_words(first, count)
    return _chunk_keys(hashes_of(first, count))


def _sorted_pairs(table: str, first: int, count: int) -> Iterator[I64]:
    """The table's (key << 32 | photo id) rows for these photos, distinct, in key order, in
    parts of the key space small enough to sort in memory (each part regenerates the keys:
    cheaper than holding billions of rows)."""
    per_photo = STORED_DESCRIPTORS if table == "photo_words" else 16
    bits = (-(-count * per_photo // PAIRS_PER_PART) - 1).bit_length()
    shift = KEY_BITS[table] - bits
    parts = 1 << bits
    for part in range(parts):
        chosen = []
        for block, offset, take in _blocks(first, count):
            start = block * BLOCK + offset + 1
            keys = _keys(table, start, take)
            ids = np.arange(start, start + take, dtype=np.int64)[:, None]
            packed = ((keys << 32) | ids).ravel()
            if parts > 1:
                packed = packed[(packed >> (32 + shift)) == part]
            chosen.append(packed)
        yield np.unique(np.concatenate(chosen))


def _visit_rows(first_visit: int, last_visit: int) -> list[tuple[Any, ...]]:
    day = date(2026, 3, 2)
    at = datetime(2026, 3, 2, 2, tzinfo=UTC)
    return [
        (v, 1, 1, at, at, 202603, day, f"b:{v}", "none", False, False, False, at)
        for v in range(first_visit, last_visit + 1)
    ]


def fingerprint_of(row: U64) -> Fingerprint:
    p, d, cp, cd = (f"{int(v):016x}" for v in row)
    return Fingerprint(p, d, cp, cd)


def _json_numbers(values: I64) -> str:
    """A JSON array of non-negative integers, written by NumPy: fixed-width fields, the
    leading zeros turned into spaces (JSON allows the whitespace, not the zeros)."""
    width = 19
    digits = np.empty((len(values), width + 1), dtype=np.uint8)
    rest = values.astype(np.int64)
    for column in range(width - 1, -1, -1):
        rest, digit = np.divmod(rest, 10)
        digits[:, column] = digit
    leading = ~np.maximum.accumulate(digits[:, :width] != 0, axis=1)
    leading[:, -1] = False
    digits[:, :width] += ord("0")
    digits[:, :width][leading] = ord(" ")
    digits[:, width] = ord(",")
    return "[" + digits.tobytes().decode("ascii")[:-1] + "]"


def _json_fingerprints(hashes: U64) -> str:
    """A JSON array of the encoded fingerprints (`phash:dhash:centre_phash:centre_dhash`)."""
    hexed = np.frombuffer(hashes.astype(">u8").tobytes().hex().encode("ascii"), np.uint8)
    hexed = hexed.reshape(len(hashes), 4, 16)
    out = np.full((len(hashes), 4, 17), ord(":"), dtype=np.uint8)
    out[:, :, 1:] = hexed
    out[:, 0, 0] = ord('"')
    rows = np.empty((len(hashes), 4 * 17 + 2), dtype=np.uint8)
    rows[:, : 4 * 17] = out.reshape(len(hashes), 4 * 17)
    rows[:, 4 * 17] = ord('"')
    rows[:, 4 * 17 + 1] = ord(",")
    return "[" + rows.tobytes().decode("ascii")[:-1] + "]"


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


def _photo_rows(first: int, count: int) -> list[tuple[Any, ...]]:
    rows = []
    fixed = tuple(_PHOTO_FIXED.values())
    for offset, row in enumerate(hashes_of(first, count)):
        pid = first + offset
        fp = fingerprint_of(row)
        rows.append(
            (
                pid,
                1 + (pid - 1) // PHOTOS_PER_VISIT,
                f"{pid:064x}",
                fp.phash,
                fp.encode(),
                f"photos/{pid % 256:02x}/{pid}.jpg",
                f"photos/thumbs/{pid}.jpg",
                *fixed,
            )
        )
    return rows


def _secondary_indexes(dialect: Dialect) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the loaded tables' secondary indexes, as the
    product's schema defines them (tests/storage/test_schema.py holds the migrations to it)."""
    found = []
    for name in LOADED_TABLES:
        for index in sorted(Base.metadata.tables[name].indexes, key=lambda i: str(i.name)):
            create = CreateIndex(index, if_not_exists=True).compile(dialect=dialect)
            found.append((str(index.name), str(create)))
    return found


def added_photo(photo_id: int) -> tuple[Fingerprint, list[int]]:
    """The fingerprint and words of a photo filed by the add measurement."""
    rng = np.random.default_rng(photo_id)
    fp = fingerprint_of(rng.integers(0, 2**64, size=4, dtype=np.uint64))
    words = [int(w) for w in rng.integers(0, 1 << WORD_BITS, size=STORED_DESCRIPTORS)]
    return fp, words


def added_rows(photo_ids: list[int]) -> dict[str, list[tuple[int, int]]]:
    """The index rows of photos filed by the add measurement, to remove them by key: the
    index tables have no index on the photo alone, so a delete by photo (or a foreign key
    check on deleting the photo) would read the whole table."""
    rows: dict[str, list[tuple[int, int]]] = {table: [] for table in INDEX_TABLES}
    for pid in photo_ids:
        fp, words = added_photo(pid)
        rows["photo_hash_chunks"] += [(c, pid) for c in fingerprint_chunks(fp)]
        rows["photo_words"] += [(w, pid) for w in set(words)]
    return rows


class Loader:
    """Grows one generated archive; `loaded` is how many photos it holds."""

    loaded = 0

    async def grow(self, size: int) -> None:
        """Add photos (with their visits and index rows) until the archive holds `size`."""
        if size <= self.loaded:
            return
        first, count = self.loaded + 1, size - self.loaded
        t0 = time.perf_counter()
        await self.drop_indexes()
        known = 1 + (self.loaded - 1) // PHOTOS_PER_VISIT if self.loaded else 0
        for start in range(first, size + 1, ROW_BATCH):
            take = min(ROW_BATCH, size + 1 - start)
            last_visit = 1 + (start + take - 2) // PHOTOS_PER_VISIT
            await self.rows(known + 1, last_visit, start, take)
            known = last_visit
            say(f"  photos {start + take - 1:,} of {size:,} ({time.perf_counter() - t0:.0f} s)")
        for table in INDEX_TABLES:
            done = 0
            for pairs in _sorted_pairs(table, first, count):
                await self.pairs(table, pairs)
                done += len(pairs)
                say(f"  {table}: {done:,} rows ({time.perf_counter() - t0:.0f} s)")
        say(f"  building indexes ({time.perf_counter() - t0:.0f} s)")
        await self.build_indexes()
        await self.analyze()
        await self.mark(size)
        await self.close()
        self.loaded = size
        say(f"  loaded {size:,} photos ({time.perf_counter() - t0:.0f} s)")

    async def drop_indexes(self) -> None:
        """Drop what a bulk load should not maintain row by row."""
        raise NotImplementedError

    async def rows(self, first_visit: int, last_visit: int, first: int, count: int) -> None:
        """Load visits first_visit..last_visit and photos first..first+count-1."""
        raise NotImplementedError

    async def pairs(self, table: str, pairs: I64) -> None:
        """Load packed (key, photo id) rows into an index table."""
        raise NotImplementedError

    async def build_indexes(self) -> int:
        """Build what `drop_indexes` dropped (what is missing of it); how many were built."""
        raise NotImplementedError

    async def analyze(self) -> None:
        """Refresh the planner's statistics."""
        raise NotImplementedError

    async def mark(self, size: int) -> None:
        """Record that the archive holds `size` photos, complete with indexes."""
        raise NotImplementedError

    async def close(self) -> None:
        """Close the loading connection."""
        raise NotImplementedError

    async def remove_added(self) -> None:
        """Remove the photos the add measurement filed (ids from ADDED_FROM)."""
        raise NotImplementedError


class SqliteLoader(Loader):
    """Loads with the standard library's sqlite3, journal and syncs off for the load only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with closing(sqlite3.connect(path)) as conn:
            self.loaded = int(conn.execute("PRAGMA user_version").fetchone()[0])
            _truncate_sqlite(conn, self.loaded)
        self.conn: sqlite3.Connection | None = None

    def _open(self) -> sqlite3.Connection:
        if self.conn is None:
            # The generated archive need not survive a crash while it loads (a run killed
            # mid-load may leave the file unusable: delete it); the measurements reopen it
            # with the bot's own settings (WAL, synchronous NORMAL).
            self.conn = sqlite3.connect(self.path, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode = OFF")
            self.conn.execute("PRAGMA synchronous = OFF")
            self.conn.execute("PRAGMA cache_size = -1000000")
        return self.conn

    async def drop_indexes(self) -> None:
        """Drop the loaded tables' secondary indexes."""
        conn = self._open()
        for name, _ in _secondary_indexes(sqlite_dialect()):
            conn.execute(f"DROP INDEX IF EXISTS {name}")

    async def rows(self, first_visit: int, last_visit: int, first: int, count: int) -> None:
        """Insert visits and photos in one transaction, the rows made by SQL from a JSON
        array (one statement, no Python object per row)."""
        conn = self._open()
        at, day = _sqlite_value(datetime(2026, 3, 2, 2, tzinfo=UTC)), "2026-03-02"
        now = _sqlite_value(NOW)
        conn.execute("BEGIN")
        conn.execute(
            f"WITH RECURSIVE v(id) AS (SELECT ? UNION ALL SELECT id + 1 FROM v WHERE id < ?) "
            f"INSERT INTO visits ({_VISIT_COLUMNS}) SELECT id, 1, 1, ?, ?, 202603, ?, "
            f"'b:' || id, 'none', 0, 0, 0, ? FROM v",
            (first_visit, last_visit, at, at, day, at),
        )
        conn.execute(
            f"INSERT INTO photos ({_PHOTO_COLUMNS}, {', '.join(_PHOTO_FIXED)}) "
            f"SELECT ?1 + key, (?1 + key - 1) / {PHOTOS_PER_VISIT} + 1, "
            "printf('%064x', ?1 + key), substr(value, 1, 16), value, "
            "printf('photos/%02x/%d.jpg', (?1 + key) % 256, ?1 + key), "
            "printf('photos/thumbs/%d.jpg', ?1 + key), 'JPEG', 4000, 3000, 3000000, 0, 0, 0, "
            "?2, ?2, ?2 FROM json_each(?3)",
            (first, now, _json_fingerprints(hashes_of(first, count))),
        )
        conn.execute("COMMIT")

    async def pairs(self, table: str, pairs: I64) -> None:
        """Insert index rows in key order, one transaction per part."""
        conn = self._open()
        conn.execute("BEGIN")
        for start in range(0, len(pairs), SLICE):
            conn.execute(
                f"INSERT INTO {table} SELECT value >> 32, value & 4294967295 FROM json_each(?)",
                (_json_numbers(pairs[start : start + SLICE]),),
            )
        conn.execute("COMMIT")

    async def build_indexes(self) -> int:
        """Create the secondary indexes that are missing."""
        conn = self._open()
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        built = 0
        for name, create in _secondary_indexes(sqlite_dialect()):
            if name not in names:
                conn.execute(create)
                built += 1
        return built

    async def analyze(self) -> None:
        """The planner's statistics, as after the bot's own ANALYZE."""
        self._open().execute("ANALYZE")

    async def mark(self, size: int) -> None:
        """Keep the size in the file header's user_version."""
        self._open().execute(f"PRAGMA user_version = {int(size)}")

    async def remove_added(self) -> None:
        """Delete by key, foreign keys off (sqlite3's default) so no child table is scanned."""
        with closing(sqlite3.connect(self.path)) as conn:
            ids = [
                r[0] for r in conn.execute("SELECT id FROM photos WHERE id >= ?", (ADDED_FROM,))
            ]
            for table, rows in added_rows(ids).items():
                key = KEY_COLUMN[table]
                conn.executemany(f"DELETE FROM {table} WHERE {key} = ? AND photo_id = ?", rows)
            conn.execute("DELETE FROM photos WHERE id >= ?", (ADDED_FROM,))
            conn.commit()

    async def close(self) -> None:
        """Close the loading connection: the bot's settings apply to the next."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _truncate_sqlite(conn: sqlite3.Connection, loaded: int) -> None:
    """Remove what a killed load left beyond the last complete size."""
    visits = 1 + (loaded - 1) // PHOTOS_PER_VISIT if loaded else 0
    extra = conn.execute(
        "SELECT count(*) FROM photos WHERE id > ? AND id < ?", (loaded, ADDED_FROM)
    ).fetchone()[0]
    if not extra:
        return
    say(f"removing {extra:,} photos of an unfinished load beyond {loaded:,}")
    for table in INDEX_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE photo_id > ?", (loaded,))
    conn.execute("DELETE FROM photos WHERE id > ? AND id < ?", (loaded, ADDED_FROM))
    conn.execute("DELETE FROM visits WHERE id > ?", (visits,))
    conn.commit()


class PgLoader(Loader):
    """Loads by binary COPY into tables without their indexes, then CREATE INDEX, ANALYZE."""

    def __init__(self, dsn: str, loaded: int) -> None:
        self.dsn = dsn
        self.loaded = loaded
        self.conn: asyncpg.Connection | None = None

    async def _open(self) -> asyncpg.Connection:
        if self.conn is None:
            self.conn = await asyncpg.connect(self.dsn)
            # The rows are generated consistent, so the foreign keys' per-row triggers are
            # skipped for the load (a superuser setting); the constraints themselves stay.
            await self.conn.execute("SET session_replication_role = replica")
            await self.conn.execute("SET maintenance_work_mem = '1GB'")
        return self.conn

    async def drop_indexes(self) -> None:
        """Drop the secondary indexes and the index tables' primary keys."""
        conn = await self._open()
        for name, _ in _secondary_indexes(pg_dialect()):
            await conn.execute(f"DROP INDEX IF EXISTS {name}")
        for table in INDEX_TABLES:
            await conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS pk_{table}")

    async def rows(self, first_visit: int, last_visit: int, first: int, count: int) -> None:
        """COPY visits and photos in one transaction."""
        conn = await self._open()
        visits, photos = _visit_rows(first_visit, last_visit), _photo_rows(first, count)
        async with conn.transaction():
            await conn.copy_records_to_table(
                "visits", records=visits, columns=_VISIT_COLUMNS.split(", ")
            )
            await conn.copy_records_to_table(
                "photos", records=photos, columns=[*_PHOTO_COLUMNS.split(", "), *_PHOTO_FIXED]
            )

    async def pairs(self, table: str, pairs: I64) -> None:
        """Binary COPY of index rows built by NumPy, no Python object per row."""
        conn = await self._open()

        async def chunks() -> AsyncIterator[bytes]:
            yield PG_COPY_HEADER
            for start in range(0, len(pairs), SLICE):
                part = pairs[start : start + SLICE]
                rows = np.empty(len(part), dtype=PG_PAIR)
                rows["n"], rows["l1"], rows["l2"] = 2, 4, 4
                rows["k"] = part >> 32
                rows["p"] = part & 0xFFFFFFFF
                yield rows.tobytes()
            yield b"\xff\xff"

        await conn.copy_to_table(
            table, source=chunks(), columns=[KEY_COLUMN[table], "photo_id"], format="binary"
        )

    async def build_indexes(self) -> int:
        """Create the missing secondary indexes and primary keys."""
        conn = await self._open()
        names = {r[0] for r in await conn.fetch("SELECT indexname FROM pg_indexes")}
        built = 0
        for name, create in _secondary_indexes(pg_dialect()):
            if name not in names:
                await conn.execute(create)
                built += 1
        for table in INDEX_TABLES:
            if f"pk_{table}" not in names:
                await conn.execute(
                    f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} "
                    f"PRIMARY KEY ({KEY_COLUMN[table]}, photo_id)"
                )
                built += 1
        return built

    async def analyze(self) -> None:
        """The planner's statistics."""
        await (await self._open()).execute("ANALYZE")

    async def mark(self, size: int) -> None:
        """Keep the size as the database's comment."""
        conn = await self._open()
        name = await conn.fetchval("SELECT current_database()")
        await conn.execute(f"COMMENT ON DATABASE \"{name}\" IS 'reuse_scale {int(size)}'")

    async def close(self) -> None:
        """Close the loading connection."""
        if self.conn is not None:
            await self.conn.close()
            self.conn = None

    async def remove_added(self) -> None:
        """Delete by key, the foreign keys' triggers off so no child table is scanned."""
        conn = await self._open()
        async with conn.transaction():
            ids = [
                r[0] for r in await conn.fetch("SELECT id FROM photos WHERE id >= $1", ADDED_FROM)
            ]
            for table, rows in added_rows(ids).items():
                key = KEY_COLUMN[table]
                await conn.executemany(
                    f"DELETE FROM {table} WHERE {key} = $1 AND photo_id = $2", rows
                )
            await conn.execute("DELETE FROM photos WHERE id >= $1", ADDED_FROM)
        await self.close()


async def pg_loaded(dsn: str) -> int:
    """How many photos a kept PostgreSQL archive holds complete; what lies beyond is removed."""
    conn = await asyncpg.connect(dsn)
    try:
        comment = await conn.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        loaded = int(comment.split()[-1]) if comment else 0
        extra = await conn.fetchval(
            "SELECT count(*) FROM photos WHERE id > $1 AND id < $2", loaded, ADDED_FROM
        )
        if extra:
            say(f"removing {extra:,} photos of an unfinished load beyond {loaded:,}")
            visits = 1 + (loaded - 1) // PHOTOS_PER_VISIT if loaded else 0
            await conn.execute("SET session_replication_role = replica")
            for table in INDEX_TABLES:
                await conn.execute(f"DELETE FROM {table} WHERE photo_id > $1", loaded)
            await conn.execute("DELETE FROM photos WHERE id > $1 AND id < $2", loaded, ADDED_FROM)
            await conn.execute("DELETE FROM visits WHERE id > $1", visits)
        return loaded
    finally:
        await conn.close()


async def prepare_base(engine: AsyncEngine) -> None:
    """The schema by the migrations, and one county, helper and household for every visit."""
    await upgrade(engine)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        if await conn.scalar(text("SELECT count(*) FROM org_units")):
            return
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
