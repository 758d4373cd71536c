"""Backups while the bot runs: SQLite's online backup API, and pg_dump for PostgreSQL.

SQLite: the copy is taken through `sqlite3.Connection.backup` a number of pages at a time,
from a source connection that holds one read transaction for the whole copy. In WAL mode
(bangfu's) that read transaction is a snapshot: writers carry on, and the copy is the
database as it was at one instant, never a mix of before and after a write. (Without the
held snapshot, SQLite restarts a paged backup whenever another connection writes, which
under steady load may never finish.) The copy is written beside the target and renamed into
place only once it passed `PRAGMA integrity_check`.

PostgreSQL: its own `pg_dump` in the custom format, restored with `pg_restore`.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

Progress = Callable[[int, int], None]


class BackupFailed(Exception):
    """The backup could not be made; the message says why in one sentence."""


@dataclass(frozen=True)
class SqliteBackup:
    """What a SQLite backup copied."""

    target: Path
    pages: int
    steps: int
    seconds: float


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (None: not SQLite, or in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def backup_sqlite(
    source: Path, target: Path, *, pages: int = 1024, progress: Progress | None = None
) -> SqliteBackup:
    """Copy a live SQLite database to `target`, `pages` pages a step (blocking)."""
    if target.exists():
        raise BackupFailed(f"{target} already exists; choose a new file name")
    if not source.exists():
        raise BackupFailed(f"the database file {source} does not exist")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    steps = 0
    total = 0

    def step(_status: int, remaining: int, count: int) -> None:
        nonlocal steps, total
        steps += 1
        total = count
        if progress is not None:
            progress(count - remaining, count)

    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        # One read transaction over every step: a snapshot, so the copy is one instant.
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        src.backup(dst, pages=max(1, pages), progress=step)
        src.execute("COMMIT")
        verdict = dst.execute("PRAGMA integrity_check").fetchone()
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupFailed(f"the backup of {source} failed: {exc}") from exc
    finally:
        dst.close()
        src.close()
    if verdict is None or verdict[0] != "ok":
        partial.unlink(missing_ok=True)
        raise BackupFailed(f"the copy failed its integrity check: {verdict}")
    os.replace(partial, target)
    return SqliteBackup(target, total, steps, time.monotonic() - started)


def pg_dump_command(url: str, target: Path, pg_dump: str) -> tuple[list[str], dict[str, str]]:
    """The pg_dump command line (custom format) and its environment for a database URL."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        # In the environment, not on the command line, where `ps` would show it.
        env["PGPASSWORD"] = str(parsed.password)
    args = [pg_dump, "--format=custom", "--no-owner", f"--file={target}"]
    if parsed.host:
        args.append(f"--host={parsed.host}")
    if parsed.port:
        args.append(f"--port={parsed.port}")
    if parsed.username:
        args.append(f"--username={parsed.username}")
    args.append(str(parsed.database or "postgres"))
    return args, env


async def backup_postgres(url: str, target: Path, pg_dump: str) -> None:
    """Run pg_dump into `target`; raises BackupFailed with pg_dump's own words."""
    if await asyncio.to_thread(target.exists):
        raise BackupFailed(f"{target} already exists; choose a new file name")
    args, env = pg_dump_command(url, target, pg_dump)
    process = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        await asyncio.to_thread(target.unlink, missing_ok=True)
        words = err.decode(errors="replace").strip().splitlines()
        raise BackupFailed(f"pg_dump failed: {words[-1] if words else process.returncode}")
