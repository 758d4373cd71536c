"""Every helper's month at once (who is behind) against a bare SQL count, on both databases.

Generates households, helpers (one per ten households, each household paired) and a year of
visits, then times `bot.services.reminders.standings` (the use case behind the nudges, the
digest and /remind) against `SELECT household_id, count(*) FROM visits WHERE period = ?
GROUP BY household_id` on the same data in the same run, and counts the queries the use case
issues. The issue's full scale is 1,000,000 households, 100,000 helpers and 10,000,000
visits (`--households 1000000`). The schema is the migrations'; the rows are made in NumPy
blocks and bulk-loaded with the secondary indexes dropped and rebuilt after, with progress
printed. `--sqlite-file` / `--pg-database` keep the data for later runs.

    python -m bench.quota_scan [--quick] [--households N] [--visits-per-household N]
        [--repeats N] [--sqlite-file PATH] [--pg-database NAME]

PostgreSQL is used when BANGFU_TEST_PG_URL (a superuser URL) is set; a database is created
for the run and dropped after it unless `--pg-database` names one to keep.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import struct
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np
import numpy.typing as npt
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.reminders import Stage, Standing, needs_nudge
from bot.services.reminders import standings, with_short_households
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import UnitOfWork

PERIOD = 202611
RATIO_GOAL = 1.5
YEAR = 2026
# Households per generated block: 200,000 visits, some tens of MB of arrays at a time.
BLOCK = 20_000
# The tables the generator fills. Their secondary indexes are dropped for the load and built
# after it from the definitions the migrations created: one sorted build per index is far
# cheaper than keeping every index up to date through millions of inserts.
LOADED = ("org_units", "users", "households", "pairings", "visits")
VISIT_COLUMNS = (
    "id",
    "household_id",
    "helper_id",
    "visited_at",
    "received_at",
    "period",
    "local_day",
    "idempotency_key",
    "location_source",
    "late",
    "location_live",
    "location_forwarded",
    "created_at",
)
# PostgreSQL's binary COPY counts dates in days and timestamps in microseconds from here.
PG_EPOCH = date(2000, 1, 1)
KEY_DIGITS = 10


def _say(message: str) -> None:
    print(message, flush=True)


def _villages(households: int) -> int:
    return max(1, households // 200)


def _helpers(households: int) -> int:
    return max(1, households // 10)


class _Clock:
    """Time since the generation began, printed with each step."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def say(self, message: str) -> None:
        _say(f"  [{time.perf_counter() - self.start:6.1f} s] {message}")


class _Progress:
    """Prints the visits written about every twentieth of the way."""

    def __init__(self, clock: _Clock, expected: int) -> None:
        self.clock = clock
        self.expected = expected
        self.done = 0
        self.step = max(1, expected // 20)
        self.next = self.step

    def add(self, n: int) -> None:
        self.done += n
        if self.done >= self.next or self.done == self.expected:
            self.next += self.step
            self.clock.say(f"visits: {self.done:,} of {self.expected:,}")


@dataclass(frozen=True)
class _Visits:
    """The visits of one block of households, column by column, ids in household order."""

    ids: npt.NDArray[np.int64]
    household: npt.NDArray[np.int64]
    helper: npt.NDArray[np.int64]
    # Index of the visit's day in `_DAYS` (month * 32 + day of month).
    day: npt.NDArray[np.int64]


def _day_table() -> list[date | None]:
    # Days 1..28 of every month: valid in every month, so no calendar arithmetic per row.
    return [
        date(YEAR, m, d) if 1 <= m <= 12 and 1 <= d <= 28 else None
        for m in range(13)
        for d in range(32)
    ]


_DAYS = _day_table()


def _visit_blocks(households: int, per_household: int) -> Iterator[_Visits]:
    """A year of visits, `per_household` a household on random days, a block at a time."""
    rng = np.random.default_rng(10)
    helpers = _helpers(households)
    first = 1
    for lo in range(0, households, BLOCK):
        household = np.repeat(np.arange(lo + 1, min(households, lo + BLOCK) + 1), per_household)
        n = len(household)
        month = rng.integers(1, 13, n)
        day = rng.integers(1, 29, n)
        yield _Visits(
            ids=np.arange(first, first + n, dtype=np.int64),
            household=household,
            helper=(household - 1) % helpers + 1,
            day=month * 32 + day,
        )
        first += n


def _visit_time(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)


def _small_tables(
    households: int, now: Any, started: Any
) -> Iterator[tuple[str, tuple[str, ...], Iterator[tuple[Any, ...]]]]:
    """Villages, helpers, households and pairings: (table, columns, rows).

    `now` and `started` (the pairings' first day) come in the database's own form, so that
    no value of a million rows needs converting.
    """
    helpers = _helpers(households)
    villages = _villages(households)
    org_columns = ("id", "kind", "name", "parent_id", "path", "created_at", "updated_at")
    yield "org_units", org_columns, iter([(1, "county", "基準縣", None, "/1/", now, now)])
    yield (
        "org_units",
        org_columns,
        ((2 + v, "village", f"村{v}", 1, f"/1/{2 + v}/", now, now) for v in range(villages)),
    )
    yield (
        "users",
        ("id", "name", "phone", "role", "telegram_id", "active", "created_at", "updated_at"),
        (
            (i + 1, f"幫扶{i}", f"+8613{i:09d}", "helper", 10_000_000 + i, True, now, now)
            for i in range(helpers)
        ),
    )
    # One household in fifty carries its own quota, so the override path is measured too.
    yield (
        "households",
        (
            "id",
            "head_name",
            "members",
            "village_id",
            "causes",
            "status",
            "visit_quota",
            "created_at",
            "updated_at",
        ),
        (
            (
                h + 1,
                f"戶{h}",
                3,
                2 + h % villages,
                "[]",
                "poor",
                3 if h % 50 == 0 else None,
                now,
                now,
            )
            for h in range(households)
        ),
    )
    yield (
        "pairings",
        ("id", "helper_id", "household_id", "started_on"),
        ((h + 1, h % helpers + 1, h + 1, started) for h in range(households)),
    )


def _sqlite_value(value: Any) -> Any:
    # The text forms SQLAlchemy's SQLite types write, so the app reads these rows as its own.
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sqlite_visit_rows(block: _Visits) -> Iterator[tuple[Any, ...]]:
    days = np.array([d.isoformat() if d else "" for d in _DAYS], dtype=object)
    times = np.array([_sqlite_value(_visit_time(d)) if d else "" for d in _DAYS], dtype=object)
    period = YEAR * 100 + block.day // 32
    return zip(
        block.ids.tolist(),
        block.household.tolist(),
        block.helper.tolist(),
        times[block.day].tolist(),
        period.tolist(),
        days[block.day].tolist(),
        strict=True,
    )


def _load_sqlite(path: Path, households: int, per_household: int) -> int:
    """Bulk load: no journal, no syncs, secondary indexes built after the rows are in."""
    clock = _Clock()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("PRAGMA cache_size=-1000000")
        marks = ", ".join("?" * len(LOADED))
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({marks})",
            LOADED,
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute("BEGIN")
        now = _sqlite_value(datetime.now(UTC))
        for table, columns, rows in _small_tables(households, now, date(YEAR, 1, 1).isoformat()):
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                rows,
            )
        conn.execute("COMMIT")
        clock.say(f"{households:,} households, their helpers and pairings")
        # Constant columns are written by the statement; the key is derived from the id.
        insert = (
            f"INSERT INTO visits ({', '.join(VISIT_COLUMNS)}) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6,"
            f" printf('b:%0{KEY_DIGITS}d', ?1), 'none', 0, 0, 0, ?4)"
        )
        progress = _Progress(clock, households * per_household)
        for block in _visit_blocks(households, per_household):
            conn.execute("BEGIN")
            conn.executemany(insert, _sqlite_visit_rows(block))
            conn.execute("COMMIT")
            progress.add(len(block.ids))
        for name, sql in indexes:
            conn.execute(sql)
            clock.say(f"index {name}")
        conn.execute("ANALYZE")
        clock.say("analysed")
    finally:
        conn.close()
    return progress.done


def _pg_visit_dtype() -> np.dtype[Any]:
    # One binary COPY tuple of the visits: a field count, then each field's length and value,
    # big-endian. Every field has a fixed width here, so a block is one structured array.
    widths = [
        ("id", ">i4"),
        ("household_id", ">i4"),
        ("helper_id", ">i4"),
        ("visited_at", ">i8"),
        ("received_at", ">i8"),
        ("period", ">i4"),
        ("local_day", ">i4"),
        ("idempotency_key", f"S{2 + KEY_DIGITS}"),
        ("location_source", "S4"),
        ("late", "u1"),
        ("location_live", "u1"),
        ("location_forwarded", "u1"),
        ("created_at", ">i8"),
    ]
    assert tuple(n for n, _ in widths) == VISIT_COLUMNS
    fields: list[tuple[str, str]] = [("fields", ">i2")]
    for name, kind in widths:
        fields += [(f"{name}_len", ">i4"), (name, kind)]
    return np.dtype(fields)


def _pg_visit_bytes(block: _Visits) -> bytes:
    """One block of visits in PostgreSQL's binary COPY format (without header or trailer)."""
    dtype = _pg_visit_dtype()
    days = np.array([(d - PG_EPOCH).days if d else 0 for d in _DAYS], dtype=np.int64)
    micros = (days * 86_400 + 2 * 3_600) * 1_000_000
    out = np.zeros(len(block.ids), dtype=dtype)
    out["fields"] = len(VISIT_COLUMNS)
    for name in VISIT_COLUMNS:
        out[f"{name}_len"] = dtype.fields[name][0].itemsize  # type: ignore[index]
    out["id"] = block.ids
    out["household_id"] = block.household
    out["helper_id"] = block.helper
    out["visited_at"] = out["received_at"] = out["created_at"] = micros[block.day]
    out["period"] = YEAR * 100 + block.day // 32
    out["local_day"] = days[block.day]
    # The same keys as SQLite's printf('b:%010d', id), built digit by digit.
    powers = 10 ** np.arange(KEY_DIGITS - 1, -1, -1, dtype=np.int64)
    key = np.empty((len(block.ids), 2 + KEY_DIGITS), dtype=np.uint8)
    key[:, 0], key[:, 1] = ord("b"), ord(":")
    key[:, 2:] = (block.ids[:, None] // powers) % 10 + ord("0")
    out["idempotency_key"] = key.view(f"S{2 + KEY_DIGITS}").ravel()
    out["location_source"] = b"none"
    return out.tobytes()


async def _load_pg(dsn: str, households: int, per_household: int) -> int:
    """Binary COPY without secondary indexes, then CREATE INDEX and VACUUM ANALYZE."""
    clock = _Clock()
    conn = await asyncpg.connect(dsn)
    try:
        # The generated rows are consistent by construction; checking each foreign key row by
        # row would cost more than the load itself.
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        indexes = await conn.fetch(
            "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS sql"
            " FROM pg_index i WHERE i.indrelid::regclass::text = ANY($1::text[])"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            list(LOADED),
        )
        for row in indexes:
            await conn.execute(f"DROP INDEX {row['name']}")
        tables = _small_tables(households, datetime.now(UTC), date(YEAR, 1, 1))
        for table, columns, rows in tables:
            await conn.copy_records_to_table(table, records=rows, columns=list(columns))
        clock.say(f"{households:,} households, their helpers and pairings")
        progress = _Progress(clock, households * per_household)

        async def stream() -> AsyncIterator[bytes]:
            yield b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
            for block in _visit_blocks(households, per_household):
                yield _pg_visit_bytes(block)
                progress.add(len(block.ids))
            yield struct.pack(">h", -1)

        await conn.copy_to_table(
            "visits", source=stream(), columns=list(VISIT_COLUMNS), format="binary"
        )
        for row in indexes:
            await conn.execute(row["sql"])
            clock.say(f"index {row['name']}")
        # VACUUM sets the visibility map, without which no index-only scan skips the heap.
        for table in LOADED:
            await conn.execute(f"VACUUM ANALYZE {table}")
        clock.say("vacuumed and analysed")
    finally:
        await conn.close()
    return progress.done


async def generate(engine: AsyncEngine, url: str, households: int, per_household: int) -> int:
    """Migrate and fill the database; returns how many visits were written."""
    await upgrade(engine)
    await engine.dispose()
    _say(f"  {_helpers(households):,} helpers, {_villages(households):,} villages")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database
        return await asyncio.to_thread(
            _load_sqlite, Path(parsed.database), households, per_household
        )
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    return await _load_pg(dsn, households, per_household)


async def _visits_in(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM visits"))).scalar_one())


async def measure(engine: AsyncEngine, repeats: int) -> dict[str, float]:
    """Median seconds of the use case and of the bare count, and the use case's query count.

    Also, once: reading the names of the households still short for the helpers the firm
    stage goes to (what a stage does next, outside the shortfall computation).
    """
    sessions = session_factory(engine)
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    bare = text(
        "SELECT household_id, count(*) FROM visits WHERE period = :p GROUP BY household_id"
    )
    use_case: list[float] = []
    plain: list[float] = []
    behind: list[Standing] = []
    helpers = 0
    for i in range(repeats + 1):
        t0 = time.perf_counter()
        async with sessions() as session:
            rows = (await session.execute(bare, {"p": PERIOD})).all()
        t1 = time.perf_counter()
        if i == repeats:  # count the queries of one run only
            event.listen(engine.sync_engine, "before_cursor_execute", seen)
        async with UnitOfWork(sessions) as uow:
            lines = await standings(uow, PERIOD, 2)
            behind = [s for s in lines if needs_nudge(s.totals, Stage.FIRM, date(2026, 11, 20))]
        t2 = time.perf_counter()
        if i == repeats:
            event.remove(engine.sync_engine, "before_cursor_execute", seen)
        if i > 0:  # the first round warms caches for both
            plain.append(t1 - t0)
            use_case.append(t2 - t1)
        helpers = len(lines)
        assert rows
    t3 = time.perf_counter()
    async with UnitOfWork(sessions) as uow:
        named = await with_short_households(uow, PERIOD, 2, behind)
    t4 = time.perf_counter()
    return {
        "use_case": statistics.median(use_case),
        "bare": statistics.median(plain),
        "queries": float(len(statements)),
        "helpers": float(helpers),
        "behind": float(len(behind)),
        "names": t4 - t3,
        "short_households": float(sum(len(s.short) for s in named)),
    }


async def _pg_database(keep: str | None) -> tuple[str, str, bool] | None:
    """A database for the run: (URL, name, whether it already existed)."""
    admin = os.environ.get("BANGFU_TEST_PG_URL")
    if not admin:
        return None
    name = keep or f"bench_{uuid.uuid4().hex[:10]}"
    dsn = make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        existed = bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
        if not existed:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(admin).set(database=name).render_as_string(hide_password=False), name, existed


async def _drop_pg(name: str) -> None:
    admin = os.environ["BANGFU_TEST_PG_URL"]
    dsn = make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _leg(
    backend: str, url: str, reuse: bool, households: int, per_household: int, repeats: int
) -> tuple[int, dict[str, float]]:
    engine = create_engine(url)
    try:
        if reuse:
            _say(f"{backend}: reusing the generated database (migrating it to head)")
            await upgrade(engine)
            # A migration since the generation may have added indexes the planner needs
            # statistics on; the tables besides the visits are analysed in seconds.
            async with engine.begin() as conn:
                for table in LOADED[:-1]:
                    await conn.execute(text(f"ANALYZE {table}"))
        else:
            _say(f"{backend}: generating {households:,} households ...")
            await generate(engine, url, households, per_household)
        visits = await _visits_in(engine)
        if repeats <= 0:
            return visits, {}
        _say(f"{backend}: {visits:,} visits; timing {repeats} rounds ...")
        return visits, await measure(engine, repeats)
    finally:
        await engine.dispose()


async def run(
    households: int,
    per_household: int,
    repeats: int,
    sqlite_file: str | None = None,
    pg_database: str | None = None,
) -> dict[str, Any]:
    """Both databases, one after the other; the figures of each.

    With `sqlite_file` / `pg_database` the generated data is kept (and reused when it is
    already there), so a long generation is paid once.
    """
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bangfu-quota-") as tmp:
        path = Path(sqlite_file) if sqlite_file else Path(tmp) / "scan.sqlite3"
        legs: list[tuple[str, str, bool, str | None]] = [
            ("sqlite", f"sqlite+aiosqlite:///{path}", path.exists(), None)
        ]
        pg = await _pg_database(pg_database)
        if pg is not None:
            legs.append(("postgresql", pg[0], pg[2], None if pg_database else pg[1]))
        else:
            _say("BANGFU_TEST_PG_URL is not set: PostgreSQL is not measured in this run")
        for backend, url, reuse, drop in legs:
            try:
                visits, m = await _leg(backend, url, reuse, households, per_household, repeats)
            finally:
                if drop is not None:
                    await _drop_pg(drop)
            if not m:
                _say(f"{backend}: {visits:,} visits generated; not timed (--repeats 0)")
                continue
            ratio = m["use_case"] / m["bare"] if m["bare"] else float("inf")
            _say(
                f"{backend}: standings of {m['helpers']:,.0f} helpers "
                f"{m['use_case'] * 1000:.1f} ms, bare count {m['bare'] * 1000:.1f} ms, "
                f"ratio {ratio:.2f}, "
                f"{m['queries']:.0f} quer{'y' if m['queries'] == 1 else 'ies'}; "
                f"then the names of {m['short_households']:,.0f} "
                f"households short for the {m['behind']:,.0f} helpers behind: "
                f"{m['names'] * 1000:.0f} ms (one query)"
            )
            figures += [
                {
                    "name": f"{backend}_visits",
                    "value": visits,
                    "unit": "rows",
                    "goal": ">= 10000000",
                    "met": visits >= 10_000_000,
                },
                {
                    "name": f"{backend}_standings_ms",
                    "value": round(m["use_case"] * 1000, 1),
                    "unit": "ms",
                    "goal": "none",
                    "met": True,
                },
                {
                    "name": f"{backend}_names_of_behind_ms",
                    "value": round(m["names"] * 1000, 1),
                    "unit": "ms",
                    "goal": "none (one query, after the shortfall)",
                    "met": True,
                },
                {
                    "name": f"{backend}_bare_count_ms",
                    "value": round(m["bare"] * 1000, 1),
                    "unit": "ms",
                    "goal": "none",
                    "met": True,
                },
                {
                    "name": f"{backend}_ratio",
                    "value": round(ratio, 2),
                    "unit": "x",
                    "goal": f"<= {RATIO_GOAL}",
                    "met": ratio <= RATIO_GOAL,
                },
                {
                    "name": f"{backend}_queries",
                    "value": int(m["queries"]),
                    "unit": "queries",
                    "goal": "1, whatever the number of helpers",
                    "met": m["queries"] == 1,
                },
            ]
    return {"bench": "quota_scan", "figures": figures}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; the last line is JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="2,000 households, seconds")
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--visits-per-household", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sqlite-file", help="keep the SQLite data here (reused if present)")
    parser.add_argument("--pg-database", help="keep the PostgreSQL data in this database")
    args = parser.parse_args(argv)
    households = 2_000 if args.quick else args.households
    repeats = 3 if args.quick else args.repeats
    result = asyncio.run(
        run(households, args.visits_per_household, repeats, args.sqlite_file, args.pg_database)
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
