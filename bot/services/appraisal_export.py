"""The appraisal export: headers and rows of a period, streamed page by page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from bot.domain.appraisal import GRADE_NAMES
from bot.domain.errors import NotAllowed
from bot.domain.people import Actor, Scope
from bot.exports.registry import ExportKind, register
from bot.i18n import translator
from bot.services.appraisal import REVIEWERS, line_of, period_from
from storage.uow import UnitOfWork

# The bureau files its spreadsheets in Chinese whatever language the admin chats in.
HEADERS = (
    "帮扶责任人",
    "考核期间",
    "工作开展",
    "帮扶成效",
    "政策落实",
    "群众满意度",
    "计算得分",
    "最终得分",
    "等级",
    "状态",
    "调整理由",
)
PAGE = 500
Cell = str | float | None


async def _rows(uow: UnitOfWork, label: str, scope: Scope) -> AsyncIterator[Sequence[Cell]]:
    """The period's appraisals in a scope, page by page, inside the caller's unit of work."""
    t = translator("zh-CN")
    offset = 0
    while True:
        page, _ = await uow.appraisal.appraisals(label, scope, offset=offset, limit=PAGE)
        for row, name in page:
            line = line_of(row, name)
            yield (
                line.helper_name,
                line.period,
                line.parts.get("work"),
                line.parts.get("results"),
                line.parts.get("policy"),
                line.parts.get("satisfaction"),
                line.computed,
                line.total,
                t(GRADE_NAMES[line.grade]) if line.grade is not None else None,
                "定稿" if line.status == "final" else "草稿",
                line.adjust_reason,
            )
        if len(page) < PAGE:
            return
        offset += PAGE


async def appraisal_rows(
    uow: UnitOfWork, actor: Actor, period: str
) -> tuple[Sequence[str], AsyncIterator[Sequence[Cell]]]:
    """The period's appraisals in the actor's scope as spreadsheet rows (office, leaders)."""
    if actor.role not in REVIEWERS:
        raise NotAllowed()
    label = period_from(period).label

    async def rows() -> AsyncIterator[Sequence[Cell]]:
        async with uow:
            async for row in _rows(uow, label, actor.scope):
                yield row

    return HEADERS, rows()


# `/export appraisal 2026Q4` and `bangfu export appraisal --period 2026Q4`.
APPRAISAL = register(
    ExportKind(
        key="appraisal",
        title="帮扶责任人考核",
        headers=HEADERS,
        widths=(14, 10, 10, 10, 10, 12, 10, 10, 10, 8, 30),
        rows=lambda uow, query: _rows(uow, query.span.label, query.scope),
        roles=REVIEWERS,
    )
)
