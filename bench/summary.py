"""/summary, the annual /appraise and the visits export at county scale, on both databases.

Uses the quota benchmark's generated data (`bench.quota_scan`: one helper per ten
households, ten visits a household over 2026) and times, in the same run:

* `bot.services.oversight.month_summary` (everything /summary shows, six months of trend
  included) against a bare `SELECT household_id, count(*) FROM visits WHERE period = ?
  GROUP BY household_id` of the same month;
* `bot.services.appraisal.run_appraisal` of the year 2026 for the whole county against a
  bare `SELECT helper_id, count(*) FROM visits WHERE period BETWEEN ? AND ? GROUP BY
  helper_id` of the same year;
* `bot.services.exports.run_export` of one month's visits, then of the year's: rows per
  second (the year), and how far resident memory rises in each (sampled every 2,000 rows):
  the year, twelve times the rows, must add next to nothing to the month's.

    python -m bench.summary [--quick] [--households N] [--sqlite-file PATH] [--pg-database N]

PostgreSQL is measured when BANGFU_TEST_PG_URL (a superuser URL) is set, or with --pg URL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.quota_scan import PERIOD, _drop_pg, _pg_database, _visits_in, generate
from bot.domain.appraisal import default_rules
from bot.domain.households import CaseRules
from bot.domain.oversight import PeriodSpan
from bot.domain.people import Actor
from bot.domain.visits import VisitRules
from bot.domain.vocabulary import Role
from bot.services.appraisal import run_appraisal
from bot.services.exports import run_export
from bot.services.oversight import month_summary
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import UnitOfWork

OFFICE_ID = 900_000_000
YEAR = "2026"
YEAR_SPAN = PeriodSpan(202601, 202612)
# Late in the year, so every month of the annual appraisal asks its visits.
NOW = datetime(2026, 12, 28, 4, tzinfo=UTC)
CASES = CaseRules(income_line=4000.0, monitoring_line=4500.0, months_between=6)
VISITS = VisitRules(tz=UTC, late_days=7, default_quota=3)

SUMMARY_GOAL = 3.0
# 100,000 helpers within ten minutes.
APPRAISAL_GOAL = 100_000 / 600
EXPORT_RATE_GOAL = 10_000.0
# MiB the year's export may add to resident memory after the month's (allocator noise).
MEMORY_GROWTH_GOAL = 16.0


def _say(message: str) -> None:
    print(message, flush=True)


async def _office(engine: AsyncEngine) -> Actor:
    """The bureau's office, county-wide: who runs /summary, /appraise and /export."""
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        known = await conn.execute(text("SELECT 1 FROM users WHERE id = :i"), {"i": OFFICE_ID})
        if known.first() is None:
            await conn.execute(
                text(
                    "INSERT INTO users (id, name, phone, role, telegram_id, active, "
                    "created_at, updated_at) VALUES (:i, '縣辦', '+8610000000000', 'office', "
                    ":i, :a, :n, :n)"
                ),
                {"i": OFFICE_ID, "a": True, "n": now},
            )
    return Actor(OFFICE_ID, "縣辦", Role.OFFICE)


async def _bare(engine: AsyncEngine, sql: str, params: dict[str, int]) -> float:
    sessions = session_factory(engine)
    t0 = time.perf_counter()
    async with sessions() as session:
        rows = (await session.execute(text(sql), params)).all()
    assert rows
    return time.perf_counter() - t0


BARE_MONTH = "SELECT household_id, count(*) FROM visits WHERE period = :p GROUP BY household_id"
BARE_YEAR = (
    "SELECT helper_id, count(*) FROM visits WHERE period BETWEEN :a AND :b GROUP BY helper_id"
)


async def _summary(engine: AsyncEngine, actor: Actor) -> dict[str, float]:
    sessions = session_factory(engine)
    await _bare(engine, BARE_MONTH, {"p": PERIOD})  # warms the cache for both
    bare = await _bare(engine, BARE_MONTH, {"p": PERIOD})
    t0 = time.perf_counter()
    s = await month_summary(
        UnitOfWork(sessions),
        actor,
        period=PERIOD,
        area="",
        default_quota=VISITS.default_quota,
        rules=CASES,
    )
    took = time.perf_counter() - t0
    return {"use_case": took, "bare": bare, "households": float(s.households)}


async def _appraisal(engine: AsyncEngine, actor: Actor) -> dict[str, float]:
    sessions = session_factory(engine)
    await _bare(engine, BARE_YEAR, {"a": 202601, "b": 202612})
    bare = await _bare(engine, BARE_YEAR, {"a": 202601, "b": 202612})
    async with engine.connect() as conn:
        helpers = int(
            (
                await conn.execute(text("SELECT count(*) FROM users WHERE role = 'helper'"))
            ).scalar_one()
        )
    t0 = time.perf_counter()
    await run_appraisal(
        UnitOfWork(sessions), actor, YEAR, now=NOW, rules=default_rules(), visits=VISITS
    )
    took = time.perf_counter() - t0
    return {"use_case": took, "bare": bare, "helpers": float(helpers)}


def _rss() -> int:
    """The process's resident memory in bytes (Linux), 0 where /proc is missing."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


class _Sampler:
    """The highest resident memory seen at the export's progress calls (every 2,000 rows)."""

    def __init__(self) -> None:
        self.peak = _rss()

    async def __call__(self, rows: int) -> None:
        self.peak = max(self.peak, _rss())
        if rows % 100_000 == 0:
            _say(f"  export: {rows:,} rows")


async def _export(
    engine: AsyncEngine, actor: Actor, span: PeriodSpan, folder: Path
) -> tuple[int, float, int]:
    """Rows written, seconds, and how far resident memory rose above where it started.

    Sampled rather than traced: tracemalloc slows openpyxl's writing several times over.
    """
    sessions = session_factory(engine)
    start = _rss()
    sampler = _Sampler()
    t0 = time.perf_counter()
    done = await run_export(
        UnitOfWork(sessions),
        actor,
        key="visits",
        span=span,
        area="",
        tz=UTC,
        folder=folder,
        progress=sampler,
    )
    took = time.perf_counter() - t0
    await sampler(1)
    done.path.unlink(missing_ok=True)
    return done.rows, took, max(0, sampler.peak - start)


async def _leg(backend: str, url: str, reuse: bool, households: int) -> dict[str, float]:
    engine = create_engine(url)
    try:
        if reuse:
            _say(f"{backend}: reusing the generated database (migrating it to head)")
            await upgrade(engine)
        else:
            _say(f"{backend}: generating {households:,} households ...")
            await generate(engine, url, households, 10)
        visits = await _visits_in(engine)
        actor = await _office(engine)
        _say(f"{backend}: {visits:,} visits; /summary of {PERIOD} ...")
        m: dict[str, float] = {"visits": float(visits)}
        s = await _summary(engine, actor)
        _say(
            f"{backend}: /summary {s['use_case'] * 1000:,.0f} ms "
            f"({s['households']:,.0f} households), bare month {s['bare'] * 1000:,.0f} ms"
        )
        m |= {f"summary_{k}": v for k, v in s.items()}
        _say(f"{backend}: annual appraisal of {YEAR} ...")
        a = await _appraisal(engine, actor)
        _say(
            f"{backend}: appraisal of {a['helpers']:,.0f} helpers {a['use_case']:,.1f} s, "
            f"bare year {a['bare'] * 1000:,.0f} ms"
        )
        m |= {f"appraisal_{k}": v for k, v in a.items()}
        with tempfile.TemporaryDirectory(prefix="bangfu-export-") as tmp:
            # The month first: whatever a sheet's writer needs is then in place, and the year
            # (twelve times the rows) must not raise resident memory much above it.
            _say(f"{backend}: exporting {PERIOD}'s visits, then the year's ...")
            small = await _export(engine, actor, PeriodSpan(PERIOD, PERIOD), Path(tmp))
            rows, took, grew = await _export(engine, actor, YEAR_SPAN, Path(tmp))
            _say(
                f"{backend}: {rows:,} rows in {took:,.1f} s; resident memory rose "
                f"{small[2] / 2**20:.1f} MiB for the month's {small[0]:,} rows, then "
                f"{grew / 2**20:.1f} MiB more for the year"
            )
            m |= {
                "export_rows": float(rows),
                "export_s": took,
                "small_rows": float(small[0]),
                "small_peak": float(small[2]),
                "large_rows": float(rows),
                "large_peak": float(grew),
            }
        return m
    finally:
        await engine.dispose()


def _figures(backend: str, m: dict[str, float]) -> list[dict[str, Any]]:
    summary_ratio = m["summary_use_case"] / m["summary_bare"]
    appraisal_ratio = m["appraisal_use_case"] / m["appraisal_bare"]
    per_second = m["appraisal_helpers"] / m["appraisal_use_case"]
    export_rate = m["export_rows"] / m["export_s"]
    p = backend
    return [
        {
            "name": f"{p}_visits",
            "value": int(m["visits"]),
            "unit": "rows",
            "goal": "none",
            "met": True,
        },
        {
            "name": f"{p}_summary_ms",
            "value": round(m["summary_use_case"] * 1000, 1),
            "unit": "ms",
            "goal": "none",
            "met": True,
        },
        {
            "name": f"{p}_summary_bare_month_ms",
            "value": round(m["summary_bare"] * 1000, 1),
            "unit": "ms",
            "goal": "none",
            "met": True,
        },
        {
            "name": f"{p}_summary_ratio",
            "value": round(summary_ratio, 2),
            "unit": "x",
            "goal": f"<= {SUMMARY_GOAL}",
            "met": summary_ratio <= SUMMARY_GOAL,
        },
        {
            "name": f"{p}_appraisal_s",
            "value": round(m["appraisal_use_case"], 2),
            "unit": "s",
            "goal": "none",
            "met": True,
        },
        {
            "name": f"{p}_appraisal_helpers",
            "value": int(m["appraisal_helpers"]),
            "unit": "helpers",
            "goal": "none",
            "met": True,
        },
        {
            "name": f"{p}_appraisal_helpers_per_s",
            "value": round(per_second, 1),
            "unit": "helpers/s",
            "goal": f">= {APPRAISAL_GOAL:.0f} (100,000 in 10 min)",
            "met": per_second >= APPRAISAL_GOAL,
        },
        {
            "name": f"{p}_appraisal_bare_year_ms",
            "value": round(m["appraisal_bare"] * 1000, 1),
            "unit": "ms",
            "goal": "none",
            "met": True,
        },
        {
            "name": f"{p}_appraisal_ratio",
            "value": round(appraisal_ratio, 1),
            "unit": "x",
            "goal": "none (reported)",
            "met": True,
        },
        {
            "name": f"{p}_export_rows",
            "value": int(m["export_rows"]),
            "unit": "rows",
            "goal": "none",
            "met": True,
        },
        {
            "name": f"{p}_export_rows_per_s",
            "value": round(export_rate),
            "unit": "rows/s",
            "goal": f">= {EXPORT_RATE_GOAL:.0f}",
            "met": export_rate >= EXPORT_RATE_GOAL,
        },
        {
            "name": f"{p}_export_rss_rise_month_mib",
            "value": round(m["small_peak"] / 2**20, 1),
            "unit": f"MiB ({int(m['small_rows'])} rows)",
            "goal": "none",
            "met": True,
        },
        {
            "name": f"{p}_export_rss_rise_year_mib",
            "value": round(m["large_peak"] / 2**20, 1),
            "unit": f"MiB more ({int(m['large_rows'])} rows)",
            "goal": f"<= {MEMORY_GROWTH_GOAL:.0f} (flat: not growing with the rows)",
            "met": m["large_peak"] / 2**20 <= MEMORY_GROWTH_GOAL,
        },
    ]


async def run(
    households: int,
    sqlite_file: str | None = None,
    pg_database: str | None = None,
    pg_url: str | None = None,
) -> dict[str, Any]:
    """Both databases, one after the other; the figures of each."""
    if pg_url:
        os.environ["BANGFU_TEST_PG_URL"] = pg_url
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bangfu-summary-") as tmp:
        path = Path(sqlite_file) if sqlite_file else Path(tmp) / "summary.sqlite3"
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
                m = await _leg(backend, url, reuse, households)
            finally:
                if drop is not None:
                    await _drop_pg(drop)
            figures += _figures(backend, m)
    return {"bench": "summary", "figures": figures}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; the last line is JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="400 households, seconds")
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--sqlite-file", help="keep the SQLite data here (reused if present)")
    parser.add_argument("--pg-database", help="keep the PostgreSQL data in this database")
    parser.add_argument("--pg", help="a PostgreSQL superuser URL (else BANGFU_TEST_PG_URL)")
    args = parser.parse_args(argv)
    # The CI form: every step on both databases and two villages (the chart compares them);
    # the export is most of its time.
    households = 400 if args.quick else args.households
    result = asyncio.run(run(households, args.sqlite_file, args.pg_database, args.pg))
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
