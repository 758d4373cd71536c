"""Every helper's month at once (who is behind) against a bare SQL count, on both databases.

Generates households, helpers (one per ten households, each household paired) and a year of
visits, then times `bot.services.reminders.standings` (the use case behind the nudges, the
digest and /remind) against `SELECT household_id, count(*) FROM visits WHERE period = ?
GROUP BY household_id` on the same data in the same run, and counts the queries the use case
issues. The issue's full scale is 1,000,000 households, 100,000 helpers and 10,000,000
visits (`--households 1000000`); generation then takes a long while, with progress printed.

    python -m bench.quota_scan [--quick] [--households N] [--visits-per-household N]

PostgreSQL is used when BANGFU_TEST_PG_URL (a superuser URL) is set; a database is created
for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
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
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.reminders import Stage, Standing, needs_nudge
from bot.services.reminders import standings, with_short_households
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import UnitOfWork

PERIOD = 202611
CHUNK = 20_000
RATIO_GOAL = 1.5


def _say(message: str) -> None:
    print(message, flush=True)


def _villages(households: int) -> int:
    return max(1, households // 200)


def _own_quota(h: int) -> int | None:
    return 3 if h % 50 == 0 else None


def _rows(households: int, per_household: int) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """The generated rows, table by table in chunks, as plain tuples for bulk loading."""
    helpers = max(1, households // 10)
    villages = _villages(households)
    now = datetime.now(UTC)
    yield "org_units", [(1, "county", "基準縣", None, "/1/", now, now)]
    yield (
        "org_units",
        [(2 + v, "village", f"村{v}", 1, f"/1/{2 + v}/", now, now) for v in range(villages)],
    )
    for lo in range(0, helpers, CHUNK):
        yield (
            "users",
            [
                (i + 1, f"幫扶{i}", f"+8613{i:09d}", "helper", 10_000_000 + i, True, now, now)
                for i in range(lo, min(helpers, lo + CHUNK))
            ],
        )
    for lo in range(0, households, CHUNK):
        ids = range(lo, min(households, lo + CHUNK))
        # One household in fifty carries its own quota, so the override path is measured too.
        yield (
            "households",
            [
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
                for h in ids
            ],
        )
        yield "pairings", [(h + 1, h % helpers + 1, h + 1, date(2026, 1, 1)) for h in ids]
    rng = random.Random(10)
    written = 0
    batch: list[tuple[Any, ...]] = []
    for h in range(households):
        for n in range(per_household):
            month = 1 + rng.randrange(12)
            day = date(2026, month, 1 + rng.randrange(28))
            at = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
            written += 1
            batch.append(
                (
                    written,
                    h + 1,
                    h % helpers + 1,
                    at,
                    at,
                    day.year * 100 + day.month,
                    day,
                    f"b:{h}:{n}",
                    "none",
                    False,
                    False,
                    False,
                    at,
                )
            )
            if len(batch) >= CHUNK:
                yield "visits", batch
                batch = []
    if batch:
        yield "visits", batch


COLUMNS = {
    "org_units": ("id", "kind", "name", "parent_id", "path", "created_at", "updated_at"),
    "users": ("id", "name", "phone", "role", "telegram_id", "active", "created_at", "updated_at"),
    "households": (
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
    "pairings": ("id", "helper_id", "household_id", "started_on"),
    "visits": (
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
    ),
}


def _sqlite_value(value: Any) -> Any:
    # The text forms SQLAlchemy's SQLite types write, so the app reads these rows as its own.
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


class _Progress:
    def __init__(self, households: int, per_household: int) -> None:
        self.start = time.perf_counter()
        self.expected = households * per_household
        self.visits = 0
        self.step = max(CHUNK, self.expected // 20)
        self.next = self.step

    def add(self, table: str, n: int) -> None:
        if table != "visits":
            return
        self.visits += n
        if self.visits >= self.next or self.visits == self.expected:
            self.next += self.step
            _say(
                f"  visits: {self.visits:,} of {self.expected:,} "
                f"({time.perf_counter() - self.start:.0f} s)"
            )


def _load_sqlite(path: Path, households: int, per_household: int) -> int:
    """Bulk-load through the sqlite3 module: executemany of tuples in large transactions."""
    progress = _Progress(households, per_household)
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-2000000")
        for table, rows in _rows(households, per_household):
            cols = COLUMNS[table]
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            conn.executemany(sql, [tuple(_sqlite_value(v) for v in row) for row in rows])
            conn.commit()
            progress.add(table, len(rows))
        conn.execute("ANALYZE")
        conn.commit()
    finally:
        conn.close()
    return progress.visits


async def _load_pg(dsn: str, households: int, per_household: int) -> int:
    """Bulk-load with COPY (asyncpg's binary copy), then ANALYZE."""
    progress = _Progress(households, per_household)
    conn = await asyncpg.connect(dsn)
    try:
        for table, rows in _rows(households, per_household):
            await conn.copy_records_to_table(table, records=rows, columns=list(COLUMNS[table]))
            progress.add(table, len(rows))
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return progress.visits


async def generate(engine: AsyncEngine, url: str, households: int, per_household: int) -> int:
    """Migrate and fill the database; returns how many visits were written."""
    await upgrade(engine)
    await engine.dispose()
    _say(f"  {max(1, households // 10):,} helpers, {_villages(households):,} villages")
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
            # Analysed when generated; a migration since then must analyse what it adds.
            _say(f"{backend}: reusing the generated database (migrating it to head)")
            await upgrade(engine)
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
                f"{m['queries']:.0f} queries; then the names of {m['short_households']:,.0f} "
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
                    "goal": "2, whatever the number of helpers",
                    "met": m["queries"] == 2,
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
