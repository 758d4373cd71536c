"""The README's sandbox walkthrough and docs/sandbox.md's curl block, run exactly as written.

Both are read from the Markdown (found by their marker comments), so when the bot's
conversations change and the docs do not, this fails.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
_FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.DOTALL)
_CONTROL = re.compile(r"control API at (\S+)")
# The sandbox's output (its log), kept beside the test's files.
SANDBOX_LOG = "sandbox.log"


def fenced_block_after(markdown: Path, marker: str) -> str:
    """The first fenced code block after the line that holds `marker`."""
    text = markdown.read_text(encoding="utf-8")
    at = text.find(marker)
    assert at >= 0, f"{markdown.name} lost its {marker!r} marker"
    found = _FENCE.search(text, at)
    assert found is not None, f"no fenced block after {marker!r} in {markdown.name}"
    return found.group(1)


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANGFU_")}
    # This checkout's code, whatever package the interpreter has installed.
    env.update(BANGFU_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    # The reminder scheduler follows the real clock: on a stage day a nudge would slip into
    # the walkthrough's chat and move its buttons. The walkthroughs do not cover reminders.
    env["BANGFU_REMINDERS_IN_BOT"] = "false"
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def served_sandbox(tmp_path: Path) -> Iterator[str]:
    """`bangfu sandbox --serve` on a free port; yields its control API URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sandbox", "--serve", "--port", str(_free_port())],
        env=_env(tmp_path),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    drain: threading.Thread | None = None
    try:
        for line in proc.stdout:
            seen.append(line)
            found = _CONTROL.search(line)
            if found:
                # Keep reading: a pipe nobody empties would stall the bot once it is full,
                # and the log is the evidence when a test fails (sandbox.log in tmp_path).
                drain = threading.Thread(
                    target=_keep, args=(proc.stdout, seen, tmp_path / SANDBOX_LOG), daemon=True
                )
                drain.start()
                yield found.group(1)
                break
        else:
            pytest.fail("the sandbox never printed its control API:\n" + "".join(seen))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        if drain is not None:
            drain.join(timeout=10)
        proc.stdout.close()


def _keep(stream: IO[str], seen: list[str], path: Path) -> None:
    """Copy the sandbox's output to a file as it comes, until the process closes it."""
    with path.open("w", encoding="utf-8") as out:
        out.writelines(seen)
        for line in stream:
            out.write(line)
            out.flush()


def test_the_curl_walkthrough_runs_as_written(served_sandbox: str, tmp_path: Path) -> None:
    block = fenced_block_after(ROOT / "docs" / "sandbox.md", "<!-- curl-walkthrough")
    # The block calls .venv/bin/python from the repository root; give it this interpreter.
    venv_python = tmp_path / "work" / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    venv_python.chmod(0o755)
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", block],
        env={**_env(tmp_path), "E": served_sandbox},
        cwd=venv_python.parents[2],
        capture_output=True,
        text=True,
        timeout=180,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "(no answer yet)" not in out
    assert "欢迎您，王建國（帮扶责任人）" in out
    assert "📍 记录走访" in out  # the helper menu
    assert "走访 丁桂壽" in out
    assert "已收到第 1 张照片（含定位）" in out
    assert "✅ 走访已保存" in out and "丁桂壽：本月 1/2 次" in out
    assert "分享的位置距该户住址约 14.3 公里（阈值 500 米）" in out
    assert "第 1 张照片的拍摄位置距该户住址约 14.3 公里" in out
    assert "待核查疑点：2 条" in out and "王建國 → 丁桂壽" in out
    assert "far_from_home" not in out
    assert (venv_python.parents[2] / "photo.jpg").stat().st_size > 0


def test_the_readme_walkthrough_types_as_written(tmp_path: Path) -> None:
    lines = fenced_block_after(ROOT / "README.md", "<!-- sandbox-walkthrough")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "sandbox"],
        env=_env(tmp_path),
        cwd=tmp_path,
        input=lines,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Traceback" not in out + result.stderr
    # Every line was a step the bot answered; none missed a button or waited in vain.
    assert "! " not in out, out
    assert "no answer from the bot yet" not in out, out
    typed = [line for line in lines.splitlines() if line]
    assert all(f"> {line}\n" in out for line in typed)
    assert "欢迎您，王建國（帮扶责任人）" in out
    assert "走访 林才壽" in out
    assert "using the centre of 大寨村" in out  # no home on file, yet the button worked
    assert "林才壽：本月 1/2 次" in out
    assert "走访 丁桂壽" in out and "丁桂壽：本月 1/2 次" in out
    assert "您本月：已走访 2 次" in out
    assert "欢迎您，鄭文華（办公室）" in out
    flags = out[out.index("待核查疑点") :]
    assert "王建國 → 林才壽" in flags and "尚无登记的住址位置" in flags
    assert "王建國 → 丁桂壽" in flags and "距该户住址约 5.0 公里" in flags
    assert "no_home_location" not in flags and "far_from_home" not in flags
