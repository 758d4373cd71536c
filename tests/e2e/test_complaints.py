"""Complaints end to end: a stranger reports and follows up; the office handles the case.

The bot runs at DEBUG level here, so that the anonymity test also reads the most talkative
log the product can write.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.vocabulary import ComplaintOutcome, ComplaintStatus, Role
from bot.photos import GeoPoint
from bot.photos.synthetic import camera_jpeg
from emulator.client import ControlClient
from storage.db import SessionFactory
from storage.models import AuditEntry, Complaint, ComplaintAttachment, ComplaintMessage
from tests.conftest import BACKENDS
from tests.e2e.conftest import Stack, running_stack
from tests.e2e.visitkit import button_data, callback_answer
from tests.factories import make_user

REPORTER = 987_654_321_012
USERNAME = "quiet_witness_4711"
FIRST, LAST = "Zephyrine", "Oldcastle-Quist"
PHONE = "+8613987654321"
GPS = GeoPoint(26.612345, 106.654321)
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture(scope="module", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """This module's emulator and bot, the bot logging at DEBUG level."""
    backend = str(request.param)
    workdir = tmp_path_factory.mktemp(f"e2e-complaints-{backend}")
    with running_stack(backend, workdir, {"BANGFU_LOG_LEVEL": "DEBUG"}) as running:
        yield running


def _rational_bytes(value: float) -> list[bytes]:
    """A coordinate as a camera writes it in EXIF: degrees, minutes, seconds as rationals.

    Each fraction in lowest terms, as Pillow stores it, in either byte order.
    """
    total = round(abs(value) * 3600 * 10000)
    degrees, rest = divmod(total, 3600 * 10000)
    minutes, seconds = divmod(rest, 60 * 10000)
    fractions = [Fraction(degrees), Fraction(minutes), Fraction(seconds, 10000)]
    numbers = [n for f in fractions for n in (f.numerator, f.denominator)]
    return [struct.pack("<6I", *numbers), struct.pack(">6I", *numbers)]


def _needles() -> dict[str, list[bytes]]:
    """Everything that would identify or locate the reporter, as it could appear in bytes."""
    texts = {
        "telegram id": [str(REPORTER)],
        "username": [USERNAME],
        "first name": [FIRST],
        "last name": [LAST],
        "phone": [PHONE, PHONE.removeprefix("+86")],
        "latitude": [f"{GPS.latitude:.6f}", f"{GPS.latitude:.4f}"],
        "longitude": [f"{GPS.longitude:.6f}", f"{GPS.longitude:.4f}"],
    }
    needles = {name: [v.encode() for v in values] for name, values in texts.items()}
    needles["latitude (EXIF)"] = _rational_bytes(GPS.latitude)
    needles["longitude (EXIF)"] = _rational_bytes(GPS.longitude)
    return needles


def _leaks(where: str, data: bytes) -> list[str]:
    return [
        f"{name} in {where}"
        for name, forms in _needles().items()
        if any(form in data for form in forms)
    ]


async def _every_cell(session: AsyncSession) -> bytes:
    """Every value of every column of every table, as text (works on both databases)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        tables = (
            await session.scalars(text("SELECT name FROM sqlite_master WHERE type='table'"))
        ).all()
        columns = [
            (table, row[1])
            for table in tables
            for row in (await session.execute(text(f'PRAGMA table_info("{table}")'))).all()
        ]
        cast = "CAST({col} AS TEXT)"
    else:
        columns = [
            (table, column)
            for table, column in (
                await session.execute(
                    text(
                        "SELECT table_name, column_name FROM information_schema.columns "
                        "WHERE table_schema = current_schema()"
                    )
                )
            ).all()
        ]
        cast = "{col}::text"
    chunks: list[str] = []
    for table, column in columns:
        expression = cast.format(col=f'"{column}"')
        values = (await session.scalars(text(f'SELECT {expression} FROM "{table}"'))).all()
        chunks += [f"{table}.{column}={v}" for v in values if v is not None]
    assert any(chunk.startswith("complaints.") for chunk in chunks)
    return "\n".join(chunks).encode()


async def _file_report(
    control: ControlClient, uid: int, *, photo: bytes | None = None, body: str
) -> str:
    """/report from start to the receipt code."""
    await control.send_command(uid, "report")
    categories = await control.wait_for_message(uid, lambda m: "report:cat:" in str(m))
    await control.press_button(uid, categories["message_id"], "report:cat:benefit_not_received")
    await control.wait_for_message(uid, "涉及谁或哪里")
    await control.send_text(uid, "石门村 村委会")
    await control.wait_for_message(uid, "发生了什么")
    await control.send_text(uid, body)
    done = await control.wait_for_message(uid, "最多 5 张")
    if photo is not None:
        # As a file: Telegram would recompress a photo and drop its EXIF on the way, so only
        # a file brings the camera's GPS to the bot, and the bot must remove it.
        await control.send_document(uid, photo, "IMG_20261201_093012.jpg", "image/jpeg")
        done = await control.wait_for_message(uid, "第 1 张图片")
    await control.press_button(uid, done["message_id"], button_data(done, "report:done:"))
    review = await control.wait_for_message(uid, "发送前请核对")
    await control.press_button(uid, review["message_id"], button_data(review, "report:send:"))
    receipt = await control.wait_for_message(uid, "回执码是")
    found = CODE.search(receipt["text"])
    assert found is not None
    return found.group(0)


async def test_a_reporter_leaves_no_trace(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    await control.create_user(
        REPORTER, FIRST, LAST, username=USERNAME, language_code="zh-hans", phone=PHONE
    )
    taken = datetime.now(UTC) - timedelta(hours=2)
    photo = camera_jpeg(4711, (800, 600), gps=GPS, taken_at=taken)
    # The needles do find what the camera wrote, in both forms.
    found = _leaks("photo", photo)
    assert "latitude (EXIF) in photo" in found and "longitude (EXIF) in photo" in found
    code = await _file_report(
        control, REPORTER, photo=photo, body="低保金三个月没有发到户，村干部说已经发了。"
    )
    await control.send_command(REPORTER, "track", code)
    await control.wait_for_message(REPORTER, "已收到，尚未处理")
    await control.send_text(REPORTER, "补充：十月份也没有。")
    await control.wait_for_message(REPORTER, "已补充")

    async with db() as session:
        complaint = await session.scalar(select(Complaint).order_by(Complaint.id.desc()))
        assert complaint is not None and complaint.body.startswith("低保金")
        assert complaint.receipt_hash is not None and code not in complaint.receipt_hash
        stored = await session.scalar(
            select(ComplaintAttachment.relpath).where(
                ComplaintAttachment.complaint_id == complaint.id
            )
        )
        cells = await _every_cell(session)
    assert stored is not None
    picture = (stack.data_dir / stored).read_bytes()
    with Image.open(stack.data_dir / stored) as im:
        assert not im.getexif() and "icc_profile" not in im.info and "xmp" not in im.info

    leaks = _leaks("the database", cells)
    assert code.encode() not in cells  # the receipt code itself is never stored
    files = [p for p in stack.workdir.rglob("*") if p.is_file()]
    assert stack.workdir / "bot.log" in files and picture
    log = (stack.workdir / "bot.log").read_bytes()
    assert b"DEBUG" in log  # the bot really logged at debug level
    for path in files:
        leaks += _leaks(str(path.relative_to(stack.workdir)), path.read_bytes())
    assert not leaks, leaks


async def _office(
    stack: Stack, control: ControlClient, db: SessionFactory, role: Role
) -> tuple[int, int]:
    uid = stack.new_user_id()
    name = f"办事员{uid % 1000}"
    async with db() as session, session.begin():
        user = await make_user(
            session, name, phone=stack.phone_for(uid), role=role, telegram_id=uid
        )
    await control.create_user(uid, name, language_code="zh-hans")
    return uid, user.id


def _buttons(message: dict[str, Any]) -> str:
    return str(message.get("reply_markup"))


async def test_the_office_investigates_and_answers(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    stranger = stack.new_user_id()
    await control.create_user(stranger, "路人", language_code="zh-hans")
    code = await _file_report(control, stranger, body="帮扶干部从来没有来过我们家，却登记了走访。")
    async with db() as session:
        cid = await session.scalar(select(Complaint.id).order_by(Complaint.id.desc()))
    assert cid is not None

    helper_uid, helper_id = await _office(stack, control, db, Role.HELPER)
    await control.send_command(helper_uid, "complaints")
    await control.wait_for_message(helper_uid, "只有办公室工作人员")

    officer, _ = await _office(stack, control, db, Role.OFFICE)
    investigator, _ = await _office(stack, control, db, Role.MEMBER)
    await control.send_command(investigator, "complaints")
    await control.wait_for_message(investigator, "这里没有举报")  # nothing assigned yet

    await control.send_command(officer, "complaints", "new")
    listing = await control.wait_for_message(officer, f"#{cid} ")
    await control.press_button(officer, listing["message_id"], f"cmp:open:{cid}")
    card = await control.wait_for_message(officer, lambda m: f"cmp:assign:{cid}" in _buttons(m))

    async def act(action: str, words: str, done: str) -> dict[str, Any]:
        nonlocal card
        await control.press_button(officer, card["message_id"], f"cmp:{action}:{cid}")
        await control.wait_for_message(officer, "/cancel")
        await control.send_text(officer, words)
        await control.wait_for_message(officer, done)
        card = await control.wait_for_message(officer, lambda m: f"cmp:note:{cid}" in _buttons(m))
        return card

    investigator_name = f"办事员{investigator % 1000}"
    await act("assign", investigator_name, "调查")
    await act("note", "先电话核实帮扶记录", "备注")
    await act("ask", "请问大概是哪几个月？", "问题已发出")
    await act("subject", f"办事员{helper_uid % 1000}", "涉及帮扶干部")

    # The assigned investigator now sees it; the reporter sees the question, not the note.
    await control.send_command(investigator, "complaints")
    await control.wait_for_message(investigator, f"#{cid} ")
    await control.send_command(stranger, "track", code)
    shown = await control.wait_for_message(stranger, "办公室提问")
    assert "请问大概是哪几个月" in shown["text"] and "电话核实" not in shown["text"]
    await control.send_text(stranger, "九月到十一月。")
    await control.wait_for_message(stranger, "已补充")

    pressed = await control.press_button(officer, card["message_id"], f"cmp:resolve:{cid}")
    await callback_answer(control, pressed)
    await control.press_button(
        officer, card["message_id"], f"cmp:out:{cid}:substantiated", force=True
    )
    await control.wait_for_message(officer, "问责")
    await control.send_text(officer, "对该帮扶干部诫勉谈话，补录走访。")
    await control.wait_for_message(officer, "已办结")

    await control.send_command(stranger, "track", code)
    closed = await control.wait_for_message(stranger, "属实")
    assert "诫勉谈话" in closed["text"] and "九月到十一月" in closed["text"]

    async with db() as session:
        complaint = await session.get(Complaint, cid)
        actions = set(
            await session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == cid))
        )
        kinds = list(
            await session.scalars(
                select(ComplaintMessage.kind).where(ComplaintMessage.complaint_id == cid)
            )
        )
    assert complaint is not None and complaint.status == ComplaintStatus.RESOLVED
    assert complaint.outcome == ComplaintOutcome.SUBSTANTIATED
    assert complaint.subject_helper_id == helper_id
    assert {
        "complaint.assign",
        "complaint.note",
        "complaint.question",
        "complaint.subject",
        "complaint.resolve",
    } <= actions
    assert sorted(kinds) == ["addition", "question"]


async def test_bad_input_gets_clear_replies(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    uid = stack.new_user_id()
    await control.create_user(uid, "路人乙", language_code="zh-hans")
    await control.send_command(uid, "track", "ABCD-EFGH-JKMN-PQRS")
    await control.wait_for_message(uid, "没有与此回执码对应的举报")
    async with db() as session:
        before = await session.scalar(select(func.count(Complaint.id)))
    await control.send_command(uid, "start", "report")  # the deep link the bureau publishes
    categories = await control.wait_for_message(uid, lambda m: "report:cat:" in str(m))
    await control.send_command(uid, "visit")
    await control.wait_for_message(uid, "您正在写举报")
    await control.press_button(uid, categories["message_id"], "report:cat:other")
    await control.wait_for_message(uid, "涉及谁或哪里")
    await control.send_text(uid, "x" * 301)
    await control.wait_for_message(uid, "1 到 300 个字")
    await control.send_text(uid, "乡政府")
    await control.wait_for_message(uid, "发生了什么")
    await control.send_text(uid, "低保评定不公开。")
    await control.wait_for_message(uid, "最多 5 张")
    await control.send_document(uid, b"%PDF-1.7\n%fake", "scan.pdf", "application/pdf")
    await control.wait_for_message(uid, "PDF")
    await control.send_command(uid, "cancel")
    await control.wait_for_message(uid, "未保存任何内容")
    async with db() as session:
        assert await session.scalar(select(func.count(Complaint.id))) == before
