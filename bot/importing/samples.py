"""A deterministic demo county for the sample templates and the sandbox.

Everything here is invented. Phone numbers are in the 13800000xxx block (helpers and admins
13800000001–015, households 13800000101–200). ID numbers carry region code 529901, which is
assigned to no county, with a valid check digit, so they pass validation yet belong to nobody.

`python -m bot.importing.samples docs/templates` (re)writes the template files.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.identity import id_check_character
from bot.importing.columns import HELPER_COLUMNS, HOUSEHOLD_COLUMNS, Column

SEED = 2020
ID_REGION = "529901"  # unassigned region code: the demo numbers belong to nobody
PHONE_BLOCK = "13800000"  # + 3 digits; a well-known placeholder block, documented above

# Township → villages with their centres (lat, lon), around 26.5 N, 106.7 E.
TOWNSHIPS: tuple[tuple[str, tuple[tuple[str, float, float], ...]], ...] = (
    (
        "青山鎮",
        (
            ("大寨村", 26.6231, 106.5812),
            ("高坡村", 26.7045, 106.6637),
            ("岩腳村", 26.5518, 106.4893),
        ),
    ),
    (
        "龍塘鄉",
        (
            ("楊柳村", 26.3817, 106.8324),
            ("石門村", 26.2962, 106.9518),
            ("水口村", 26.4475, 107.0126),
        ),
    ),
    ("白岩鎮", (("新寨村", 26.5843, 106.9207), ("龍井村", 26.6651, 107.0488))),
)
DEPARTMENTS = ("農業農村科", "社會事務科", "財務審計科", "基礎設施科")
HELPER_NAMES = (
    "王建國", "李秀英", "張志強", "劉芳", "陳明", "楊靜",
    "趙偉", "黃麗", "周軍", "吳敏", "徐濤", "孫燕",
)  # fmt: skip
OFFICE = (("鄭文華", ""), ("馮雪梅", "龍塘鄉"))  # (name, scope)
LEADER = "韓國棟"
HOUSEHOLDS = 100
SURNAMES = "王李張劉陳楊趙黃周吳徐孫胡朱高林何郭馬羅梁宋謝韓唐馮董蕭程曹袁鄧許傅沈曾彭呂蔣蔡丁"
GIVEN = "德明學文光興貴發才富華榮成忠仁家國永春秋蘭英珍芬秀桂玉福壽安平順昌祥"
CAUSES = ("因病", "因學", "缺技術", "缺勞力", "缺資金", "因殘", "交通落後")
CAUSE_WEIGHTS = (30, 12, 20, 15, 12, 8, 6)
STATUSES = (("貧困", 80), ("已脫貧", 10), ("待退出", 5), ("返貧風險", 3), ("申請", 2))


def _phone(n: int) -> str:
    return f"{PHONE_BLOCK}{n:03d}"


def _id_number(rng: random.Random) -> str:
    born = date(1945, 1, 1) + timedelta(days=rng.randrange(365 * 50))
    first17 = f"{ID_REGION}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_character(first17)


def _near(rng: random.Random, lat: float, lon: float, metres: float) -> tuple[float, float]:
    distance = metres * math.sqrt(rng.random())
    angle = rng.random() * 2 * math.pi
    dlat = distance * math.cos(angle) / 111_320
    dlon = distance * math.sin(angle) / (111_320 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def _row(columns: Sequence[Column], values: dict[str, str]) -> dict[str, str]:
    return {c.label: values.get(c.key, "") for c in columns}


def demo_helper_rows() -> list[dict[str, str]]:
    """12 helpers in 4 departments, 2 office users and 1 leader (Chinese headers)."""
    rows = [
        _row(
            HELPER_COLUMNS,
            {
                "name": name,
                "phone": _phone(i + 1),
                "department": DEPARTMENTS[i // 3],
                "role": "幫扶責任人",
            },
        )
        for i, name in enumerate(HELPER_NAMES)
    ]
    for j, (name, scope) in enumerate(OFFICE):
        values = {"name": name, "phone": _phone(13 + j), "role": "辦公室", "scope": scope}
        rows.append(_row(HELPER_COLUMNS, values))
    rows.append(_row(HELPER_COLUMNS, {"name": LEADER, "phone": _phone(15), "role": "組長"}))
    return rows


def _unique_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))
        if name not in taken and name not in HELPER_NAMES:
            taken.add(name)
            return name


def demo_household_rows() -> list[dict[str, str]]:
    """100 households over 8 villages, each paired with one of the 12 helpers."""
    rng = random.Random(SEED)
    villages = [(t, v, lat, lon) for t, vs in TOWNSHIPS for v, lat, lon in vs]
    taken: set[str] = set()
    rows: list[dict[str, str]] = []
    for i in range(HOUSEHOLDS):
        township, village, lat, lon = villages[i * len(villages) // HOUSEHOLDS]
        # Helpers take consecutive households, so each covers one or two villages.
        helper = i * len(HELPER_NAMES) // HOUSEHOLDS
        causes = list(dict.fromkeys(rng.choices(CAUSES, CAUSE_WEIGHTS, k=rng.choice((1, 1, 2)))))
        status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
        values = {
            "head_name": _unique_name(rng, taken),
            "id_number": _id_number(rng),
            "members": str(rng.choices(range(1, 8), (8, 14, 22, 24, 16, 10, 6))[0]),
            "township": township,
            "village": village,
            "group": f"{rng.randint(1, 5)}組",
            "causes": "、".join(causes),
            "income": str(rng.randrange(2000, 6001, 10)),
            "status": status,
            "phone": _phone(101 + i) if i % 5 != 2 else "",
            # Most rows name the helper by phone; every tenth by (unique) name.
            "helper": HELPER_NAMES[helper] if i % 10 == 4 else _phone(helper + 1),
        }
        home_lat, home_lon = _near(rng, lat, lon, 1000)
        if i % 17 != 3:
            values.update(latitude=f"{home_lat:.6f}", longitude=f"{home_lon:.6f}")
        if i % 13 == 5:
            values["id_number"] = ""
        rows.append(_row(HOUSEHOLD_COLUMNS, values))
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _write_sheet(sheet: Worksheet, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for index, column in enumerate(sheet.iter_cols(), start=1):
        widest = max(_width(str(c.value or "")) for c in column)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 8), 60)
        for cell in column[1:]:
            # Text format keeps phone and ID numbers from turning into numbers in Excel.
            cell.number_format = "@"
    sheet.freeze_panes = "A2"


def _help_rows(columns: Sequence[Column]) -> list[list[str]]:
    return [
        [c.label, c.key, "必填 required" if c.required else "選填 optional", c.zh, c.en,
         "、".join(c.aliases)]
        for c in columns
    ]  # fmt: skip


def write_xlsx(path: Path, rows: Sequence[dict[str, str]], columns: Sequence[Column]) -> None:
    """A workbook with the rows on the first sheet and the column help on "說明"."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "資料"
    header = [c.label for c in columns]
    _write_sheet(sheet, header, [[row.get(h, "") for h in header] for row in rows])
    notes = workbook.create_sheet("說明")
    _write_sheet(
        notes,
        ["欄位", "Column", "必填 / Required", "說明", "Description", "也接受 / Also accepted"],
        _help_rows(columns),
    )
    for column in notes.iter_cols(min_col=4, max_col=5):
        for cell in column:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    workbook.properties.creator = "bangfu"
    workbook.properties.created = datetime(2024, 1, 1, tzinfo=UTC).replace(tzinfo=None)
    workbook.save(path)


def write_csv(path: Path, rows: Sequence[dict[str, str]], columns: Sequence[Column]) -> None:
    """UTF-8 with a BOM, so Excel opens the Chinese text correctly."""
    header = [c.label for c in columns]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def write_templates(folder: Path) -> list[Path]:
    """Write helpers.xlsx, helpers.csv, households.xlsx and households.csv into the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for stem, rows, columns in (
        ("helpers", demo_helper_rows(), HELPER_COLUMNS),
        ("households", demo_household_rows(), HOUSEHOLD_COLUMNS),
    ):
        write_xlsx(folder / f"{stem}.xlsx", rows, columns)
        write_csv(folder / f"{stem}.csv", rows, columns)
        written += [folder / f"{stem}.xlsx", folder / f"{stem}.csv"]
    return written


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: write the templates into a folder."""
    parser = argparse.ArgumentParser(description="write the sample import templates")
    parser.add_argument("folder", type=Path, nargs="?", default=Path("docs/templates"))
    args = parser.parse_args(argv)
    for path in write_templates(args.folder):
        print(path)


if __name__ == "__main__":
    main()
