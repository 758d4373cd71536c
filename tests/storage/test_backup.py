"""Backups: an online SQLite copy during writes, and a pg_dump / pg_restore round trip."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import threading
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot import cli
from storage.backup import BackupFailed, backup_postgres, backup_sqlite
from storage.db import create_engine, session_factory
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Visit
from tests.factories import make_household, make_user, make_village

PG_BIN = Path("/usr/lib/postgresql/15/bin")


async def _seed(url: str) -> tuple[int, int]:
    """A migrated database with one helper and one household; their ids."""
    engine = create_engine(url)
    await upgrade(engine)
    async with session_factory(engine)() as session, session.begin():
        village = await make_village(session)
        helper = await make_user(session, "備份")
        household = await make_household(session, village, "甲", helper=helper)
        ids = helper.id, household.id
    await engine.dispose()
    return ids


def _visit(n: int, helper: int, household: int) -> Visit:
    at = datetime(2026, 11, 1 + n % 28, 3, tzinfo=UTC)
    return Visit(
        id=n,
        household_id=household,
        helper_id=helper,
        visited_at=at,
        period=202611,
        local_day=date(2026, 11, 1 + n % 28),
        idempotency_key=f"backup:{n}",
    )


async def _visit_ids(url: str) -> list[int]:
    engine = create_engine(url)
    try:
        await upgrade(engine)  # the copy migrates like any database (here: already at head)
        assert await current_revision(engine) == head_revision()
        async with session_factory(engine)() as session:
            return list(await session.scalars(select(Visit.id).order_by(Visit.id)))
    finally:
        await engine.dispose()


async def test_an_online_sqlite_backup_is_consistent_while_visits_are_written(
    tmp_path: Path,
) -> None:
    source = tmp_path / "live.sqlite3"
    url = f"sqlite+aiosqlite:///{source}"
    helper, household = await _seed(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        session.add_all(_visit(n, helper, household) for n in range(1, 2001))
    written = threading.Event()
    stop = asyncio.Event()
    last = 2000

    async def writer() -> None:
        # Visits in id order, one commit each: any consistent snapshot holds ids 1..k.
        nonlocal last
        while not stop.is_set():
            async with sessions() as session, session.begin():
                session.add(_visit(last + 1, helper, household))
            last += 1
            written.set()
            await asyncio.sleep(0)

    steps: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        # Between steps, wait for the writer to commit another visit: writes interleave.
        written.clear()
        assert written.wait(timeout=30)
        steps.append((done, total))

    task = asyncio.create_task(writer())
    try:
        result = await asyncio.to_thread(
            backup_sqlite, source, tmp_path / "copy.sqlite3", pages=4, progress=progress
        )
    finally:
        stop.set()
        await task
        async with sessions() as session:
            total = await session.scalar(select(func.count()).select_from(Visit))
        await engine.dispose()
    assert result.steps >= 5 and len(steps) == result.steps
    copy = tmp_path / "copy.sqlite3"
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    ids = await _visit_ids(f"sqlite+aiosqlite:///{copy}")
    assert ids == list(range(1, len(ids) + 1)), "not a prefix: the copy mixes two moments"
    assert len(ids) >= 2000
    assert total is not None and total > len(ids), "no visit was written during the backup"
    assert not (tmp_path / "copy.sqlite3.partial").exists()
    with pytest.raises(BackupFailed, match="already exists"):
        backup_sqlite(source, copy)


def test_bangfu_db_backup_writes_the_copy_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bot.sqlite3"
    asyncio.run(_seed(f"sqlite+aiosqlite:///{source}"))
    monkeypatch.setenv("BANGFU_DATABASE_URL", f"sqlite+aiosqlite:///{source}")
    monkeypatch.setenv("BANGFU_DATA_DIR", str(tmp_path / "data"))
    target = tmp_path / "backup.sqlite3"
    assert cli.main(["db", "backup", str(target), "--pages", "8"]) == 0
    out = capsys.readouterr()
    assert "pages (100%)" in out.out and "integrity check ok" in out.out
    assert target.exists()
    assert cli.main(["db", "backup", str(target)]) == 1
    assert "already exists" in capsys.readouterr().err


async def _pg_database(admin: str) -> tuple[str, str]:
    name = f"backup_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(_dsn(admin))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(admin).set(database=name).render_as_string(hide_password=False), name


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _drop(admin: str, *names: str) -> None:
    conn = await asyncpg.connect(_dsn(admin))
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def test_pg_dump_then_pg_restore_gives_back_the_same_rows(tmp_path: Path) -> None:
    admin = os.environ.get("BANGFU_TEST_PG_URL")
    assert admin, "run with .ci/with-postgres.sh: this test needs the test PostgreSQL"
    source, source_name = await _pg_database(admin)
    restored, restored_name = await _pg_database(admin)
    try:
        helper, household = await _seed(source)
        engine = create_engine(source)
        async with session_factory(engine)() as session, session.begin():
            session.add_all(_visit(n, helper, household) for n in range(1, 51))
        await engine.dispose()
        dump = tmp_path / "bangfu.dump"
        await backup_postgres(source, dump, str(PG_BIN / "pg_dump"))
        url = make_url(restored)
        env = {**os.environ, "PGPASSWORD": str(url.password or "")}
        await asyncio.to_thread(
            subprocess.run,
            [
                str(PG_BIN / "pg_restore"),
                "--no-owner",
                f"--host={url.host}",
                f"--port={url.port}",
                f"--username={url.username}",
                f"--dbname={url.database}",
                str(dump),
            ],
            check=True,
            env=env,
            capture_output=True,
            timeout=120,
        )
        assert await _visit_ids(restored) == list(range(1, 51))
        with pytest.raises(BackupFailed, match="already exists"):
            await backup_postgres(source, dump, str(PG_BIN / "pg_dump"))
    finally:
        await _drop(admin, source_name, restored_name)
