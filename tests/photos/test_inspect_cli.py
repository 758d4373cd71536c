"""`bangfu photo inspect`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.photos import GeoPoint
from bot.photos.inspect_cli import run_inspect
from bot.photos.synthetic import camera_jpeg

ROOT = Path(__file__).resolve().parents[2]


def _files(tmp_path: Path) -> tuple[str, str, str]:
    good = tmp_path / "visit.jpg"
    good.write_bytes(
        camera_jpeg(
            30,
            (640, 480),
            gps=GeoPoint(26.58, 106.71, 1070.0),
            taken_at=datetime(2024, 6, 3, 9, 15, tzinfo=timezone(timedelta(hours=8))),
            make="HUAWEI",
            model="NOVA 11",
        )
    )
    bad = tmp_path / "photo.jpg"  # a PDF dressed up as a photo
    bad.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n")
    return str(good), str(bad), str(tmp_path / "missing.jpg")


def test_text_report(tmp_path: Path) -> None:
    good, bad, missing = _files(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    status = run_inspect([good, bad, missing, str(tmp_path)], as_json=False, out=out, err=err)
    assert status != 0
    text = out.getvalue()
    assert "JPEG" in text and "640x480" in text and "26.580000, 106.710000" in text
    assert "2024-06-03T09:15:00+08:00" in text and "HUAWEI NOVA 11" in text
    errors = err.getvalue().splitlines()
    assert len(errors) == 3
    assert "unsupported_type" in errors[0] and "no such file" in errors[1]
    assert "directory" in errors[2]
    assert "Traceback" not in text + err.getvalue()


def test_all_good_exits_zero(tmp_path: Path) -> None:
    good, _, _ = _files(tmp_path)
    assert run_inspect([good], as_json=False, out=io.StringIO(), err=io.StringIO()) == 0


def test_json_report(tmp_path: Path) -> None:
    good, bad, missing = _files(tmp_path)
    out = io.StringIO()
    status = run_inspect([good, bad, missing], as_json=True, out=out, err=io.StringIO())
    assert status != 0
    records = json.loads(out.getvalue())
    assert [r["ok"] for r in records] == [True, False, False]
    first = records[0]
    assert first["format"] == "JPEG" and first["gps"]["latitude"] == 26.58
    assert first["taken_at"] == "2024-06-03T09:15:00+08:00" and first["taken_at_offset_known"]
    assert len(first["sha256"]) == 64 and len(first["phash"]) == 16
    assert "unsupported_type" in records[1]["error"]


def test_module_entry_point_never_tracebacks(tmp_path: Path) -> None:
    good, bad, missing = _files(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "bot.photos.inspect_cli", good, bad, missing, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert len(json.loads(run.stdout)) == 3
