"""Driving the visit conversation from a simulated helper's phone."""

from __future__ import annotations

import asyncio
import io
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image
from sqlalchemy import select

from bot.photos import GeoPoint
from bot.photos.synthetic import camera_jpeg
from emulator.client import ControlClient
from storage.db import SessionFactory
from storage.models import Visit
from tests.e2e.conftest import Stack
from tests.factories import make_household, make_user, make_village

HOME = (26.5800, 106.7100)


@dataclass
class Helper:
    """A bound helper with one paired household."""

    uid: int
    user_id: int
    household_id: int
    household_name: str


async def bound_helper(
    stack: Stack,
    control: ControlClient,
    db: SessionFactory,
    name: str = "王芳",
    *,
    home: tuple[float, float] | None = HOME,
    language: str = "zh-hans",
) -> Helper:
    """Create a helper bound to a fresh Telegram user, with one paired household."""
    uid = stack.new_user_id()
    async with db() as session, session.begin():
        village = await make_village(session, f"村{uid}")
        helper = await make_user(session, name, phone=stack.phone_for(uid), telegram_id=uid)
        household = await make_household(
            session, village, f"戶{uid % 1000}", helper=helper, home=home
        )
    await control.create_user(uid, name, language_code=language, phone=stack.phone_for(uid))
    return Helper(uid, helper.id, household.id, household.head_name)


def camera_photo(
    seed: int, *, gps: tuple[float, float] | None = HOME, taken_at: datetime | None = None
) -> bytes:
    """A camera-like JPEG with EXIF GPS and capture time (10 minutes ago by default)."""
    return camera_jpeg(
        seed,
        (800, 600),
        gps=GeoPoint(*gps) if gps else None,
        taken_at=taken_at or datetime.now(UTC) - timedelta(minutes=10),
    )


def png_photo(seed: int) -> bytes:
    """A small PNG picture without EXIF."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (seed % 255, 80, 120)).save(out, "PNG")
    return out.getvalue()


async def start_for_household(control: ControlClient, helper: Helper) -> None:
    """/visit and pick the helper's household."""
    await control.send_command(helper.uid, "visit")
    chooser = await control.wait_for_message(helper.uid, "哪一户")
    await control.press_button(
        helper.uid, chooser["message_id"], f"visit:hh:{helper.household_id}"
    )
    await control.wait_for_message(helper.uid, "分享您的位置")


async def up_to_the_note(control: ControlClient, helper: Helper, seed: int) -> None:
    """/visit, the household, a shared location and one photo: the note is awaited."""
    await start_for_household(control, helper)
    await control.send_location(helper.uid, *HOME, horizontal_accuracy=10)
    await control.wait_for_message(helper.uid, "已收到位置")
    await control.send_photo(helper.uid, camera_photo(seed))
    await control.wait_for_message(helper.uid, "第 1 张照片")


async def confirm_summary(control: ControlClient, helper: Helper, note: str) -> dict[str, Any]:
    """Write the note and return the summary message with the Save button."""
    await control.send_text(helper.uid, note)
    return await control.wait_for_message(helper.uid, "保存这次走访")


def button_data(message: dict[str, Any], prefix: str) -> str:
    """The callback data of the first inline button whose data starts with `prefix`."""
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if button.get("callback_data", "").startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no {prefix} button in {message}")


async def save(control: ControlClient, helper: Helper, summary: dict[str, Any]) -> dict[str, Any]:
    """Press Save and return the bot's progress reply."""
    await control.press_button(
        helper.uid, summary["message_id"], button_data(summary, "visit:ok:")
    )
    return await control.wait_for_message(helper.uid, "本月")


async def log_visit(
    control: ControlClient,
    helper: Helper,
    *,
    location: tuple[float, float] | None = HOME,
    accuracy: float = 12.0,
    photos: list[bytes] | None = None,
    as_documents: bool = False,
    note: str = "家中一切正常，讲解了产业补贴政策。",
    location_date: int | None = None,
) -> dict[str, Any]:
    """One whole visit from /visit to the progress reply."""
    await start_for_household(control, helper)
    if location is not None:
        await control.send_location(
            helper.uid, *location, horizontal_accuracy=accuracy, date=location_date
        )
        await control.wait_for_message(helper.uid, "已收到位置")
    else:
        await control.press_keyboard(helper.uid, "跳过：照片带有定位")
        await control.wait_for_message(helper.uid, "以文件形式")
    for i, data in enumerate(photos or [camera_photo(int(time.time() * 1000) % 100_000)]):
        if as_documents:
            await control.send_document(helper.uid, data, f"IMG_{i}.jpg", "image/jpeg")
        else:
            await control.send_photo(helper.uid, data)
        await control.wait_for_message(helper.uid, f"第 {i + 1} 张照片")
    summary = await confirm_summary(control, helper, note)
    return await save(control, helper, summary)


async def visits_of(db: SessionFactory, helper: Helper) -> list[Visit]:
    """The helper's stored visits, oldest first."""
    async with db() as session:
        result = await session.scalars(
            select(Visit).where(Visit.helper_id == helper.user_id).order_by(Visit.id)
        )
        return list(result)


async def callback_answer(control: ControlClient, query_id: str) -> dict[str, Any]:
    """The bot's answerCallbackQuery for a press, once it has been made."""
    for _ in range(200):
        answers = await control.callback_answers(callback_query_id=query_id)
        if answers:
            return answers[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"the bot never answered callback query {query_id}")
