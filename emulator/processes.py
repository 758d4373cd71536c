"""Real processes for end-to-end tests and benchmarks: the emulator and the bot, over HTTP."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

TOKEN = "424242:E2E-TOKEN"
_LISTENING = re.compile(r"emulator listening on (\S+)")


def _read_line_matching(
    proc: subprocess.Popen[str], pattern: re.Pattern[str], timeout: float
) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                raise RuntimeError(f"process exited with {proc.returncode} before it was ready")
            continue
        found = pattern.search(line)
        if found:
            return found.group(1)
    raise TimeoutError("process did not become ready in time")


@dataclass
class EmulatorProcess:
    """`python -m emulator` on a free loopback port."""

    proc: subprocess.Popen[str]
    root_url: str

    @classmethod
    def start(cls, *, token: str = TOKEN, args: tuple[str, ...] = ()) -> EmulatorProcess:
        """Start it and wait for its listening line."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--port", "0", "--token", token, *args],
            stdout=subprocess.PIPE,
            stderr=None,
            text=True,
        )
        root = _read_line_matching(proc, _LISTENING, 30)
        return cls(proc=proc, root_url=root.rstrip("/"))

    @property
    def control_url(self) -> str:
        """The control API root."""
        return f"{self.root_url}/control"

    def stop(self) -> None:
        """Stop it."""
        _stop(self.proc)

    def cpu_seconds(self) -> float | None:
        """CPU time the emulator has used so far (Linux), for benchmarks."""
        return _cpu_seconds(self.proc)


@dataclass
class BotProcess:
    """`bangfu run` (the normal entry point) against the emulator."""

    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    command: tuple[str, ...] = ("-m", "bot.cli", "run")

    def start(self, control_url: str, *, ready_timeout: float = 180) -> None:
        """Start the bot and wait until it polls (or, in webhook mode, registers its hook)."""
        # 60 s was too short on the shared 2-core machine at load 13-17: e2e modules erred with
        # "did not start polling in time" while the bot was still importing.
        before = _get_updates_count(control_url)
        log = self.log_path.open("ab")
        self._log = log
        self.proc = subprocess.Popen(
            [sys.executable, *self.command], env=self.env, stdout=log, stderr=log
        )
        deadline = time.monotonic() + ready_timeout
        webhook = bool(self.env.get("BANGFU_WEBHOOK_URL"))
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bot exited with {self.proc.returncode}:\n{self.log()}")
            if webhook and _webhook_set(control_url):
                return
            if not webhook and _get_updates_count(control_url) > before:
                return
            time.sleep(0.1)
        raise TimeoutError(f"bot did not start polling in time:\n{self.log()}")

    def stop(self, *, kill: bool = False) -> None:
        """Stop the bot: SIGINT for a clean shutdown, SIGKILL to simulate a crash."""
        if self.proc is not None:
            if kill:
                self.proc.kill()
                self.proc.wait(10)
            else:
                _stop(self.proc)
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def cpu_seconds(self) -> float | None:
        """CPU time the bot process has used so far (Linux), for benchmarks."""
        return _cpu_seconds(self.proc)

    def log(self) -> str:
        """What the bot wrote to its log so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def bot_env(
    *, api_url: str, database_url: str, data_dir: Path, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a bot process: only our variables, no `.env` surprises."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANGFU_")}
    env.update(
        BANGFU_TOKEN=TOKEN,
        BANGFU_API_URL=api_url,
        BANGFU_DATABASE_URL=database_url,
        BANGFU_DATA_DIR=str(data_dir),
        BANGFU_LOG_LEVEL="INFO",
        # The scheduler runs on the wall clock; tests that want it switch it on.
        BANGFU_REMINDERS_IN_BOT="false",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def _cpu_seconds(proc: subprocess.Popen[str] | subprocess.Popen[bytes] | None) -> float | None:
    if proc is None:
        return None
    try:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    # utime and stime are the 12th and 13th fields after the command name, in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _get_updates_count(control_url: str) -> int:
    try:
        stats = httpx.get(f"{control_url}/stats", timeout=5).json()
    except httpx.HTTPError:
        return 0
    return int(stats.get("by_method", {}).get("getUpdates", 0))


def _webhook_set(control_url: str) -> bool:
    root = control_url.removesuffix("/control")
    try:
        info = httpx.post(f"{root}/bot{TOKEN}/getWebhookInfo", timeout=5).json()
    except httpx.HTTPError:
        return False
    return bool(info.get("result", {}).get("url"))


def _stop(proc: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
