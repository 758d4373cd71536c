"""The `bangfu` command as an operator runs it: real processes, real databases."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import func, inspect, select

from storage.base import Base
from storage.db import create_engine, session_factory
from storage.models import Household, Pairing, User

ROOT = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANGFU_")}
    env.update(BANGFU_DATA_DIR=str(tmp_path / "data"), **extra)
    return env


def _bangfu(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=_env(tmp_path, **extra),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_bad_configuration_is_one_sentence(tmp_path: Path) -> None:
    result = _bangfu(tmp_path, "db", "upgrade", BANGFU_TIMEZONE="Mars/Olympus")
    assert result.returncode == 2
    assert "BANGFU_TIMEZONE" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


async def test_db_upgrade_creates_every_table_and_is_idempotent(
    tmp_path: Path, empty_db_url: str
) -> None:
    first = _bangfu(tmp_path, "db", "upgrade", BANGFU_DATABASE_URL=empty_db_url)
    assert first.returncode == 0, first.stderr
    assert "upgraded from empty" in first.stdout
    second = _bangfu(tmp_path, "db", "upgrade", BANGFU_DATABASE_URL=empty_db_url)
    assert second.returncode == 0 and "already at revision" in second.stdout
    engine = create_engine(empty_db_url)
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert set(Base.metadata.tables) <= tables


async def test_importing_the_sample_templates_gives_the_documented_counts(
    tmp_path: Path, db_url: str
) -> None:
    templates = ROOT / "docs" / "templates"
    helpers = _bangfu(
        tmp_path, "import", "helpers", str(templates / "helpers.xlsx"), BANGFU_DATABASE_URL=db_url
    )
    assert helpers.returncode == 0, helpers.stderr
    args = ("import", "households", str(templates / "households.csv"))
    # With the public built-in key the ID-card numbers would be recoverable: refused whole.
    refused = _bangfu(tmp_path, *args, BANGFU_DATABASE_URL=db_url)
    assert refused.returncode != 0
    assert "BANGFU_ID_HASH_KEY" in refused.stderr and "Traceback" not in refused.stderr
    households = _bangfu(
        tmp_path, *args, BANGFU_DATABASE_URL=db_url, BANGFU_ID_HASH_KEY="a-county-secret"
    )
    assert households.returncode == 0, households.stderr
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session:
            counts = [
                await session.scalar(select(func.count()).select_from(model))
                for model in (User, Household, Pairing)
            ]
    finally:
        await engine.dispose()
    assert counts == [15, 100, 100]  # as README.md says
    assert "BANGFU_ID_HASH_KEY" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_photo_inspect_reports_each_file(tmp_path: Path) -> None:
    from bot.photos.synthetic import camera_jpeg

    good = tmp_path / "good.jpg"
    good.write_bytes(camera_jpeg(3, (320, 240)))
    result = _bangfu(tmp_path, "photo", "inspect", str(good), str(tmp_path / "missing.jpg"))
    assert result.returncode != 0
    assert "good.jpg" in result.stdout and "missing.jpg" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_run_without_a_token_starts_the_sandbox_and_says_so(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        env=_env(tmp_path),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    control: str | None = None
    deadline = time.monotonic() + 90
    try:
        while control is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            found = re.search(r"control API at (\S+)", line)
            control = found.group(1) if found else None
        assert control is not None, "".join(seen)
        assert any("No Telegram token" in line for line in seen)
        assert httpx.get(f"{control}/health", timeout=10).status_code == 200
        users = httpx.get(f"{control}/stats", timeout=10).json()["users"]
        assert users == 15  # the demo county's people, as simulated Telegram users
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "Traceback" not in "".join(seen) + out
    assert (tmp_path / "data" / "sandbox" / "sandbox.sqlite3").exists()


def test_unreachable_database_is_one_sentence(tmp_path: Path) -> None:
    unreachable = "postgresql+asyncpg://nobody@127.0.0.1:9/none"
    result = _bangfu(tmp_path, "db", "upgrade", BANGFU_DATABASE_URL=unreachable)
    assert result.returncode == 1
    assert "cannot reach" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
