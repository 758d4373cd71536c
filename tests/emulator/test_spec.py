"""Every object the emulator emits conforms to the Bot API specification."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emulator import Emulator
from emulator.client import ControlClient
from tests.emulator.conftest import BotApi, jpeg_with_gps

SPEC_FILE = Path(__file__).parents[1] / "data" / "telegram-bot-api" / "api.min.json"
SPEC: dict[str, Any] = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
TYPES: dict[str, Any] = SPEC["types"]
METHODS: dict[str, Any] = SPEC["methods"]


def check(value: Any, tname: str, path: str) -> list[str]:
    """Errors of `value` against spec type `tname` (empty when it conforms)."""
    if value is None:
        return [f"{path}: null is never sent"]
    if tname == "Integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{path}: {value!r} is not Integer"]
    if tname == "Float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{path}: {value!r} is not Float"]
    if tname == "String":
        return [] if isinstance(value, str) else [f"{path}: {value!r} is not String"]
    if tname == "Boolean":
        return [] if isinstance(value, bool) else [f"{path}: {value!r} is not Boolean"]
    if tname == "True":
        return [] if value is True else [f"{path}: {value!r} is not True"]
    if tname.startswith("Array of "):
        if not isinstance(value, list):
            return [f"{path}: {value!r} is not an array"]
        inner = tname.removeprefix("Array of ")
        return [e for i, item in enumerate(value) for e in check(item, inner, f"{path}[{i}]")]
    spec = TYPES.get(tname)
    if spec is None:
        return [f"{path}: unknown spec type {tname}"]
    if "subtypes" in spec:
        attempts = [check(value, sub, f"{path}<{sub}>") for sub in spec["subtypes"]]
        if any(not errs for errs in attempts):
            return []
        return [f"{path}: matches no subtype of {tname}"] + [e for errs in attempts for e in errs]
    if not isinstance(value, dict):
        return [f"{path}: {value!r} is not an object {tname}"]
    fields = {f["name"]: f for f in spec.get("fields", [])}
    errors = [f"{path}.{k}: not a field of {tname}" for k in value if k not in fields]
    for name, field in fields.items():
        if name not in value:
            if field["required"]:
                errors.append(f"{path}: required {tname}.{name} missing")
            continue
        attempts = [check(value[name], t, f"{path}.{name}") for t in field["types"]]
        if all(attempts):
            errors.extend(min(attempts, key=len))
    return errors


def result_type(method: str) -> str:
    """The spec's return type of a method (first alternative)."""
    returns: list[str] = METHODS[method]["returns"]
    return returns[0]


def test_checker_catches_mistakes() -> None:
    user = {"id": 1, "is_bot": False, "first_name": "a"}
    assert check(user, "User", "u") == []
    assert check({**user, "extra": 1}, "User", "u")
    assert check({"id": "1", "is_bot": False, "first_name": "a"}, "User", "u")
    assert check({"id": 1, "is_bot": False}, "User", "u")
    assert check({**user, "last_name": None}, "User", "u")
    origin = {"type": "user", "date": 1, "sender_user": user}
    assert check(origin, "MessageOrigin", "o") == []
    assert check({"type": "user", "date": 1}, "MessageOrigin", "o")


async def test_every_emitted_object_matches_spec(
    emu: Emulator, control: ControlClient, api: BotApi
) -> None:
    emitted: list[tuple[str, Any]] = []
    emu.on_response = lambda method, result: emitted.append((method, result))
    actions: list[dict[str, Any]] = []

    await control.create_user(1, "甲", "乙", username="jia", phone="+8613800000000")
    await control.create_user(2, "丙", hide_forwards=True)
    actions.append(await control.send_command(1, "start", "ref_42"))
    actions.append(
        await control.send_text(1, "见 https://example.org #走访 @jia 😀", date=1_700_000_000)
    )
    actions.append(await control.send_contact(1, "+8613800000000"))
    actions.append(await control.send_contact(1, "+8613900000000", own=False, first_name="某人"))
    actions.append(await control.send_location(1, 22.54, 114.05, horizontal_accuracy=12.5))
    actions.append(await control.send_location(1, 22.5, 114.0, live_period=900))
    actions.append(await control.send_venue(1, 22.5, 114.0, "村委会", "幸福路 1 号"))
    actions.append(await control.send_photo(1, jpeg_with_gps(), caption="门牌 #1"))
    actions.append(
        await control.send_photo(1, jpeg_with_gps(), forwarded=True, forward_from_user_id=2)
    )
    actions.append(
        await control.send_location(1, 22.5, 114.0, forwarded=True, forward_from_user_id=1)
    )
    actions.append(await control.send_document(1, b"a,b\n1,2\n", "户.csv", "text/csv"))
    actions.append(await control.send_document(1, jpeg_with_gps(), "raw.jpg", "image/jpeg"))
    actions.append(await control.send_voice(1, b"OggS fake voice", 3))
    await control.send_command(2, "start")

    await api("getMe")
    await api("getUpdates", timeout=0)
    sent = await api(
        "sendMessage",
        chat_id=1,
        text="<b>粗</b> <a href='tg://user?id=2'>丙</a> <a href='https://x.org'>链</a>"
        " <pre><code class='language-python'>x = 1</code></pre> <tg-spoiler>秘</tg-spoiler>",
        parse_mode="HTML",
        reply_parameters={"message_id": actions[0]["message_id"]},
        link_preview_options={"is_disabled": True},
        reply_markup={"inline_keyboard": [[{"text": "是", "callback_data": "y"}]]},
    )
    await api(
        "sendMessage",
        chat_id=1,
        text="*粗* _斜_ __下__ ~删~ ||藏|| `码` [链](https://x.org) \\!",
        parse_mode="MarkdownV2",
        reply_markup={
            "keyboard": [[{"text": "分享号码", "request_contact": True}], ["位置"]],
            "resize_keyboard": True,
        },
    )
    actions.append(await control.press_keyboard(1, "分享号码"))
    await api("sendMessage", chat_id=1, text="x", reply_markup={"remove_keyboard": True})
    await api("sendMessage", chat_id=1, text="y", reply_markup={"force_reply": True})
    actions.append(await control.forward(2, 1, sent["message_id"]))
    actions.append(await control.forward(1, 2, 1))
    qid = await control.press_button(1, sent["message_id"], "y")
    await api("answerCallbackQuery", callback_query_id=qid, text="好")
    await api("deleteMessage", chat_id=1, message_id=sent["message_id"])
    qid2 = await control.press_button(1, sent["message_id"], "y", force=True)
    await api("answerCallbackQuery", callback_query_id=qid2)

    photo = actions[7]["message"]["photo"]
    await api(
        "sendPhoto", chat_id=1, photo=photo[-1]["file_id"], caption="<i>回</i>", parse_mode="HTML"
    )
    doc = actions[11]["message"]["document"]
    await api("sendDocument", chat_id=1, document=doc["file_id"])
    await api("sendLocation", chat_id=1, latitude=1.5, longitude=2.5, horizontal_accuracy=5)
    await api("sendVenue", chat_id=1, latitude=1.5, longitude=2.5, title="t", address="a")
    await api("sendContact", chat_id=1, phone_number="+1", first_name="x")
    await api("sendChatAction", chat_id=1, action="typing")
    m = await api("sendMessage", chat_id=1, text="old")
    await api(
        "editMessageText",
        chat_id=1,
        message_id=m["message_id"],
        text="new",
        reply_markup={"inline_keyboard": [[{"text": "u", "url": "https://x.org"}]]},
    )
    await api("editMessageReplyMarkup", chat_id=1, message_id=m["message_id"])
    await api("getFile", file_id=photo[0]["file_id"])
    await api("setMyCommands", commands=[{"command": "start", "description": "开始"}])
    await api("getMyCommands")
    await api("setWebhook", url="http://127.0.0.1:9/hook", secret_token="s3cret")
    await api("getWebhookInfo")
    await api("deleteWebhook")
    await api("getWebhookInfo")
    await api("getUpdates", timeout=0)

    errors: list[str] = []
    seen_types: set[str] = set()
    for method, result in emitted:
        rtype = result_type(method)
        seen_types.add(rtype)
        errors += check(result, rtype, method)
    for i, action in enumerate(actions):
        if "message" in action:
            errors += check(action["message"], "Message", f"action{i}.message")
        errors += check(action["update"], "Update", f"action{i}.update")
    assert not errors, "\n".join(errors)
    updates = [u for m, r in emitted if m == "getUpdates" for u in r]
    kinds = {k for u in updates for k in u if k != "update_id"}
    assert {"message", "callback_query"} <= kinds
    fields = {k for u in updates for k in u.get("message", {})}
    for needed in ("photo", "document", "voice", "contact", "location", "venue", "forward_origin"):
        assert needed in fields
    assert {"Message", "Update", "User", "File", "WebhookInfo", "BotCommand"} <= {
        t.removeprefix("Array of ") for t in seen_types
    }
