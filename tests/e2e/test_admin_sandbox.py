"""The admin issue's "done when", in a real `bangfu sandbox`: the demo office sees the
month's summary with its chart, runs and adjusts a monthly appraisal, has the demo leader
confirm an annual one, and downloads an export that opens as a workbook."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from emulator.client import ControlClient
from tests.e2e.test_docs_walkthroughs import served_sandbox  # noqa: F401  (a fixture)
from tests.e2e.test_household_sandbox import _people, _sign_in
from tests.e2e.visitkit import button_data, callback_answer

pytestmark = pytest.mark.e2e

WAIT = 60  # seconds: the sandbox shares a loaded machine


async def test_the_demo_office_and_leader_run_the_programme(
    served_sandbox: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    people = await _people(tmp_path)
    office = next(p for p in people if p.role == "office").telegram_id
    leader_person = next(p for p in people if p.role == "leader")
    leader = leader_person.telegram_id
    async with ControlClient(served_sandbox) as control:
        await _sign_in(control, next(p for p in people if p.role == "office"))
        await _sign_in(control, leader_person)

        # The month's summary, then its chart as a picture.
        await control.send_command(office, "summary")
        summary = await control.wait_for_message(office, "汇总", WAIT)
        assert "农户：100 户" in summary["text"], summary["text"]
        chart = await control.wait_for_message(office, lambda m: "photo" in m, WAIT)
        largest = max(chart["photo"], key=lambda p: p["width"])
        assert Image.open(io.BytesIO(await control.file(largest["file_id"]))).width > 0

        # A monthly appraisal: the office runs it and adjusts one helper with a reason.
        await control.send_command(office, "appraise", "2026-11")
        draft = await control.wait_for_message(office, "2026-11 考核（草稿）", WAIT)
        await control.press_button(office, draft["message_id"], button_data(draft, "apr:adj:"))
        await control.wait_for_message(office, "新总分", WAIT)
        await control.send_text(office, "70")
        await control.wait_for_message(office, "理由", WAIT)
        await control.send_text(office, "电话抽查：台账与走访记录一致")
        adjusted = await control.wait_for_message(office, "已调整", WAIT)
        assert "70.0" in adjusted["text"]

        # The annual appraisal: drafted by the office, confirmed by the leader, then final.
        await control.send_command(office, "appraise", "2026")
        await control.wait_for_message(office, "2026 考核（草稿）", WAIT)
        await control.send_command(leader, "appraise", "2026")
        review = await control.wait_for_message(leader, "2026 考核（草稿）", WAIT)
        query = await control.press_button(
            leader, review["message_id"], button_data(review, "apr:fin:")
        )
        assert "已定稿" in (await callback_answer(control, query))["text"]

        # An export of the households arrives as a workbook with Chinese headers.
        await control.send_command(office, "export", "households")
        sent = await control.wait_for_message(office, lambda m: "document" in m, WAIT)
        book = load_workbook(io.BytesIO(await control.file(sent["document"]["file_id"])))
        sheet = book.active
        assert sheet is not None and sheet.freeze_panes == "A2"
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) == 1 + 100 and "户主" in rows[0]
