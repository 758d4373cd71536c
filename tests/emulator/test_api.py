"""Bot API behaviour: errors as Telegram words them, updates, long polling, edits."""

from __future__ import annotations

import asyncio

import httpx

from emulator import Emulator
from emulator.client import ControlClient, ControlError
from tests.emulator.conftest import BotApi

QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


async def test_unknown_token_and_method(emu: Emulator, api: BotApi) -> None:
    async with httpx.AsyncClient() as http:
        resp = await http.get(f"{emu.base_url}999:WRONG/getMe")
    assert resp.status_code == 401
    assert resp.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    err = await api.error("fooBar")
    assert err == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert (await api("GETME"))["username"] == "bangfu_bot"


async def test_form_and_query_parameters(emu: Emulator, user: int) -> None:
    async with httpx.AsyncClient(base_url=f"{emu.base_url}{emu.token}/") as http:
        form = await http.post("sendMessage", data={"chat_id": str(user), "text": "表单"})
        query = await http.get("sendMessage", params={"chat_id": user, "text": "查询"})
    assert form.json()["result"]["text"] == "表单"
    assert query.json()["result"]["text"] == "查询"


async def test_chat_errors(api: BotApi, control: ControlClient) -> None:
    err = await api.error("sendMessage", chat_id=424242, text="x")
    assert err["description"] == "Bad Request: chat not found"
    await control.create_user(5, "未开始")
    err = await api.error("sendMessage", chat_id=5, text="x")
    assert err["error_code"] == 403
    assert err["description"] == "Forbidden: bot can't initiate conversation with a user"


async def test_edit_delete_errors(api: BotApi, user: int) -> None:
    sent = await api(
        "sendMessage",
        chat_id=user,
        text="原文",
        reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]},
    )
    mid = sent["message_id"]
    err = await api.error("editMessageText", chat_id=user, message_id=9999, text="x")
    assert err["description"] == "Bad Request: message to edit not found"
    same = {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
    err = await api.error(
        "editMessageText", chat_id=user, message_id=mid, text="原文", reply_markup=same
    )
    assert err["description"] == (
        "Bad Request: message is not modified: specified new message content and reply markup"
        " are exactly the same as a current content and reply markup of the message"
    )
    err = await api.error(
        "editMessageReplyMarkup", chat_id=user, message_id=mid, reply_markup=same
    )
    assert err["description"].startswith("Bad Request: message is not modified")
    edited = await api("editMessageText", chat_id=user, message_id=mid, text="原文")
    assert "reply_markup" not in edited and "edit_date" in edited
    assert await api("deleteMessage", chat_id=user, message_id=mid) is True
    err = await api.error("deleteMessage", chat_id=user, message_id=mid)
    assert err["description"] == "Bad Request: message to delete not found"
    err = await api.error("editMessageText", chat_id=user, message_id=mid, text="y")
    assert err["description"] == "Bad Request: message to edit not found"
    err = await api.error("editMessageText", chat_id=user, message_id=1, text="y")
    assert err["description"] == "Bad Request: message can't be edited"


async def test_markup_validation(api: BotApi, user: int) -> None:
    data_65 = "键" * 21 + "xx"  # 65 bytes in UTF-8
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": data_65}]]}
    err = await api.error("sendMessage", chat_id=user, text="x", reply_markup=markup)
    assert err["description"] == "Bad Request: BUTTON_DATA_INVALID"
    ok = {"inline_keyboard": [[{"text": "x", "callback_data": "键" * 21 + "x"}]]}
    assert await api("sendMessage", chat_id=user, text="x", reply_markup=ok)
    err = await api.error("sendMessage", chat_id=user, text="x", reply_to_message_id=9999)
    assert err["description"] == "Bad Request: message to be replied not found"


async def test_callback_queries(api: BotApi, control: ControlClient, user: int) -> None:
    markup = {"inline_keyboard": [[{"text": "是", "callback_data": "yes"}]]}
    sent = await api("sendMessage", chat_id=user, text="?", reply_markup=markup)
    try:
        await control.press_button(user, sent["message_id"], "forged")
        raise AssertionError("a missing button was pressed")
    except ControlError as exc:
        assert exc.status == 400 and "force=true" in exc.message
    qid = await control.press_button(user, sent["message_id"], text="是")
    forged = await control.press_button(user, sent["message_id"], "forged", force=True)
    updates = await api("getUpdates")
    queries = [u["callback_query"] for u in updates if "callback_query" in u]
    assert [q["data"] for q in queries] == ["yes", "forged"]
    assert queries[0]["message"]["message_id"] == sent["message_id"]
    assert queries[0]["from"]["id"] == user and queries[0]["chat_instance"]
    assert await api("answerCallbackQuery", callback_query_id=qid, text="好") is True
    err = await api.error("answerCallbackQuery", callback_query_id=qid)
    assert err["description"] == QUERY_TOO_OLD
    err = await api.error("answerCallbackQuery", callback_query_id="123")
    assert err["description"] == QUERY_TOO_OLD
    assert await api("answerCallbackQuery", callback_query_id=forged)
    answers = await control.callback_answers(user_id=user)
    assert [a["text"] for a in answers] == ["好", None]


async def test_get_updates_offset_limit_and_allowed(
    api: BotApi, control: ControlClient, user: int
) -> None:
    for i in range(3):
        await control.send_text(user, f"m{i}")
    first = await api("getUpdates", limit=2)
    assert len(first) == 2
    ids = [u["update_id"] for u in await api("getUpdates")]
    assert ids == sorted(ids) and len(ids) == 4 and ids[0] == first[0]["update_id"]
    assert [u["update_id"] for u in await api("getUpdates", offset=ids[-1])] == [ids[-1]]
    assert await api("getUpdates", offset=ids[-1] + 1) == []
    await api("getUpdates", allowed_updates=["callback_query"])
    await control.send_text(user, "filtered out")
    assert await api("getUpdates") == []
    await api("getUpdates", allowed_updates=[])
    sent = await control.send_text(user, "back")
    assert [u["update_id"] for u in await api("getUpdates")] == [sent["update_id"]]


async def test_long_poll_wakes_on_update(api: BotApi, control: ControlClient, user: int) -> None:
    pending = [u["update_id"] for u in await api("getUpdates")]
    offset = pending[-1] + 1
    poll = asyncio.create_task(api("getUpdates", offset=offset, timeout=30))
    await asyncio.sleep(0.1)
    assert not poll.done()
    sent = await control.send_text(user, "wake up")
    updates = await asyncio.wait_for(poll, 10)
    assert [u["update_id"] for u in updates] == [sent["update_id"]]


async def test_second_poller_terminates_first(api: BotApi, user: int) -> None:
    pending = [u["update_id"] for u in await api("getUpdates")]
    first = asyncio.create_task(api.raw("getUpdates", offset=pending[-1] + 1, timeout=20))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(api.raw("getUpdates", offset=pending[-1] + 1, timeout=1))
    resp = await asyncio.wait_for(first, 10)
    assert resp.status_code == 409
    assert resp.json()["description"].startswith("Conflict: terminated by other getUpdates")
    assert (await second).json() == {"ok": True, "result": []}


async def test_webhook_conflict_and_info(api: BotApi, control: ControlClient, user: int) -> None:
    result = await api.raw("setWebhook", url="http://127.0.0.1:9/never", secret_token="abc")
    assert result.json() == {"ok": True, "result": True, "description": "Webhook was set"}
    err = await api.error("getUpdates")
    assert err["error_code"] == 409
    assert err["description"] == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    err = await api.error("setWebhook", url="http://127.0.0.1:9/x", secret_token="bad token!")
    assert err["description"] == "Bad Request: secret token contains unallowed characters"
    info = await api("getWebhookInfo")
    assert info["url"] == "http://127.0.0.1:9/never" and info["pending_update_count"] >= 1
    assert await api("deleteWebhook", drop_pending_updates=True) is True
    info = await api("getWebhookInfo")
    assert info == {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
    assert await api("getUpdates") == []


async def test_multiple_tokens(emu: Emulator, control: ControlClient) -> None:
    emu.add_bot("777:OTHER", "other_bot", "Other")
    other = BotApi(emu, "777:OTHER")
    try:
        assert (await other("getMe"))["id"] == 777
        await control.create_user(9, "九")
        await control.send_text(9, "to main bot")
        assert await other("getUpdates") == []
    finally:
        await other.http.aclose()


async def test_reset_forgets_users(api: BotApi, control: ControlClient, user: int) -> None:
    await control.reset()
    err = await api.error("sendMessage", chat_id=user, text="x")
    assert err["description"] == "Bad Request: chat not found"
    assert await api("getUpdates") == []
