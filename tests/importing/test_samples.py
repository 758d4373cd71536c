"""The demo county and the template files made from it."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

from openpyxl import load_workbook

from bot.identity import normalize_phone, validate_id_number
from bot.importing.readers import read_table
from bot.importing.samples import (
    PHONE_BLOCK,
    TOWNSHIPS,
    demo_helper_rows,
    demo_household_rows,
    write_templates,
)

from .helpers import TEMPLATES


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlat = math.radians(b[0] - a[0])
    dlon = math.radians(b[1] - a[1]) * math.cos(math.radians(a[0]))
    return 6_371_000 * math.hypot(dlat, dlon)


def test_demo_data_is_deterministic() -> None:
    assert demo_household_rows() == demo_household_rows()
    assert demo_helper_rows() == demo_helper_rows()


def test_demo_people() -> None:
    helpers = demo_helper_rows()
    assert len(helpers) == 15
    assert Counter(r["角色"] for r in helpers) == {"幫扶責任人": 12, "辦公室": 2, "組長": 1}
    assert len({r["部門"] for r in helpers if r["部門"]}) == 4
    assert all(r["手機號"].startswith(PHONE_BLOCK) for r in helpers)
    assert len({normalize_phone(r["手機號"]) for r in helpers}) == 15


def test_demo_households() -> None:
    rows = demo_household_rows()
    centres = {(t, v): (lat, lon) for t, vs in TOWNSHIPS for v, lat, lon in vs}
    assert len(rows) == 100 and len(centres) == 8 and len(TOWNSHIPS) == 3
    helper_refs = {r["手機號"] for r in demo_helper_rows()[:12]} | {
        r["姓名"] for r in demo_helper_rows()[:12]
    }
    assert {r["幫扶責任人"] for r in rows} <= helper_refs
    ids = [r["身份證號"] for r in rows if r["身份證號"]]
    assert 0 < 100 - len(ids) < 15
    assert all(validate_id_number(n) == n for n in ids) and len(set(ids)) == len(ids)
    assert all(n.startswith("529901") for n in ids)
    located = [r for r in rows if r["緯度"]]
    assert 0 < 100 - len(located) < 15
    for row in located:
        home = (float(row["緯度"]), float(row["經度"]))
        assert _metres(home, centres[(row["鄉鎮"], row["村"])]) <= 1000
    assert all(1 <= int(r["人口數"]) <= 7 for r in rows)
    assert all(2000 <= int(r["人均純收入"]) <= 6000 for r in rows)
    assert all(r["聯繫電話"].startswith(PHONE_BLOCK) for r in rows if r["聯繫電話"])
    names = [(r["村"], r["戶主姓名"]) for r in rows]
    assert len(set(names)) == 100
    centre_list = list(centres.values())
    gaps = [_metres(a, b) for i, a in enumerate(centre_list) for b in centre_list[i + 1 :]]
    assert min(gaps) > 5_000 and max(gaps) > 30_000


def test_templates_in_docs_are_current(tmp_path: Path) -> None:
    write_templates(tmp_path)
    for name in ("helpers", "households"):
        expected = demo_helper_rows() if name == "helpers" else demo_household_rows()
        for ext in ("xlsx", "csv"):
            for folder in (tmp_path, TEMPLATES):
                table = read_table(folder / f"{name}.{ext}")
                assert [r.cells for r in table.rows] == expected, f"{folder}/{name}.{ext}"


def test_workbooks_have_a_bold_header_and_an_explanation_sheet(tmp_path: Path) -> None:
    write_templates(tmp_path)
    workbook = load_workbook(tmp_path / "households.xlsx")
    assert workbook.sheetnames[1] == "說明"
    sheet = workbook.worksheets[0]
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["B"].width >= 18  # the ID number column
    notes = [row[0] for row in workbook["說明"].iter_rows(min_row=2, values_only=True)]
    assert "身份證號" in notes and "緯度" in notes
    assert (tmp_path / "helpers.csv").read_bytes().startswith(b"\xef\xbb\xbf")
