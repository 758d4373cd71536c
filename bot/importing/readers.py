"""Reading .xlsx and .csv files into rows of text keyed by their header."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

SUPPORTED = (".xlsx", ".csv")


class UnreadableFile(ValueError):
    """A file that cannot be read as a table; the message says why in plain words."""


@dataclass(frozen=True)
class Row:
    """One data row: its number as a spreadsheet shows it, and its cells by header."""

    number: int
    cells: dict[str, str]


@dataclass
class Table:
    """The header and data rows of one file (or of rows built in code)."""

    name: str
    headers: list[str]
    rows: list[Row] = field(default_factory=list)


def cell_text(value: object) -> str:
    """A cell's value as text; whole-number floats lose their ".0" and never go exponential."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            # Phones typed into a number cell arrive as 13800138000.0; keep every digit.
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def _table(name: str, raw_rows: Iterable[tuple[int, Sequence[str]]]) -> Table:
    table: Table | None = None
    for number, values in raw_rows:
        if not any(v.strip() for v in values):
            continue
        if table is None:
            headers = [v.strip() for v in values]
            # Blank header cells get a placeholder name so their data is simply ignored.
            headers = [h or f"_column{i + 1}" for i, h in enumerate(headers)]
            table = Table(name=name, headers=headers)
            continue
        cells = {
            h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(table.headers)
        }
        table.rows.append(Row(number=number, cells=cells))
    if table is None:
        raise UnreadableFile(f"{name}: the file is empty (no header row)")
    return table


def _xlsx_rows(path: Path) -> Iterable[tuple[int, list[str]]]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        # Some writers store a wrong sheet size; forget it so every row is read.
        sheet.reset_dimensions()  # type: ignore[union-attr]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [cell_text(v) for v in values]
    finally:
        workbook.close()


def read_xlsx(path: Path) -> Table:
    """The first sheet of a workbook; the first non-empty row is the header."""
    try:
        return _table(path.name, _xlsx_rows(path))
    except UnreadableFile:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"{path.name}: not a readable Excel .xlsx file ({exc})") from exc
    except Exception as exc:  # openpyxl raises many kinds on damaged XML
        raise UnreadableFile(f"{path.name}: the Excel file is damaged ({exc})") from exc


def _decode(data: bytes, name: str) -> str:
    # Chinese Excel saves "CSV" in GB18030 (GBK); UTF-8 files may carry a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(f"{name}: not a text file in UTF-8 or GB18030")


def read_csv(path: Path) -> Table:
    """A comma-, semicolon- or tab-separated file in UTF-8 (BOM or not) or GB18030."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"{path.name}: cannot be read ({exc.strerror})") from exc
    if b"\x00" in data[:4096]:
        raise UnreadableFile(f"{path.name}: not a text file (is it an Excel file renamed .csv?)")
    text = _decode(data, path.name)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        # Numbered by record, not line: a quoted cell with line breaks is still one row.
        raw: list[tuple[int, list[str]]] = []
        for values in reader:
            raw.append((len(raw) + 1, values))
    except csv.Error as exc:
        raise UnreadableFile(f"{path.name}: not a valid CSV file ({exc})") from exc
    return _table(path.name, raw)


def read_table(path: Path) -> Table:
    """Read an .xlsx or .csv file; anything else is refused with a plain message."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        hint = " (save it as .xlsx in Excel)" if suffix in (".xls", ".et", ".ods") else ""
        raise UnreadableFile(
            f"{path.name}: unsupported file type {suffix or '(none)'!r}; use .xlsx or .csv{hint}"
        )
    if not path.is_file():
        raise UnreadableFile(f"{path.name}: file not found ({path})")
    return read_xlsx(path) if suffix == ".xlsx" else read_csv(path)


def as_table(rows: Table | Sequence[Mapping[str, str]], name: str = "rows") -> Table:
    """A Table from rows built in code (header → text), numbered as a spreadsheet would."""
    if isinstance(rows, Table):
        return rows
    headers: list[str] = []
    for row in rows:
        headers.extend(h for h in row if h not in headers)
    return Table(
        name=name,
        headers=headers,
        rows=[
            Row(number=i + 2, cells={h: str(row.get(h, "")).strip() for h in headers})
            for i, row in enumerate(rows)
        ],
    )
