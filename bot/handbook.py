"""The household handbook (帮扶手册): one household's full record as an .xlsx workbook."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import tzinfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.households import GUARANTEE_LABELS, kind_label
from bot.domain.vocabulary import BenefitStatus
from bot.i18n import translator
from bot.services.households import HandbookRecord

Cell = str | int | float | None

_STATUS = {
    "applied": "申请中",
    "poor": "贫困户",
    "exit_pending": "退出公示中",
    "exited": "已脱贫",
    "relapse_risk": "已脱贫（监测中）",
}
_BENEFIT = {
    BenefitStatus.NOT_ASSESSED: "未评估",
    BenefitStatus.ELIGIBLE: "符合条件未享受",
    BenefitStatus.APPLIED: "符合条件未享受",
    BenefitStatus.ENROLLED: "已享受",
    BenefitStatus.NOT_ELIGIBLE: "不符合条件",
}


def handbook_name(record: HandbookRecord) -> str:
    """The file name: 帮扶手册_<head>_<id>.xlsx."""
    return f"帮扶手册_{record.card.head_name}_{record.card.household_id}.xlsx"


def _sheet(
    book: Workbook, title: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]]
) -> Worksheet:
    sheet: Worksheet = book.create_sheet(title)
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        values = [header, *(str(r[index - 1] or "") for r in rows)]
        # CJK characters are about twice as wide as Latin ones in a spreadsheet column.
        width = max(sum(2 if ord(c) > 0x2E80 else 1 for c in v) for v in values)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return sheet


def handbook_bytes(record: HandbookRecord, tz: tzinfo) -> bytes:
    """The workbook, one sheet per part of the record, Chinese headers, frozen header rows."""
    zh = translator("zh-CN")
    card = record.card
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    latest = card.incomes[-1].per_capita if card.incomes else None
    _sheet(
        book,
        "基本信息",
        ["项目", "内容"],
        [
            ["户编号", card.household_id],
            ["户主", card.head_name],
            ["家庭人口", card.members],
            ["所在村", card.village],
            ["致贫原因", "、".join(card.causes)],
            ["户状态", _STATUS.get(card.status, str(card.status))],
            ["帮扶责任人", "、".join(card.helpers)],
            ["最新人均纯收入（元）", latest],
            ["收入标准线（元）", card.income_line],
            ["是否达到退出标准", "是" if card.readiness.ready else "否"],
            ["政策覆盖（已享受/应享受）", f"{card.coverage.enrolled}/{card.coverage.eligible}"],
        ],
    )
    _sheet(
        book,
        "人均收入",
        ["记录日期", "人均纯收入（元）", "收入来源"],
        [[r.recorded_on.isoformat(), r.per_capita, r.source] for r in card.incomes],
    )
    _sheet(
        book,
        "两不愁三保障",
        ["记录日期", "项目", "是否达标", "备注"],
        [
            [
                s.recorded_on.isoformat(),
                zh(GUARANTEE_LABELS[s.item]),
                "是" if s.met else "否",
                s.note or "",
            ]
            for s in card.guarantee_history
        ],
    )
    _sheet(
        book,
        "政策享受",
        ["政策", "状态", "享受起始日期", "说明"],
        [
            [
                zh(kind_label(b.policy)),
                _BENEFIT[b.status],
                b.since.isoformat() if b.since else "",
                b.note or "",
            ]
            for b in card.benefits
        ],
    )
    _sheet(
        book,
        "帮扶计划",
        ["制定时间", "帮扶目标", "帮扶措施"],
        [
            [p.written_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), p.goals, p.measures]
            for p in card.plans
        ],
    )
    _sheet(
        book,
        "帮扶措施记录",
        ["日期", "类型", "内容", "金额（元）", "照片"],
        [
            [
                a.given_on.isoformat(),
                zh(kind_label(a.kind or "other")),
                a.description,
                float(a.amount) if a.amount is not None else None,
                a.photo_path or "",
            ]
            for a in card.assistance
        ],
    )
    _sheet(
        book,
        "走访记录",
        ["走访时间", "帮扶责任人", "待核实问题数"],
        [
            [v.visited_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), v.helper, len(v.flags)]
            for v in card.visits
        ],
    )
    _sheet(
        book,
        "变更记录",
        ["时间", "操作人", "记录", "原值", "新值"],
        [
            [
                h.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                h.who,
                h.record,
                h.before or "",
                h.after or "",
            ]
            for h in record.history
        ],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
