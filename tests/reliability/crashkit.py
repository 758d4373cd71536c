"""Simulated helpers and reporters that keep working while the bot is killed under them.

Each actor repeats its task (a whole visit, a whole report) and writes down what the bot
confirmed to it. A step that gets no answer in time (the bot is down, or forgot the last
second of the conversation) starts the task over, as a person would.
"""

from __future__ import annotations

import asyncio
import os
import random
from dataclasses import dataclass, field
from typing import Any

from emulator.client import ControlClient
from tests.e2e.visitkit import HOME, Helper, button_data, camera_photo

# A step waits this long for its answer: longer than a restart on a loaded machine.
STEP = 30.0
# The long form: BANGFU_CRASH_KILLS=20 (and more helpers with BANGFU_CRASH_HELPERS=8).
KILLS = int(os.environ.get("BANGFU_CRASH_KILLS", "2"))
HELPERS = int(os.environ.get("BANGFU_CRASH_HELPERS", "3"))


@dataclass
class Tally:
    """What one actor tried and what the bot confirmed to it."""

    tried: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    # Confirmations after the last kill: conversations work again once the bot is back.
    after_last_kill: int = 0


class Stopped(Exception):
    """The test is over."""


async def _wait(control: ControlClient, uid: int, needle: str) -> dict[str, Any]:
    return await control.wait_for_message(uid, needle, timeout=STEP)


async def one_visit(control: ControlClient, helper: Helper, note: str, seed: int) -> bool:
    """A whole visit; whether the bot confirmed it was stored."""
    await control.send_command(helper.uid, "visit")
    chooser = await _wait(control, helper.uid, "哪一户")
    await control.press_button(
        helper.uid, chooser["message_id"], f"visit:hh:{helper.household_id}"
    )
    await _wait(control, helper.uid, "分享您的位置")
    await control.send_location(helper.uid, *HOME, horizontal_accuracy=10)
    await _wait(control, helper.uid, "已收到位置")
    await control.send_photo(helper.uid, camera_photo(seed))
    await _wait(control, helper.uid, "第 1 张照片")
    await control.send_text(helper.uid, note)
    summary = await _wait(control, helper.uid, "保存这次走访")
    await control.press_button(
        helper.uid, summary["message_id"], button_data(summary, "visit:ok:")
    )
    receipt = await _wait(control, helper.uid, "本月")
    return "走访已保存" in receipt["text"] or "已经保存过了" in receipt["text"]


async def keep_visiting(
    control: ControlClient, helper: Helper, tally: Tally, stop: asyncio.Event, kills: list[int]
) -> None:
    """Log visits one after another until told to stop (and one more after the last kill)."""
    n = 0
    while not (stop.is_set() and tally.after_last_kill > 0):
        n += 1
        note = f"崩溃测试 {helper.uid} 第{n}次"
        tally.tried.append(note)
        killed_before = len(kills)
        try:
            if await one_visit(control, helper, note, helper.uid % 1000 * 100 + n):
                tally.confirmed.append(note)
                if stop.is_set() and killed_before == len(kills):
                    tally.after_last_kill += 1
        except TimeoutError:
            continue


async def keep_reporting(
    control: ControlClient, uid: int, tally: Tally, stop: asyncio.Event, kills: list[int]
) -> None:
    """File complaints one after another (each with its own text) until told to stop."""
    n = 0
    while not (stop.is_set() and tally.after_last_kill > 0):
        n += 1
        body = f"崩溃测试举报 {uid} 第{n}件：补贴没有发到户。"
        tally.tried.append(body)
        killed_before = len(kills)
        try:
            await control.send_command(uid, "report")
            categories = await control.wait_for_message(
                uid, lambda m: "report:cat:" in str(m), timeout=STEP
            )
            await control.press_button(
                uid, categories["message_id"], "report:cat:benefit_not_received"
            )
            await _wait(control, uid, "涉及谁或哪里")
            await control.send_text(uid, "石门村")
            await _wait(control, uid, "发生了什么")
            await control.send_text(uid, body)
            done = await _wait(control, uid, "最多 5 张")
            await control.press_button(uid, done["message_id"], button_data(done, "report:done:"))
            review = await _wait(control, uid, "发送前请核对")
            await control.press_button(
                uid, review["message_id"], button_data(review, "report:send:")
            )
            await _wait(control, uid, "回执码是")
        except TimeoutError:
            continue
        tally.confirmed.append(body)
        if stop.is_set() and killed_before == len(kills):
            tally.after_last_kill += 1


def pauses(kills: int, seed: int) -> list[float]:
    """Seconds between kills: random, so kills land at different steps of conversations."""
    rng = random.Random(seed)
    return [rng.uniform(1.0, 6.0) for _ in range(kills)]
