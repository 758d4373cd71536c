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
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.reminders import standings
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import Household, OrgUnit, Pairing, User, Visit
from storage.uow import UnitOfWork

PERIOD = 202611
CHUNK = 20_000
RATIO_GOAL = 1.5


def _say(message: str) -> None:
    print(message, flush=True)


async def _bulk(engine: AsyncEngine, table: Any, rows: list[dict[str, Any]]) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(table), rows)


async def generate(engine: AsyncEngine, households: int, per_household: int) -> int:
    """Fill the database; returns how many visits were written."""
    await upgrade(engine)
    helpers = max(1, households // 10)
    villages = max(1, households // 200)
    start = time.perf_counter()
    await _bulk(
        engine, OrgUnit.__table__, [{"id": 1, "kind": "county", "name": "基準縣", "path": "/1/"}]
    )
    await _bulk(
        engine,
        OrgUnit.__table__,
        [
            {
                "id": 2 + v,
                "kind": "village",
                "name": f"村{v}",
                "parent_id": 1,
                "path": f"/1/{2 + v}/",
            }
            for v in range(villages)
        ],
    )
    now = datetime.now(UTC)
    for lo in range(0, helpers, CHUNK):
        await _bulk(
            engine,
            User.__table__,
            [
                {
                    "id": i + 1,
                    "name": f"幫扶{i}",
                    "phone": f"+8613{i:09d}",
                    "role": "helper",
                    "telegram_id": 10_000_000 + i,
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(lo, min(helpers, lo + CHUNK))
            ],
        )
    _say(f"  {helpers:,} helpers, {villages:,} villages")
    for lo in range(0, households, CHUNK):
        ids = range(lo, min(households, lo + CHUNK))
        await _bulk(
            engine,
            Household.__table__,
            [
                {
                    "id": h + 1,
                    "head_name": f"戶{h}",
                    "members": 3,
                    "village_id": 2 + h % villages,
                    "causes": [],
                    "status": "poor",
                    "created_at": now,
                    "updated_at": now,
                }
                for h in ids
            ],
        )
        await _bulk(
            engine,
            Pairing.__table__,
            [
                {
                    "id": h + 1,
                    "helper_id": h % helpers + 1,
                    "household_id": h + 1,
                    "started_on": date(2026, 1, 1),
                }
                for h in ids
            ],
        )
    _say(f"  {households:,} households paired ({time.perf_counter() - start:.0f} s)")
    rng = random.Random(10)
    written = 0
    batch: list[dict[str, Any]] = []
    for h in range(households):
        for n in range(per_household):
            month = 1 + rng.randrange(12)
            day = date(2026, month, 1 + rng.randrange(28))
            at = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
            written += 1
            batch.append(
                {
                    "id": written,
                    "household_id": h + 1,
                    "helper_id": h % helpers + 1,
                    "visited_at": at,
                    "received_at": at,
                    "period": day.year * 100 + day.month,
                    "local_day": day,
                    "idempotency_key": f"b:{h}:{n}",
                    "location_source": "none",
                    "late": False,
                    "location_live": False,
                    "location_forwarded": False,
                    "created_at": at,
                }
            )
            if len(batch) >= CHUNK:
                await _bulk(engine, Visit.__table__, batch)
                batch = []
        if (h + 1) % max(1, households // 10) == 0:
            elapsed = time.perf_counter() - start
            _say(f"  visits: {written:,} written ({elapsed:.0f} s)")
    if batch:
        await _bulk(engine, Visit.__table__, batch)
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    return written


async def measure(engine: AsyncEngine, repeats: int) -> dict[str, float]:
    """Median seconds of the use case and of the bare count, and the use case's query count."""
    sessions = session_factory(engine)
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    bare = text(
        "SELECT household_id, count(*) FROM visits WHERE period = :p GROUP BY household_id"
    )
    use_case: list[float] = []
    plain: list[float] = []
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
        t2 = time.perf_counter()
        if i == repeats:
            event.remove(engine.sync_engine, "before_cursor_execute", seen)
        if i > 0:  # the first round warms caches for both
            plain.append(t1 - t0)
            use_case.append(t2 - t1)
        helpers = len(lines)
        assert rows
    return {
        "use_case": statistics.median(use_case),
        "bare": statistics.median(plain),
        "queries": float(len(statements)),
        "helpers": float(helpers),
    }


async def _pg_database() -> tuple[str, str] | None:
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
    return make_url(admin).set(database=name).render_as_string(hide_password=False), name


async def _drop_pg(name: str) -> None:
    admin = os.environ["BANGFU_TEST_PG_URL"]
    dsn = make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def run(households: int, per_household: int, repeats: int) -> dict[str, Any]:
    """Both databases, one after the other; the figures of each."""
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bangfu-quota-") as tmp:
        legs: list[tuple[str, str, str | None]] = [
            ("sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'scan.sqlite3'}", None)
        ]
        pg = await _pg_database()
        if pg is not None:
            legs.append(("postgresql", pg[0], pg[1]))
        else:
            _say("BANGFU_TEST_PG_URL is not set: PostgreSQL is not measured in this run")
        for backend, url, pg_name in legs:
            engine = create_engine(url)
            try:
                _say(f"{backend}: generating {households:,} households ...")
                visits = await generate(engine, households, per_household)
                _say(f"{backend}: {visits:,} visits; timing {repeats} rounds ...")
                m = await measure(engine, repeats)
            finally:
                await engine.dispose()
                if pg_name is not None:
                    await _drop_pg(pg_name)
            ratio = m["use_case"] / m["bare"] if m["bare"] else float("inf")
            _say(
                f"{backend}: standings of {m['helpers']:,.0f} helpers "
                f"{m['use_case'] * 1000:.1f} ms, bare count {m['bare'] * 1000:.1f} ms, "
                f"ratio {ratio:.2f}, "
                f"{m['queries']:.0f} queries"
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
    args = parser.parse_args(argv)
    households = 2_000 if args.quick else args.households
    repeats = 3 if args.quick else args.repeats
    result = asyncio.run(run(households, args.visits_per_household, repeats))
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
