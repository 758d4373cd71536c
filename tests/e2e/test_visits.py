"""Logging visits end to end: the real bot process, the emulator, both databases."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta

import pillow_heif
from PIL import Image
from sqlalchemy import select

from bot.domain.vocabulary import LocationSource
from bot.photos.synthetic import make_scene
from emulator.client import ControlClient
from storage.db import SessionFactory
from storage.models import Photo, VisitFlag
from tests.e2e.conftest import Stack
from tests.e2e.visitkit import (
    HOME,
    bound_helper,
    button_data,
    camera_photo,
    confirm_summary,
    log_visit,
    start_for_household,
    visits_of,
)


async def _flags(db: SessionFactory, visit_id: int) -> set[str]:
    async with db() as session:
        return set(
            await session.scalars(select(VisitFlag.kind).where(VisitFlag.visit_id == visit_id))
        )


async def test_compressed_photo_with_shared_location(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db)
    reply = await log_visit(control, helper, photos=[camera_photo(1)])
    assert "走访已保存" in reply["text"]
    assert "本月 1/2 次" in reply["text"]
    [visit] = await visits_of(db, helper)
    assert visit.location_source == LocationSource.SHARED
    assert visit.accuracy_m == 12.0 and not visit.late
    assert await _flags(db, visit.id) == set()
    async with db() as session:
        photo = await session.scalar(select(Photo).where(Photo.visit_id == visit.id))
    assert photo is not None and not photo.as_document
    assert photo.gps_lat is None  # Telegram stripped the EXIF of the compressed photo
    assert (stack.data_dir / photo.file_path).exists()
    assert (stack.data_dir / photo.thumb_path).exists()


async def test_document_photo_carries_gps_and_location_can_be_skipped(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db)
    near_home = (HOME[0] + 0.0005, HOME[1])
    await log_visit(
        control, helper, location=None, photos=[camera_photo(2, gps=near_home)], as_documents=True
    )
    [visit] = await visits_of(db, helper)
    assert visit.location_source == LocationSource.PHOTO_GPS
    assert visit.latitude is not None and abs(visit.latitude - near_home[0]) < 1e-6
    assert await _flags(db, visit.id) == set()


async def test_heic_from_an_iphone(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db)
    heif = pillow_heif.from_pillow(make_scene(3, (640, 480)))
    out = io.BytesIO()
    heif.save(out, quality=80)
    await start_for_household(control, helper)
    await control.send_location(helper.uid, *HOME, horizontal_accuracy=8)
    await control.wait_for_message(helper.uid, "已收到位置")
    await control.send_document(helper.uid, out.getvalue(), "IMG_0001.HEIC", "image/heic")
    await control.wait_for_message(helper.uid, "第 1 张照片")
    summary = await confirm_summary(control, helper, "苹果手机拍的照片")
    await control.press_button(
        helper.uid, summary["message_id"], button_data(summary, "visit:ok:")
    )
    await control.wait_for_message(helper.uid, "走访已保存")
    async with db() as session:
        fmt = await session.scalar(
            select(Photo.format)
            .join_from(Photo, Photo.visit)
            .where(Photo.visit_id.in_([v.id for v in await visits_of(db, helper)]))
        )
    assert fmt == "HEIF"


async def test_late_visit_is_marked_and_too_late_is_refused(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db)
    yesterday = int(time.time()) - 26 * 3600
    reply = await log_visit(
        control,
        helper,
        location_date=yesterday,
        photos=[camera_photo(4, taken_at=datetime.now(UTC) - timedelta(hours=26, minutes=5))],
    )
    assert "补录" in reply["text"]
    [visit] = await visits_of(db, helper)
    assert visit.late
    assert abs(visit.visited_at.timestamp() - yesterday) < 2
    await start_for_household(control, helper)
    await control.send_location(helper.uid, *HOME, date=int(time.time()) - 5 * 86400)
    await control.wait_for_message(helper.uid, "已收到位置")
    await control.send_photo(helper.uid, camera_photo(5))
    await control.wait_for_message(helper.uid, "第 1 张照片")
    summary = await confirm_summary(control, helper, "五天前的走访")
    await control.press_button(
        helper.uid, summary["message_id"], button_data(summary, "visit:ok:")
    )
    await control.wait_for_message(helper.uid, "不能再在这里补录")
    assert len(await visits_of(db, helper)) == 1


async def test_double_pressed_confirm_stores_one_visit(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db)
    await start_for_household(control, helper)
    await control.send_location(helper.uid, *HOME, horizontal_accuracy=10)
    await control.wait_for_message(helper.uid, "已收到位置")
    await control.send_photo(helper.uid, camera_photo(6))
    await control.wait_for_message(helper.uid, "第 1 张照片")
    summary = await confirm_summary(control, helper, "重复点击测试")
    data = button_data(summary, "visit:ok:")
    await control.press_button(helper.uid, summary["message_id"], data)
    await control.press_button(helper.uid, summary["message_id"], data, force=True)
    await control.wait_for_message(helper.uid, "已经保存过了")
    assert len(await visits_of(db, helper)) == 1
    # A crash and a late redelivery of the same press still find the stored visit.
    stack.restart_bot(kill=True)
    await control.press_button(helper.uid, summary["message_id"], data, force=True)
    again = await control.wait_for_message(helper.uid, "已经保存过了")
    assert "1/2" in again["text"]
    assert len(await visits_of(db, helper)) == 1


async def test_duplicate_photo_is_flagged_across_helpers(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    first = await bound_helper(stack, control, db, "甲")
    second = await bound_helper(stack, control, db, "乙")
    photo = camera_photo(7)
    await log_visit(control, first, photos=[photo], as_documents=True)
    resized = io.BytesIO()
    Image.open(io.BytesIO(photo)).resize((600, 450)).save(resized, "JPEG", quality=70)
    reply = await log_visit(control, second, photos=[resized.getvalue()])
    assert "已提示办公室" in reply["text"]
    [visit] = await visits_of(db, second)
    assert await _flags(db, visit.id) & {"duplicate_photo", "near_duplicate_photo"}
    [original] = await visits_of(db, first)
    assert await _flags(db, original.id) == set()


async def test_bad_files_get_clear_replies_and_the_visit_goes_on(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db)
    await start_for_household(control, helper)
    await control.send_location(helper.uid, *HOME, horizontal_accuracy=10)
    await control.wait_for_message(helper.uid, "已收到位置")
    huge = io.BytesIO()
    Image.new("1", (40000, 40000)).save(huge, "PNG")
    good = camera_photo(8)
    bad_files = [
        (
            b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
            "report.pdf",
            "application/pdf",
            "不是可用的照片",
        ),
        (good[: len(good) // 2], "broken.jpg", "image/jpeg", "无法读取"),
        (b"", "empty.jpg", "image/jpeg", "文件是空的"),
        (huge.getvalue(), "huge.png", "image/png", "尺寸过大"),
    ]
    for data, name, mime, answer in bad_files:
        await control.send_document(helper.uid, data, name, mime)
        await control.wait_for_message(helper.uid, answer)
    await control.send_photo(helper.uid, good)
    await control.wait_for_message(helper.uid, "第 1 张照片")
    summary = await confirm_summary(control, helper, "坏文件之后")
    await control.press_button(
        helper.uid, summary["message_id"], button_data(summary, "visit:ok:")
    )
    await control.wait_for_message(helper.uid, "走访已保存")
    assert len(await visits_of(db, helper)) == 1
    assert "Traceback" not in stack.bot.log()


async def test_cancel_stores_nothing(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db)
    await start_for_household(control, helper)
    await control.send_location(helper.uid, *HOME)
    await control.wait_for_message(helper.uid, "已收到位置")
    await control.send_command(helper.uid, "cancel")
    await control.wait_for_message(helper.uid, "已取消")
    assert await visits_of(db, helper) == []


async def test_deep_link_and_my_month(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db)
    await control.send_command(helper.uid, "start", f"visit_{helper.household_id}")
    await control.wait_for_message(helper.uid, f"走访 {helper.household_name}")
    await control.send_command(helper.uid, "cancel")
    await control.wait_for_message(helper.uid, "已取消")
    await control.send_command(helper.uid, "myvisits")
    month = await control.wait_for_message(helper.uid, "应走访 2 次")
    assert button_data(month, "visit:go:") == f"visit:go:{helper.household_id}"


async def test_live_location_updates_do_not_disturb_the_visit(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db)
    await start_for_household(control, helper)
    shared = await control.send_location(
        helper.uid, *HOME, horizontal_accuracy=20, live_period=900
    )
    await control.wait_for_message(helper.uid, "已收到位置")
    for step in range(3):  # the phone moves a little; Telegram sends edited_message updates
        await control.update_live_location(
            helper.uid, shared["message_id"], HOME[0] + 0.0001 * step, HOME[1]
        )
    await control.send_photo(helper.uid, camera_photo(41))
    await control.wait_for_message(helper.uid, "第 1 张照片")
    summary = await confirm_summary(control, helper, "实时位置")
    await control.press_button(
        helper.uid, summary["message_id"], button_data(summary, "visit:ok:")
    )
    await control.wait_for_message(helper.uid, "走访已保存")
    texts = [m.get("text", "") for m in await control.messages(helper.uid)]
    assert sum("已收到位置" in text for text in texts) == 1
    assert not any("没有看懂" in text or "请分享位置或发送照片" in text for text in texts)
    [visit] = await visits_of(db, helper)
    assert visit.location_live and visit.accuracy_m == 20
