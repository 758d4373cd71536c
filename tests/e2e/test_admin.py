"""The office's /summary (text, chart, drill-down) and /export in the real bot."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.domain.vocabulary import Role
from emulator.client import ControlClient
from storage.db import SessionFactory
from storage.models import Visit
from tests.e2e.conftest import Stack, running_stack
from tests.e2e.visitkit import Helper, bound_helper, button_data, callback_answer
from tests.factories import make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One backend only: the queries behind these commands run on both in tests/admin."""
    with running_stack("sqlite", tmp_path_factory.mktemp("e2e-admin")) as running:
        yield running


async def _seed(stack: Stack, control: ControlClient, db: SessionFactory) -> tuple[Helper, int]:
    helper = await bound_helper(stack, control, db, "張幫扶")
    now = datetime.now(SHANGHAI)
    uid = stack.new_user_id()
    async with db() as session, session.begin():
        session.add(
            Visit(
                household_id=helper.household_id,
                helper_id=helper.user_id,
                visited_at=now.astimezone(UTC),
                period=now.year * 100 + now.month,
                local_day=now.date(),
                idempotency_key=f"e2e-admin:{uid}",
                note="入户核实收入",
            )
        )
        await make_user(
            session, "督查員", phone=stack.phone_for(uid), role=Role.OFFICE, telegram_id=uid
        )
    await control.create_user(uid, "督查員", language_code="zh-hans")
    return helper, uid


async def test_summary_with_its_chart_and_the_drill_down(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper, office = await _seed(stack, control, db)
    await control.send_command(office, "summary")
    text = await control.wait_for_message(office, "汇总", timeout=60)
    assert "农户：1 户" in text["text"] and "走访达标" in text["text"]
    chart = await control.wait_for_message(office, lambda m: "photo" in m, timeout=60)
    largest = max(chart["photo"], key=lambda p: p["width"])
    image = Image.open(io.BytesIO(await control.file(largest["file_id"])))
    assert image.width == 640  # the chart's 6.4 in at 100 dpi (Telegram re-encodes photos)
    drill = await control.wait_for_message(office, "逐级查看", timeout=60)
    await control.press_button(office, drill["message_id"], button_data(drill, "ov:a:"))
    village = await control.wait_for_message(
        office, lambda m: m["message_id"] == drill["message_id"] and "📍" in m.get("text", "")
    )
    await control.press_button(office, drill["message_id"], button_data(village, "ov:h:"))
    await control.wait_for_message(
        office,
        lambda m: (
            m["message_id"] == drill["message_id"]
            and helper.household_name in m.get("text", "")
            and "张帮扶" not in m.get("text", "x")
        ),
    )
    period = datetime.now(SHANGHAI).strftime("%Y%m")
    forged = await control.press_button(
        office, drill["message_id"], f"ov:h:{period}:999999", force=True
    )
    answer = await callback_answer(control, forged)
    assert answer["text"] == "在您的辖区内未找到。" and answer["show_alert"]


async def test_export_sends_a_workbook_and_edits_its_progress(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper, office = await _seed(stack, control, db)
    await control.send_command(office, "export", "visits")
    sent = await control.wait_for_message(office, lambda m: "document" in m, timeout=60)
    # The multipart upload percent-encodes a non-ASCII file name on its way out.
    assert unquote(sent["document"]["file_name"]).startswith("走访记录_")
    book = load_workbook(io.BytesIO(await control.file(sent["document"]["file_id"])))
    sheet = book.active
    assert sheet is not None and sheet.freeze_panes == "A2"
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:4] == ["走访编号", "走访日期", "走访时间", "帮扶人"]
    mine = [r for r in rows[1:] if r[4] == helper.household_id]
    assert [(r[3], r[5], r[10]) for r in mine] == [
        ("張幫扶", helper.household_name, "入户核实收入")
    ]
    progress = await control.wait_for_message(office, "导出完成")
    assert progress["text"].startswith("导出完成：共 ") and progress.get("history")
