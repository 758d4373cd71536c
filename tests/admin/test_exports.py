"""Exports: every cell of the written workbook, the scope, the registry, the command line."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot import cli
from bot.domain.oversight import PeriodSpan, parse_span
from bot.domain.vocabulary import Role
from bot.exports import registry
from bot.exports.registry import Cell, ExportKind, ExportQuery, kind_named, register
from bot.exports.xlsx import write_xlsx
from bot.services.exports import UnknownExport, run_export
from storage.db import SessionFactory, create_engine, session_factory
from storage.uow import UnitOfWork
from tests.admin.county import County, build_county
from tests.conftest import shared_factory

Uows = Callable[[], UnitOfWork]
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = PeriodSpan(202611, 202611)


def _cells(path: Path) -> list[list[object]]:
    sheet = load_workbook(path).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


async def test_the_visits_export_cell_by_cell(
    sessions: SessionFactory, uows: Uows, tmp_path: Path
) -> None:
    county = await build_county(sessions)
    done = await run_export(
        uows(),
        county.actor(Role.OFFICE, "county"),
        key="visits",
        span=NOVEMBER,
        area="",
        tz=SHANGHAI,
        folder=tmp_path,
    )
    assert done.rows == 3 and done.filename == "走访记录_2026-11.xlsx"
    book = load_workbook(done.path)
    sheet = book.active
    assert sheet is not None
    assert sheet.title == "走访记录" and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["K"].width == 50
    assert sheet["A1"].font.b
    rows = _cells(done.path)
    assert rows[0] == [
        "走访编号", "走访日期", "走访时间", "帮扶人", "农户编号", "户主", "村",
        "定位来源", "补录", "待核查标记", "走访记录",
    ]  # fmt: skip
    dazhai, hebian = county.households["大寨村"], county.households["河邊村"]
    body = [row[1:] for row in rows[1:]]  # visit ids are the database's
    assert body == [
        [datetime(2026, 11, 3), "2026-11-03 10:00", "王芳", dazhai, "大寨戶", "大寨村",
         "无", "否", 0, "第一次"],
        [datetime(2026, 11, 10), "2026-11-10 10:00", "王芳", dazhai, "大寨戶", "大寨村",
         "无", "否", 0, "第二次"],
        [datetime(2026, 11, 12), "2026-11-12 10:00", "李明", hebian, "河邊戶", "河邊村",
         "无", "否", 1, "河邊"],
    ]  # fmt: skip


async def test_households_and_coverage_exports_keep_to_the_area(
    sessions: SessionFactory, uows: Uows, tmp_path: Path
) -> None:
    county = await build_county(sessions)
    township = county.actor(Role.OFFICE, "township")
    done = await run_export(
        uows(), township, key="households", span=NOVEMBER, area="", tz=SHANGHAI, folder=tmp_path
    )
    rows = _cells(done.path)
    assert rows[0][:5] == ["农户编号", "户主", "人口", "村", "状态"]
    assert [r[1:] for r in rows[1:]] == [
        ["大寨戶", 3, "大寨村", "贫困户", "因病", 5000, "王芳", 2],
        ["小寨戶", 3, "小寨村", "贫困户", "因病", 5000, "王芳", 0],
    ]
    done = await run_export(
        uows(),
        county.actor(Role.LEADER, "county"),
        key="coverage",
        span=NOVEMBER,
        area="白水乡",
        tz=SHANGHAI,
        folder=tmp_path,
    )
    assert done.filename == "政策覆盖_白水鄉.xlsx"
    rows = _cells(done.path)
    assert rows[1:] == [[county.households["河邊村"], "河邊戶", "河邊村", "已脱贫", 1, 1, 0, 1]]


async def test_a_year_and_an_unknown_kind(
    sessions: SessionFactory, uows: Uows, tmp_path: Path
) -> None:
    county = await build_county(sessions)
    office = county.actor(Role.OFFICE, "village")
    year = parse_span("2026")
    assert year == PeriodSpan(202601, 202612)
    quarter = parse_span("2026Q4")
    assert quarter == PeriodSpan(202610, 202612) and quarter.label == "2026Q4"
    assert parse_span("2026Q5") is None
    done = await run_export(
        uows(), office, key="visits", span=year, area="", tz=SHANGHAI, folder=tmp_path
    )
    # The village sees its own household's three visits, October's included.
    assert done.rows == 3 and done.filename == "走访记录_2026.xlsx"
    with pytest.raises(UnknownExport):
        await run_export(
            uows(), office, key="nothing", span=year, area="", tz=SHANGHAI, folder=tmp_path
        )


async def _numbers(uow: UnitOfWork, query: ExportQuery) -> AsyncIterator[Sequence[Cell]]:
    for n in range(25):
        yield (n, f"第{n}行")


@pytest.fixture
def _forget_test_kind() -> Iterator[None]:
    yield
    registry._KINDS.pop("numbers-test", None)


@pytest.mark.usefixtures("_forget_test_kind")
async def test_a_registered_kind_streams_with_progress(tmp_path: Path) -> None:
    kind = register(
        ExportKind(
            key="numbers-test", title="数字", headers=("编号", "名称"), widths=(8, 12),
            rows=_numbers,
        )
    )  # fmt: skip
    assert kind_named("NUMBERS-TEST") is kind
    seen: list[int] = []

    async def progress(rows: int) -> None:
        seen.append(rows)

    query = ExportQuery(scope=None, span=NOVEMBER, tz=SHANGHAI)  # type: ignore[arg-type]
    count = await write_xlsx(
        tmp_path / "n.xlsx",
        kind,
        kind.rows(None, query),
        progress,
        every=10,  # type: ignore[arg-type]
    )
    assert count == 25 and seen == [10, 20]
    rows = _cells(tmp_path / "n.xlsx")
    assert rows[0] == ["编号", "名称"] and rows[-1] == [24, "第24行"] and len(rows) == 26


def test_the_command_line_writes_the_same_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # One backend is enough here: the queries are the ones checked on both above.
    async def build() -> tuple[str, County]:
        url = await shared_factory("sqlite", tmp_path).migrated()
        engine = create_engine(url)
        try:
            return url, await build_county(session_factory(engine))
        finally:
            await engine.dispose()

    db_url, county = asyncio.run(build())
    monkeypatch.chdir(tmp_path)
    # The command configures logging for the process: keep that to this test.
    monkeypatch.setattr(logging.root, "handlers", [])
    monkeypatch.setattr(logging.root, "level", logging.root.level)
    for name in [n for n in os.environ if n.startswith("BANGFU_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BANGFU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BANGFU_DATABASE_URL", db_url)
    out = tmp_path / "覆盖.xlsx"
    code = cli.main(["export", "coverage", "--scope", "白水乡", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert "1 rows" in capsys.readouterr().out
    rows = _cells(out)
    assert rows[1] == [county.households["河邊村"], "河邊戶", "河邊村", "已脱贫", 1, 1, 0, 1]
    assert list(out.parent.glob("coverage-*.xlsx")) == []


@pytest.mark.usefixtures("_forget_test_kind")
async def test_an_export_over_a_sheets_rows_goes_on_in_further_sheets(tmp_path: Path) -> None:
    kind = register(
        ExportKind(
            key="numbers-test", title="一个超过三十一个字符的很长很长很长很长很长很长的工作表标题",
            headers=("编号", "名称"), widths=(8, 12), rows=_numbers,
        )
    )  # fmt: skip
    query = ExportQuery(scope=None, span=NOVEMBER, tz=SHANGHAI)  # type: ignore[arg-type]
    out = tmp_path / "n.xlsx"
    count = await write_xlsx(out, kind, kind.rows(None, query), sheet_rows=10)  # type: ignore[arg-type]
    assert count == 25
    book = load_workbook(out)
    titles = book.sheetnames
    assert len(titles) == 3 and all(len(t) <= 31 for t in titles)
    assert titles[1].endswith(" (2)") and titles[2].endswith(" (3)")
    sheets = [[list(r) for r in book[t].iter_rows(values_only=True)] for t in titles]
    assert [len(s) for s in sheets] == [11, 11, 6]
    assert all(s[0] == ["编号", "名称"] for s in sheets)
    numbers = [row[0] for s in sheets for row in s[1:]]
    assert numbers == list(range(25))


async def test_a_sheet_cannot_be_asked_to_hold_more_than_the_format_allows(tmp_path: Path) -> None:
    async def nothing() -> AsyncIterator[Sequence[Cell]]:
        return
        yield ()

    kind = ExportKind(key="x", title="x", headers=("a",), widths=(8,), rows=lambda u, q: nothing())
    with pytest.raises(ValueError, match="sheet_rows"):
        await write_xlsx(tmp_path / "x.xlsx", kind, nothing(), sheet_rows=1_048_576)
