"""Shared fixtures: fresh migrated databases on SQLite and PostgreSQL, settings, data dirs.

Every storage test runs on both databases. PostgreSQL comes from BANGFU_TEST_PG_URL (a
superuser URL, set by `make test` / .ci/run, which start a throw-away server); when it is
missing the PostgreSQL leg FAILS rather than skips, so a green run always means both ran.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.config import Settings
from storage.db import SessionFactory, create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import UnitOfWork

BACKENDS = ("sqlite", "postgresql")
PG_ENV = "BANGFU_TEST_PG_URL"
# Tests import ID-card numbers, which the public built-in key refuses.
TEST_KEY = "bangfu-tests-secret-key"


def _pg_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.fail(
            f"{PG_ENV} is not set: run the suite with `make test`, which starts PostgreSQL",
            pytrace=False,
        )
    return url


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


class DatabaseFactory:
    """Hands out fresh databases, empty or already migrated, for one backend."""

    def __init__(self, backend: str, workdir: Path) -> None:
        self.backend = backend
        self.workdir = workdir
        self._template: str | None = None
        self._created: list[str] = []
        self._lock = asyncio.Lock()

    async def empty(self) -> str:
        """A URL of a brand-new database with no tables."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        if self.backend == "sqlite":
            return f"sqlite+aiosqlite:///{self.workdir / (name + '.sqlite3')}"
        admin = _pg_admin_url()
        conn = await asyncpg.connect(_dsn(admin))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self._created.append(name)
        return make_url(admin).set(database=name).render_as_string(hide_password=False)

    async def migrated(self) -> str:
        """A URL of a new database at the newest schema (copied from a migrated template)."""
        async with self._lock:
            if self._template is None:
                url = await self.empty()
                engine = create_engine(url)
                await upgrade(engine)
                await engine.dispose()
                self._template = url
        name = f"t_{uuid.uuid4().hex[:12]}"
        if self.backend == "sqlite":
            source = Path(make_url(self._template).database or "")
            target = self.workdir / (name + ".sqlite3")
            shutil.copyfile(source, target)
            return f"sqlite+aiosqlite:///{target}"
        admin = _pg_admin_url()
        template = make_url(self._template).database
        conn = await asyncpg.connect(_dsn(admin))
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await conn.close()
        self._created.append(name)
        return make_url(admin).set(database=name).render_as_string(hide_password=False)

    async def drop(self, url: str) -> None:
        """Remove one database this factory made (a PostgreSQL one; SQLite files stay)."""
        name = make_url(url).database
        if self.backend != "postgresql" or name not in self._created:
            return
        conn = await asyncpg.connect(_dsn(_pg_admin_url()))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        self._created.remove(name)

    async def drop_all(self) -> None:
        """Remove every PostgreSQL database this factory made."""
        if self.backend != "postgresql" or not self._created:
            return
        conn = await asyncpg.connect(_dsn(_pg_admin_url()))
        try:
            for name in reversed(self._created):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


_factories: dict[str, DatabaseFactory] = {}


def shared_factory(backend: str, workdir: Path) -> DatabaseFactory:
    """The run's factory of this backend: its migrated template is built once per run.

    `workdir` is where the SQLite files go if this call creates the factory; it must last
    the whole run (a `tmp_path_factory` folder does).
    """
    if backend not in _factories:
        _factories[backend] = DatabaseFactory(backend, workdir)
    return _factories[backend]


@pytest.fixture(scope="session")
def _db_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("databases")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this test leg."""
    return str(request.param)


@pytest.fixture
def db_factory(backend: str, _db_workdir: Path) -> DatabaseFactory:
    """The per-session database factory of this backend."""
    return shared_factory(backend, _db_workdir)


@pytest.fixture
async def empty_db_url(db_factory: DatabaseFactory) -> str:
    """A fresh database with no tables."""
    return await db_factory.empty()


@pytest.fixture
async def db_url(db_factory: DatabaseFactory) -> str:
    """A fresh database at the newest schema."""
    return await db_factory.migrated()


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a fresh migrated database."""
    eng = create_engine(db_url)
    yield eng
    await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> SessionFactory:
    """A session factory on a fresh migrated database."""
    return session_factory(engine)


@pytest.fixture
async def session(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One session on a fresh migrated database."""
    async with sessions() as s:
        yield s


@pytest.fixture
def uows(sessions: SessionFactory) -> Callable[[], UnitOfWork]:
    """New units of work on a fresh migrated database, one per use-case call."""
    return lambda: UnitOfWork(sessions)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """Settings on a fresh migrated database and an empty data folder, no token."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "data", database_url=db_url, id_hash_key=TEST_KEY
    )


@pytest.fixture
def plain_settings(tmp_path: Path) -> Settings:
    """Settings with no database chosen (an SQLite file in a temporary data folder)."""
    return Settings(_env_file=None, data_dir=tmp_path / "data", id_hash_key=TEST_KEY)  # type: ignore[call-arg]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop the PostgreSQL databases the run created."""
    for factory in _factories.values():
        try:
            asyncio.run(factory.drop_all())
        except Exception as exc:  # the server may already be gone; nothing to clean then
            print(f"note: could not drop test databases: {exc}")


_legs: Counter[tuple[str, str]] = Counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count outcomes per database leg for the summary."""
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    for name in BACKENDS:
        params = report.nodeid.rpartition("[")[2].rstrip("]").split("-")
        if name in params:
            _legs[(name, report.outcome)] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show how many tests ran on each database, so a skipped leg cannot hide."""
    terminalreporter.section("database legs")
    for name in BACKENDS:
        counts = {o: _legs[(name, o)] for o in ("passed", "failed", "skipped")}
        terminalreporter.write_line(
            f"{name}: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped"
        )
