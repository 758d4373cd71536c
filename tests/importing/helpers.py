"""Shared test data for the import tests."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from bot.identity import id_check_character

TEMPLATES = Path(__file__).resolve().parents[2] / "docs" / "templates"
KEY = "test-key"


def make_id(seq: int, born: str = "19800101", region: str = "529901") -> str:
    """A valid-checksum ID number with a sequence number 0–999."""
    first17 = f"{region}{born}{seq:03d}"
    return first17 + id_check_character(first17)


def write_csv(path: Path, rows: Sequence[dict[str, str]], encoding: str = "utf-8-sig") -> Path:
    """Rows (header → text) into a CSV file."""
    headers: list[str] = []
    for row in rows:
        headers.extend(h for h in row if h not in headers)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)
    return path


def helper_row(
    name: str, phone: str, department: str = "農業農村科", **extra: str
) -> dict[str, str]:
    """One helpers-file row with Chinese headers."""
    return {"姓名": name, "手機號": phone, "部門": department, **extra}


def household_row(
    head: str,
    helper: str = "13800000001",
    *,
    id_number: str = "",
    village: str = "大寨村",
    **extra: str,
) -> dict[str, str]:
    """One households-file row with Chinese headers and sensible values."""
    row = {
        "戶主姓名": head,
        "身份證號": id_number,
        "人口數": "3",
        "鄉鎮": "青山鎮",
        "村": village,
        "組": "1組",
        "致貧原因": "因病",
        "人均純收入": "3000",
        "幫扶責任人": helper,
    }
    row.update(extra)
    return row
