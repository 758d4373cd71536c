"""The control API waits for the bot's answer instead of making callers poll."""

from __future__ import annotations

import asyncio
from typing import Any

from emulator import Emulator
from emulator.client import ControlClient
from tests.emulator.conftest import BotApi

USER = 4242


async def _until_watched(emu: Emulator) -> None:
    """Return once the control API's wait is parked on the chat (so the test can fail)."""
    chat = emu.world.bots[emu.token].chats[USER]
    for _ in range(1000):
        if chat.watched:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the wait never reached the emulator")


async def test_wait_returns_the_answer_sent_after_the_request(
    emu: Emulator, control: ControlClient, api: BotApi
) -> None:
    await control.create_user(USER, "王")
    await control.send_text(USER, "你好")
    waiting = asyncio.create_task(control.chat(USER, wait=10, after="last_user"))
    await _until_watched(emu)
    assert not waiting.done()
    await api("sendMessage", chat_id=USER, text="您好")
    answer: dict[str, Any] = await waiting
    assert answer["answered"] is True
    assert [m["text"] for m in answer["messages"]] == ["您好"]


async def test_wait_after_a_press_ends_with_the_edit(
    emu: Emulator, control: ControlClient, api: BotApi
) -> None:
    await control.create_user(USER, "王")
    await control.send_text(USER, "你好")
    markup = {"inline_keyboard": [[{"text": "保存", "callback_data": "save"}]]}
    sent = await api("sendMessage", chat_id=USER, text="保存吗？", reply_markup=markup)
    assert await control.wait_answer(USER, timeout=5)
    await control.press_button(USER, sent["message_id"], "save")
    waiting = asyncio.create_task(control.messages(USER, wait=10))
    await _until_watched(emu)
    assert not waiting.done()
    await api("editMessageText", chat_id=USER, message_id=sent["message_id"], text="已保存")
    messages = await waiting
    assert messages[-1]["text"] == "已保存"


async def test_wait_gives_up_and_says_so(control: ControlClient) -> None:
    await control.create_user(USER, "王")
    await control.send_text(USER, "有人吗")
    assert await control.wait_answer(USER, timeout=0.2) is False
    assert await control.messages(USER, after="last_user") == []


async def test_wait_is_immediate_once_answered(control: ControlClient, api: BotApi) -> None:
    await control.create_user(USER, "王")
    await control.send_text(USER, "你好")
    await api("sendMessage", chat_id=USER, text="您好")
    # A long wait that returns at once: the answer is already there.
    assert await control.wait_answer(USER, timeout=30) is True


async def test_wait_must_be_a_number(control: ControlClient) -> None:
    await control.create_user(USER, "王")
    await control.send_text(USER, "你好")
    resp = await control.http.get(f"/chats/{USER}/messages", params={"wait": "soon"})
    assert resp.status_code == 400
    assert "wait" in resp.json()["error"]


async def test_callback_answer_can_be_awaited(
    emu: Emulator, control: ControlClient, api: BotApi
) -> None:
    await control.create_user(USER, "王")
    await control.send_text(USER, "你好")
    markup = {"inline_keyboard": [[{"text": "旧", "callback_data": "old"}]]}
    sent = await api("sendMessage", chat_id=USER, text="按钮", reply_markup=markup)
    query_id = await control.press_button(USER, sent["message_id"], "old")
    waiting = asyncio.create_task(control.callback_answers(callback_query_id=query_id, wait=10))
    bot = emu.world.bots[emu.token]
    for _ in range(1000):  # the request is parked once the emulator counts a waiter
        if waiting.done() or bot.answer_waiters:
            break
        await asyncio.sleep(0.01)
    assert not waiting.done()
    await api("answerCallbackQuery", callback_query_id=query_id, text="此按钮已失效")
    answers = await waiting
    assert [a["text"] for a in answers] == ["此按钮已失效"]


async def test_press_by_position_on_the_newest_message_with_buttons(
    control: ControlClient, api: BotApi
) -> None:
    await control.create_user(USER, "王")
    await control.send_text(USER, "你好")
    two = {
        "inline_keyboard": [
            [{"text": "甲", "callback_data": "a"}, {"text": "乙", "callback_data": "b"}]
        ]
    }
    await api("sendMessage", chat_id=USER, text="旧", reply_markup=two)
    newest = await api("sendMessage", chat_id=USER, text="新", reply_markup=two)
    await api("sendMessage", chat_id=USER, text="没有按钮")
    query_id = await control.press_button(USER, None, button=2)
    await api("answerCallbackQuery", callback_query_id=query_id)
    [answer] = await control.callback_answers(callback_query_id=query_id)
    assert (answer["message_id"], answer["data"]) == (newest["message_id"], "b")
    resp = await control.http.post(f"/users/{USER}/press", json={"button": 3})
    assert resp.status_code == 400 and "button 3" in resp.json()["error"]
