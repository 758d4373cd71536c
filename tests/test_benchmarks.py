"""Every benchmark runs in its CI-sized form and ends with one well-formed JSON line.

Only the shape is checked: timings on a shared CI machine are not assertions.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "name",
    [
        "emulator",
        "photos",
        "evidence",
        "ingest",
        "quota_scan",
        "nudge_pacing",
        "reuse",
        "reuse_scale",
        "soak",
        "summary",
    ],
)
def test_benchmark_prints_its_figures(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=400,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    last = result.stdout.strip().splitlines()[-1]
    report = json.loads(last)
    assert report["bench"] == name
    assert report["figures"], "a benchmark without figures"
    for figure in report["figures"]:
        assert set(figure) == {"name", "value", "unit", "goal", "met"}
        assert isinstance(figure["value"], int | float)
        assert isinstance(figure["met"], bool)
    assert "Traceback" not in result.stderr
