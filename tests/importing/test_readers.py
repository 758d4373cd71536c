"""Reading .xlsx and .csv files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.importing.readers import UnreadableFile, as_table, cell_text, read_table


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (13800138000, "13800138000"),
        (13800138000.0, "13800138000"),
        (1.38e10, "13800000000"),
        (3.0, "3"),
        (3500.5, "3500.5"),
        (26.512345, "26.512345"),
        ("  王 ", "王"),
        (True, "TRUE"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_xlsx_numbers_stay_whole_and_rows_keep_their_numbers(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "h.xlsx",
        [
            [],
            ["姓名", "手機號", None, "部門"],
            ["甲", 13800000001, "x", "科"],
            [],
            ["乙", 13800000002.0, None, None],
        ],
    )
    table = read_table(path)
    assert table.name == "h.xlsx"
    assert table.headers == ["姓名", "手機號", "_column3", "部門"]
    assert [r.number for r in table.rows] == [3, 5]
    assert table.rows[0].cells == {
        "姓名": "甲",
        "手機號": "13800000001",
        "_column3": "x",
        "部門": "科",
    }
    assert table.rows[1].cells["手機號"] == "13800000002"
    assert table.rows[1].cells["部門"] == ""


def test_only_the_first_sheet_is_read(tmp_path: Path) -> None:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.append(["姓名"])
    first.append(["甲"])
    second = workbook.create_sheet("說明")
    second.append(["欄位"])
    workbook.save(tmp_path / "two.xlsx")
    table = read_table(tmp_path / "two.xlsx")
    assert table.headers == ["姓名"] and len(table.rows) == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "h.csv"
    path.write_text("姓名,手機號,部門\r\n王建國,13800000001,農業農村科\r\n", encoding=encoding)
    table = read_table(path)
    assert table.headers == ["姓名", "手機號", "部門"]
    assert table.rows[0].cells["姓名"] == "王建國"
    assert table.rows[0].number == 2


def test_csv_with_semicolons_blank_lines_and_quoted_breaks(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text('姓名;備註\n\n甲;"two\nlines"\n乙;x\n', encoding="utf-8")
    table = read_table(path)
    assert [(r.number, r.cells["姓名"]) for r in table.rows] == [(3, "甲"), (4, "乙")]
    assert table.rows[0].cells["備註"] == "two\nlines"


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("h.txt", b"x", "unsupported file type '.txt'; use .xlsx or .csv"),
        ("h.xls", b"x", "save it as .xlsx"),
        ("h", b"x", "unsupported file type '(none)'"),
        ("h.xlsx", b"this is not a zip", "not a readable Excel .xlsx file"),
        ("h.csv", b"", "empty"),
        ("h.csv", b"\r\n,,\r\n", "empty"),
        ("h.csv", b"PK\x03\x04\x00\x00binary", "not a text file"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile) as caught:
        read_table(path)
    assert words in str(caught.value)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "h.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(UnreadableFile, match=r"h\.xlsx"):
        read_table(path)


def test_truncated_workbook(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "h.xlsx", [["姓名"], ["甲"]])
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(UnreadableFile):
        read_table(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="file not found"):
        read_table(tmp_path / "nowhere.xlsx")


def test_rows_built_in_code_are_numbered_like_a_sheet() -> None:
    table = as_table([{"a": "1"}, {"a": "2", "b": " x "}], name="demo")
    assert table.headers == ["a", "b"]
    assert [(r.number, r.cells) for r in table.rows] == [
        (2, {"a": "1", "b": ""}),
        (3, {"a": "2", "b": "x"}),
    ]
