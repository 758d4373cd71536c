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
from tests.e2e.conftest import Stack
from tests.e2e.visitkit import HOME, Helper, button_data, camera_photo

# A step waits this long for its answer: longer than a restart on a loaded machine.
STEP = 30.0
# The short form (CI) kills once under two helpers and a reporter: every check still runs,
# and each restart is most of the cost. The long form: BANGFU_CRASH_KILLS=10 (and more
# helpers with BANGFU_CRASH_HELPERS=5).
KILLS = int(os.environ.get("BANGFU_CRASH_KILLS", "1"))
HELPERS = int(os.environ.get("BANGFU_CRASH_HELPERS", "2"))


@dataclass
class Tally:
    """What one actor tried and what the bot confirmed to it."""

    tried: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    # Assistance descriptions, and benefit changes as (policy index, status code).
    assistance_tried: list[str] = field(default_factory=list)
    assistance: list[str] = field(default_factory=list)
    benefits_tried: list[tuple[int, str]] = field(default_factory=list)
    benefits: list[tuple[int, str]] = field(default_factory=list)
    # Confirmations after the last kill: conversations work again once the bot is back.
    after_last_kill: int = 0


class Stopped(Exception):
    """The test is over."""


async def _wait(control: ControlClient, uid: int, needle: str) -> dict[str, Any]:
    return await control.wait_for_message(uid, needle, timeout=STEP)


async def _answered(control: ControlClient, query_id: str) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STEP
    while loop.time() < deadline:
        answers = await control.callback_answers(callback_query_id=query_id)
        if answers:
            return dict(answers[0])
        await asyncio.sleep(0.2)
    raise TimeoutError(f"callback query {query_id} was never answered")


async def one_assistance(
    control: ControlClient, helper: Helper, receipt: dict[str, Any], description: str
) -> None:
    """Assistance recorded from a visit receipt (no amount, no photo); returns once confirmed."""
    uid = helper.uid
    data = button_data(receipt, "as:v:")
    await control.press_button(uid, receipt["message_id"], data, force=True)
    kinds = await _wait(control, uid, "请选择类型")
    await control.press_button(uid, kinds["message_id"], "as:ty:0")
    await _wait(control, uid, "请描述")
    await control.send_text(uid, description)
    amount = await _wait(control, uid, "金额")
    await control.press_button(uid, amount["message_id"], "as:skip")
    day = await _wait(control, uid, "哪天给予")
    await control.press_button(uid, day["message_id"], "as:day:0")
    photo = await _wait(control, uid, "如有照片")
    await control.press_button(uid, photo["message_id"], "as:skip")
    await _wait(control, uid, "记录帮扶措施。")


async def one_benefit(
    control: ControlClient, helper: Helper, receipt: dict[str, Any], change: tuple[int, str]
) -> bool:
    """Set one policy's state with the card's button; whether the bot said it was saved."""
    policy, code = change
    data = f"hh:bs:{helper.household_id}:{policy}:{code}"
    query = await control.press_button(helper.uid, receipt["message_id"], data, force=True)
    answer = await _answered(control, query)
    return "已保存" in str(answer.get("text", ""))


async def one_visit_receipt(
    control: ControlClient, helper: Helper, note: str, seed: int
) -> dict[str, Any] | None:
    """A whole visit; the receipt if the bot confirmed it was stored."""
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
    if "走访已保存" in receipt["text"] or "已经保存过了" in receipt["text"]:
        return receipt
    return None


async def one_visit(control: ControlClient, helper: Helper, note: str, seed: int) -> bool:
    """A whole visit; whether the bot confirmed it was stored."""
    return await one_visit_receipt(control, helper, note, seed) is not None


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
            receipt = await one_visit_receipt(control, helper, note, helper.uid % 1000 * 100 + n)
            if receipt is None:
                continue
            tally.confirmed.append(note)
            description = f"崩溃测试帮扶 {helper.uid} 第{n}次"
            tally.assistance_tried.append(description)
            await one_assistance(control, helper, receipt, description)
            tally.assistance.append(description)
            change = (n % 3, "y" if n % 2 else "e")
            tally.benefits_tried.append(change)
            if await one_benefit(control, helper, receipt, change):
                tally.benefits.append(change)
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


def kill_and_restart(stack: Stack) -> None:
    """SIGKILL the bot and start it again, allowing a slow start on a loaded machine."""
    stack.bot.stop(kill=True)
    stack.bot.start(stack.control_url, ready_timeout=180)
