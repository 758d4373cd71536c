"""The built-in export kinds: visits, households, benefit coverage."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from bot.domain.vocabulary import HouseholdStatus, LocationSource
from bot.exports.registry import Cell, ExportKind, ExportQuery, register
from storage.uow import UnitOfWork

STATUS_NAMES = {
    HouseholdStatus.APPLIED: "申请中",
    HouseholdStatus.POOR: "贫困户",
    HouseholdStatus.EXIT_PENDING: "退出公示中",
    HouseholdStatus.EXITED: "已脱贫",
    HouseholdStatus.RELAPSE_RISK: "已脱贫（监测中）",
}
LOCATION_NAMES = {
    LocationSource.SHARED: "手机定位",
    LocationSource.PHOTO_GPS: "照片定位",
    LocationSource.NONE: "无",
}


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _local(moment: datetime, query: ExportQuery) -> str:
    return moment.astimezone(query.tz).strftime("%Y-%m-%d %H:%M")


async def _visits(uow: UnitOfWork, query: ExportQuery) -> AsyncIterator[Sequence[Cell]]:
    span = query.span
    async for row in uow.oversight.stream_visits(query.scope, span.first, span.last):
        vid, day, at, helper, hid, head, village, source, late, flags, note = row
        yield (
            vid,
            day,
            _local(at, query),
            helper,
            hid,
            head,
            village,
            LOCATION_NAMES.get(source, str(source)),
            _yes(bool(late)),
            int(flags or 0),
            note or "",
        )


async def _households(uow: UnitOfWork, query: ExportQuery) -> AsyncIterator[Sequence[Cell]]:
    span = query.span
    async for row in uow.oversight.stream_households(query.scope, span.first, span.last):
        hid, head, members, village, status, causes, income, helper, days = row
        yield (
            hid,
            head,
            members,
            village,
            STATUS_NAMES.get(status, str(status)),
            "、".join(causes or ()),
            income,
            helper or "",
            int(days),
        )


async def _coverage(uow: UnitOfWork, query: ExportQuery) -> AsyncIterator[Sequence[Cell]]:
    async for hid, head, village, status, enrolled, eligible in uow.oversight.stream_coverage(
        query.scope
    ):
        ratio = round(int(enrolled) / int(eligible), 4) if eligible else None
        yield (
            hid,
            head,
            village,
            STATUS_NAMES.get(status, str(status)),
            int(eligible),
            int(enrolled),
            int(eligible) - int(enrolled),
            ratio,
        )


VISITS = register(
    ExportKind(
        key="visits",
        title="走访记录",
        headers=(
            "走访编号",
            "走访日期",
            "走访时间",
            "帮扶人",
            "农户编号",
            "户主",
            "村",
            "定位来源",
            "补录",
            "待核查标记",
            "走访记录",
        ),
        widths=(10, 12, 18, 12, 10, 12, 14, 12, 8, 12, 50),
        rows=_visits,
    )
)
HOUSEHOLDS = register(
    ExportKind(
        key="households",
        title="贫困户",
        headers=(
            "农户编号",
            "户主",
            "人口",
            "村",
            "状态",
            "致贫原因",
            "人均纯收入（元）",
            "帮扶人",
            "期间走访天数",
        ),
        widths=(10, 12, 8, 14, 16, 24, 18, 12, 14),
        rows=_households,
    )
)
COVERAGE = register(
    ExportKind(
        key="coverage",
        title="政策覆盖",
        headers=(
            "农户编号",
            "户主",
            "村",
            "状态",
            "应享政策数",
            "已享政策数",
            "未享政策数",
            "覆盖率",
        ),
        widths=(10, 12, 14, 16, 12, 12, 12, 10),
        rows=_coverage,
        uses_period=False,
    )
)
