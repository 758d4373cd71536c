"""The summary reads on a phone: split between messages at line ends, never cut."""

from __future__ import annotations

from datetime import date, datetime

from bot.domain.appraisal import GRADE_NAMES, AppraisalLine, CheckRow, Rectification
from bot.domain.households import Coverage
from bot.domain.oversight import Compliance, ListedName, Summary
from bot.domain.spotcheck import METHOD_NAMES
from bot.domain.vocabulary import AppraisalStatus, CheckMethod, Grade
from bot.i18n import translator
from bot.services.oversight_summary import HelperOversight
from handlers.oversight_views import drill_data, oversight_lines, parse_drill, summary_text
from handlers.pager import TELEGRAM_LIMIT, paginate


def _summary(names: int) -> Summary:
    long = "歐陽" * 60  # a name long enough that a few dozen lines pass Telegram's limit
    listed = tuple(ListedName(i, f"{long}{i}", "大寨村") for i in range(names))
    return Summary(
        period=202611,
        area="青山鎮",
        households=names,
        compliance=Compliance(3, 4),
        helpers_on_track=1,
        helpers_behind=tuple((f"{long}{i}", 2) for i in range(names)),
        coverage=Coverage(2, 3),
        exit_ready=listed,
        at_risk=listed,
        open_flags=1,
        open_complaints=0,
    )


def test_a_long_summary_is_split_at_line_ends() -> None:
    t = translator("zh-CN")
    text = summary_text(t, _summary(40))
    pages = paginate(text)
    assert len(pages) > 1
    assert all(len(p.encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT for p in pages)
    # Every line arrives whole, in order.
    assert [line for p in pages for line in p.split("\n") if line] == [
        line for line in text.split("\n") if line
    ]
    assert "… 另有 10 项" in text and "走访达标：4 户结对农户中 3 户达标（75%）" in text


def test_drill_data_round_trips_and_fits_telegram() -> None:
    data = drill_data("h", 202611, 123_456_789)
    assert len(data.encode()) <= 64 and parse_drill(data) == ("h", 202611, 123_456_789)
    for forged in ("ov:h:202611", "ov:h:x:1", "ov:q:202611:1", "xx:h:202611:1", "ov:h:1:1"):
        assert parse_drill(forged) is None


def test_the_helper_card_says_checks_appraisal_and_rectification() -> None:
    t = translator("zh-CN")
    empty = HelperOversight(checks=(), appraisal=None)
    assert oversight_lines(t, empty) == ["", t("No spot checks or appraisals yet.")]
    check = CheckRow(1, "phone", "李家", 4, "情況屬實", datetime(2026, 11, 3, 9, 0))
    line = AppraisalLine(
        id=7,
        helper_id=3,
        helper_name="王芳",
        period="2026Q3",
        status=AppraisalStatus.FINAL,
        parts={"work": 50.0, "results": 70.0, "policy": 80.0, "satisfaction": None},
        computed=58.0,
        total=58.0,
        grade=Grade.INCOMPETENT,
    )
    failed = Rectification(2, 3, "王芳", date(2026, 11, 30), "failed")
    text = "\n".join(oversight_lines(t, HelperOversight((check,), line, failed)))
    assert "2026-11-03" in text and t(METHOD_NAMES[CheckMethod.PHONE]) in text
    assert "4/5" in text and "情況屬實" in text
    assert "2026Q3" in text and "58.0" in text and t(GRADE_NAMES[Grade.INCOMPETENT]) in text
    assert t("⚠ Rectification failed (due {day}): to be replaced").format(day="2026-11-30") in text
