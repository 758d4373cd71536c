"""Writing an export to an .xlsx file row by row (openpyxl's write-only mode).

Rows go to disk as they come: the writer never holds the table, only the current row. A
sheet holds at most 1,048,576 rows (the format's limit, header included); a larger export
goes on in further sheets, each with the same header, titled 走访记录, 走访记录 (2), ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.exports.registry import Cell, ExportKind

Progress = Callable[[int], Awaitable[None]]
PROGRESS_EVERY = 2000
# The xlsx format's rows per sheet, less the header row.
SHEET_ROWS = 1_048_576 - 1
# Excel refuses sheet titles longer than this.
_TITLE_MAX = 31


class _Sheet(Protocol):
    """What the writer does with a write-only sheet: append rows."""

    def append(self, iterable: Sequence[object]) -> None: ...


def sheet_title(title: str, number: int) -> str:
    """The title of the kind's `number`-th sheet (1-based), within Excel's 31 characters."""
    if number == 1:
        return title[:_TITLE_MAX]
    suffix = f" ({number})"
    return title[: _TITLE_MAX - len(suffix)] + suffix


def _new_sheet(book: Workbook, kind: ExportKind, number: int) -> _Sheet:
    sheet = book.create_sheet(sheet_title(kind.title, number))
    # Write-only sheets take their layout before the first row.
    sheet.freeze_panes = "A2"
    for index, width in enumerate(kind.widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for title in kind.headers:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    rows: _Sheet = sheet
    return rows


async def write_xlsx(
    path: Path,
    kind: ExportKind,
    rows: AsyncIterator[Sequence[Cell]],
    progress: Progress | None = None,
    *,
    every: int = PROGRESS_EVERY,
    sheet_rows: int = SHEET_ROWS,
) -> int:
    """Write the kind's headers and every row to `path`; the number of rows written."""
    if not 0 < sheet_rows <= SHEET_ROWS:
        raise ValueError(f"sheet_rows must be between 1 and {SHEET_ROWS}")
    book = Workbook(write_only=True)
    sheets = 1
    sheet = _new_sheet(book, kind, sheets)
    count = 0
    async for row in rows:
        if count and count % sheet_rows == 0:
            sheets += 1
            sheet = _new_sheet(book, kind, sheets)
        sheet.append(list(row))
        count += 1
        if progress is not None and count % every == 0:
            await progress(count)
    book.save(path)
    return count
