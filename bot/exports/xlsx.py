"""Writing an export to an .xlsx file row by row (openpyxl's write-only mode).

Rows go to disk as they come: the writer never holds the table, only the current row.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.exports.registry import Cell, ExportKind

Progress = Callable[[int], Awaitable[None]]
PROGRESS_EVERY = 2000


async def write_xlsx(
    path: Path,
    kind: ExportKind,
    rows: AsyncIterator[Sequence[Cell]],
    progress: Progress | None = None,
    *,
    every: int = PROGRESS_EVERY,
) -> int:
    """Write the kind's headers and every row to `path`; the number of rows written."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(kind.title)
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
    count = 0
    async for row in rows:
        sheet.append(list(row))
        count += 1
        if progress is not None and count % every == 0:
            await progress(count)
    book.save(path)
    return count
