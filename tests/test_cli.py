"""The `bangfu` command as an operator runs it: real processes, real databases."""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, inspect, select

from bot import cli, redaction
from emulator import Emulator
from storage.base import Base
from storage.db import create_engine, session_factory
from storage.models import Household, Pairing, User

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
TOKEN_SECRET = TOKEN.partition(":")[2]
PASSWORD = "pw-Secret-42"


@pytest.fixture(autouse=True)
def _no_remembered_secrets() -> Iterator[None]:
    yield
    redaction.forget_secrets()


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANGFU_")}
    env.update(BANGFU_DATA_DIR=str(tmp_path / "data"), **extra)
    # The code under test, even where another checkout of bangfu is installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
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


def _one_sentence(result: subprocess.CompletedProcess[str], variable: str) -> str:
    """The single line bangfu printed on stderr, checked to name the variable and no secret."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"bangfu: {variable}"), lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert TOKEN_SECRET not in result.stderr + result.stdout
    assert PASSWORD not in result.stderr + result.stdout
    return lines[0]


def test_bad_configuration_is_one_sentence(tmp_path: Path) -> None:
    result = _bangfu(tmp_path, "db", "upgrade", BANGFU_TIMEZONE="Mars/Olympus")
    assert result.returncode == 2
    _one_sentence(result, "BANGFU_TIMEZONE")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BANGFU_DATABASE_URL", "foo"),
        ("BANGFU_DATABASE_URL", f"mysql://bangfu:{PASSWORD}@db.example.org/bangfu"),
        ("BANGFU_DATABASE_URL", "sqlite:///x.db"),
        ("BANGFU_DATABASE_URL", f"postgresql://bangfu:{PASSWORD}@db.example.org/bangfu"),
        ("BANGFU_LOG_LEVEL", "LOUD"),
        ("BANGFU_WEBHOOK_URL", "notaurl"),
        ("BANGFU_WEBHOOK_PORT", "99999"),
        ("BANGFU_TOKEN", TOKEN.replace(":", "")),
        ("BANGFU_TOKEN", TOKEN + "/"),
        ("BANGFU_API_URL", "api.telegram.org"),
    ],
)
def test_each_bad_value_stops_run_with_one_sentence(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = _bangfu(tmp_path, "run", **{"BANGFU_TOKEN": TOKEN, variable: value})
    assert result.returncode == 2
    _one_sentence(result, variable)
    assert not (tmp_path / "data").exists()  # nothing started


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _bangfu_async(
    tmp_path: Path, *args: str, **extra: str
) -> subprocess.CompletedProcess[str]:
    """`bangfu` in a subprocess while this event loop keeps serving an in-process emulator."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=_env(tmp_path, **extra),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return subprocess.CompletedProcess(args, proc.returncode, out.decode(), err.decode())


async def test_a_rejected_token_is_one_sentence_with_the_token_masked(tmp_path: Path) -> None:
    async with Emulator(bot_token="424242:E2E-TOKEN") as emu:
        result = await _bangfu_async(
            tmp_path, "run", BANGFU_TOKEN=TOKEN, BANGFU_API_URL=emu.root_url
        )
    assert result.returncode == 1
    line = _one_sentence(result, "BANGFU_TOKEN")
    assert "123456789:***" in line and "rejected" in line


async def test_a_short_rejected_token_is_masked_too(tmp_path: Path) -> None:
    async with Emulator(bot_token="424242:E2E-TOKEN") as emu:
        result = await _bangfu_async(
            tmp_path, "run", BANGFU_TOKEN="777:SHORTER", BANGFU_API_URL=emu.root_url
        )
    assert result.returncode == 1
    assert "777:***" in _one_sentence(result, "BANGFU_TOKEN")
    assert "SHORTER" not in result.stderr


def test_an_unreachable_bot_api_is_one_sentence(tmp_path: Path) -> None:
    api = f"http://127.0.0.1:{_unused_port()}"
    result = _bangfu(tmp_path, "run", BANGFU_TOKEN=TOKEN, BANGFU_API_URL=api)
    assert result.returncode == 1
    assert api in _one_sentence(result, "BANGFU_API_URL")


async def test_a_webhook_port_in_use_is_one_sentence(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        async with Emulator(bot_token=TOKEN) as emu:
            result = await _bangfu_async(
                tmp_path,
                "run",
                BANGFU_TOKEN=TOKEN,
                BANGFU_API_URL=emu.root_url,
                BANGFU_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
                BANGFU_WEBHOOK_LISTEN="127.0.0.1",
                BANGFU_WEBHOOK_PORT=str(port),
            )
    assert result.returncode == 1
    line = _one_sentence(result, "BANGFU_WEBHOOK_PORT")
    assert str(port) in line and "in use" in line


async def test_run_checks_the_database_before_starting(tmp_path: Path) -> None:
    unreachable = f"postgresql+asyncpg://nobody:{PASSWORD}@127.0.0.1:{_unused_port()}/none"
    async with Emulator(bot_token=TOKEN) as emu:
        result = await _bangfu_async(
            tmp_path,
            "run",
            BANGFU_TOKEN=TOKEN,
            BANGFU_API_URL=emu.root_url,
            BANGFU_DATABASE_URL=unreachable,
        )
    assert result.returncode == 1
    line = _one_sentence(result, "BANGFU_DATABASE_URL")
    assert "nobody:***@127.0.0.1" in line


def test_logs_never_show_the_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As in a real process: no handler yet, so the CLI's logging setup installs its own.
    monkeypatch.setattr(logging.root, "handlers", [])
    monkeypatch.setattr(logging.root, "level", logging.root.level)
    redaction.add_secret("4242:SHORT", token=True)
    redaction.configure_logging("INFO")
    log = logging.getLogger("telegram.ext.Updater")
    log.info("POST %s", f"https://api.telegram.org/bot{TOKEN}/getUpdates")
    try:
        raise OSError("connect to https://api.telegram.org/bot4242:SHORT/getMe failed")
    except OSError:
        log.exception("network error")
    err = capsys.readouterr().err
    assert "bot123456789:***/getUpdates" in err and "bot4242:***/getMe" in err
    assert TOKEN_SECRET not in err and "SHORT" not in err


def test_even_a_crash_prints_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def crash(settings: object, args: argparse.Namespace) -> int:
        raise RuntimeError(f"unexpected, with /bot{TOKEN}/ and :{PASSWORD}@ in it")

    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("BANGFU_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BANGFU_TOKEN", TOKEN)
    monkeypatch.setenv("BANGFU_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/x.sqlite3")
    monkeypatch.setenv("BANGFU_WEBHOOK_SECRET", PASSWORD)
    monkeypatch.setattr(cli, "_cmd_photo_inspect", crash)
    assert cli.main(["photo", "inspect", "x.jpg"]) == 1
    err = capsys.readouterr().err
    assert "RuntimeError" in err
    assert TOKEN_SECRET not in err and PASSWORD not in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert re.fullmatch(r"bangfu \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _parsers(child)


def test_every_argument_and_command_has_help() -> None:
    missing = []
    for parser in _parsers(cli.build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helped = {choice.dest for choice in action._choices_actions if choice.help}
                missing += [f"{parser.prog} {c}" for c in action.choices if c not in helped]
            elif not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{parser.prog} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


_IMPORTED = """
import sys
from bot.cli import build_parser
build_parser(sys.argv[1:])
print(sorted(m for m in ("bot.services.exports", "bot.importing.cli") if m in sys.modules))
"""


@pytest.mark.parametrize(
    ("argv", "imported"),
    [
        (["run"], "[]"),
        (["--version", "db", "upgrade"], "[]"),
        (["reminders", "--once"], "[]"),
        (["export", "visits", "--out", "x.xlsx"], "['bot.importing.cli', 'bot.services.exports']"),
        (["improt"], "['bot.importing.cli', 'bot.services.exports']"),  # the error lists all
        ([], "['bot.importing.cli', 'bot.services.exports']"),
    ],
)
def test_run_db_and_reminders_start_without_the_export_and_import_code(
    argv: list[str], imported: str
) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _IMPORTED, *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == imported


def _help(*args: str) -> str:
    parser = cli.build_parser()
    out = io.StringIO()
    for sub in _parsers(parser):
        if sub.prog == " ".join(("bangfu", *args)):
            sub.print_help(out)
    return out.getvalue()


def test_run_help_names_the_env_file_the_data_folder_and_the_documentation() -> None:
    text = " ".join(_help("run").split())
    assert ".env" in text and "working folder" in text
    assert "BANGFU_DATA_DIR" in text and "./data" in text
    assert 'README.md, section "Configuration"' in text


def test_sandbox_serve_help_says_what_it_serves_and_where() -> None:
    text = " ".join(_help("sandbox").split())
    assert "Bot API emulator" in text and "control API" in text
    assert "127.0.0.1" in text and "docs/sandbox.md" in text


def test_the_readme_uses_one_form_of_the_command() -> None:
    readme = (ROOT / "README.md").read_text()
    bare = re.findall(r"(?<![\w/.-])bangfu (?:run|sandbox|db|import|admin|photo)\b", readme)
    assert bare == []
    assert ".venv/bin/bangfu run" in readme or "make run" in readme


def test_the_license_field_gives_no_setuptools_warning() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    # A table here makes setuptools >= 77 print a deprecation warning at every install.
    assert isinstance(pyproject["project"]["license"], str)
    assert "setuptools>=77" in pyproject["build-system"]["requires"]


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
    unreachable = f"postgresql+asyncpg://nobody:{PASSWORD}@127.0.0.1:9/none"
    result = _bangfu(tmp_path, "db", "upgrade", BANGFU_DATABASE_URL=unreachable)
    assert result.returncode == 1
    line = _one_sentence(result, "BANGFU_DATABASE_URL")
    assert "cannot reach the database postgresql+asyncpg://nobody:***@127.0.0.1:9/none" in line
