"""The sandbox's terminal chat shows what a phone shows: alerts, current and older buttons."""

from __future__ import annotations

from emulator.client import ControlClient
from emulator.sandbox.screen import HELP, Screen
from tests.emulator.conftest import BotApi

USER = 10001


def _markup(*labels: str) -> dict[str, object]:
    return {"inline_keyboard": [[{"text": t, "callback_data": f"b:{t}"}] for t in labels]}


async def _screen(control: ControlClient, out: list[str]) -> Screen:
    await control.create_user(USER, "王建國")
    await control.send_command(USER, "start")
    screen = Screen(control, out.append, lambda: "王建國> ")
    await screen.switch(USER)
    return screen


async def test_only_the_latest_message_is_numbered(control: ControlClient, api: BotApi) -> None:
    out: list[str] = []
    screen = await _screen(control, out)
    old = await api("sendMessage", chat_id=USER, text="哪一户？", reply_markup=_markup("甲", "乙"))
    new = await api("sendMessage", chat_id=USER, text="保存吗？", reply_markup=_markup("保存"))
    await screen.refresh(USER)
    text = "".join(out)
    assert f"[#{old['message_id']}.2] 乙" in text
    assert "[#1] 保存" in text and "[#2]" not in text
    pressed = screen.button("1")
    assert pressed is not None and pressed.message_id == new["message_id"]
    older = screen.button(f"{old['message_id']}.2")
    assert older is not None and older.callback_data == "b:乙"
    assert screen.button("2") is None and screen.button("x") is None


async def test_alerts_and_edits_are_shown(control: ControlClient, api: BotApi) -> None:
    out: list[str] = []
    screen = await _screen(control, out)
    sent = await api("sendMessage", chat_id=USER, text="旧按钮", reply_markup=_markup("旧"))
    await screen.refresh(USER)
    query = await control.press_button(USER, sent["message_id"], "b:旧")
    await api("answerCallbackQuery", callback_query_id=query, text="此按钮已失效", show_alert=True)
    await api("editMessageText", chat_id=USER, message_id=sent["message_id"], text="已过期")
    out.clear()
    await screen.refresh(USER)
    text = "".join(out)
    assert "⚠ 此按钮已失效" in text
    assert f"🤖 [{sent['message_id']}] ✎ 已过期" in text


async def test_the_prompt_steps_aside_for_output(control: ControlClient, api: BotApi) -> None:
    out: list[str] = []
    screen = await _screen(control, out)
    screen.show_prompt()
    await api("sendMessage", chat_id=USER, text="提醒")
    await screen.refresh(USER)
    assert "".join(out).endswith("王建國> \n\n🤖 [2] 提醒\n")


def test_help_explains_every_mark() -> None:
    for mark in ("✎", "🗑", "⌨", "💬", "⚠", "#M.N", "[#N]", "NAME>"):
        assert mark in HELP
