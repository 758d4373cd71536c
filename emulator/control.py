"""The control API: JSON over HTTP under /control, for tests, benchmarks and the sandbox."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from emulator.actions import ControlError
from emulator.faults import FaultSpecError, RandomFaults
from emulator.methods import resolve_commands, scope_key
from emulator.objects import ApiError, dumps

if TYPE_CHECKING:
    from emulator.server import Emulator

Route = Callable[[web.Request], Awaitable[Any]]
# Multipart text fields that carry numbers or flags rather than text.
_TYPED_FIELDS = frozenset(
    [
        "user_id",
        "chat_id",
        "date",
        "duration",
        "forwarded",
        "forward_from_user_id",
        "forward_date",
        "reply_to_message_id",
    ]
)
SIMPLE_KINDS = ("text", "command", "contact", "location", "live", "venue", "forward", "keyboard")
FILE_KINDS = ("photo", "document", "voice")


def _ok(payload: Any, status: int = 200) -> web.Response:
    return web.Response(body=dumps(payload), status=status, content_type="application/json")


def _wrap(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            result = await route(request)
        except ControlError as exc:
            return _ok({"ok": False, "error": exc.message}, exc.status)
        except (FaultSpecError, ApiError) as exc:
            return _ok({"ok": False, "error": str(exc)}, 400)
        except (ValueError, KeyError, TypeError) as exc:
            return _ok({"ok": False, "error": f"bad request: {exc}"}, 400)
        if isinstance(result, web.StreamResponse):
            return result
        return _ok(result)

    return handler


async def _body(request: web.Request) -> tuple[dict[str, Any], bytes | None]:
    """JSON body, or multipart fields plus the 'file' part."""
    if request.content_type == "multipart/form-data":
        fields: dict[str, Any] = {}
        data: bytes | None = None
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.name == "file":
                data = bytes(await part.read())
                if part.filename and "filename" not in fields:
                    fields["filename"] = part.filename
                content_type = part.headers.get("Content-Type")
                if content_type and "mime_type" not in fields:
                    fields["mime_type"] = content_type
            else:
                value = await part.text()
                fields[part.name] = json.loads(value) if part.name in _TYPED_FIELDS else value
        return fields, data
    raw = await request.read()
    if not raw:
        return {}, None
    body = json.loads(raw)
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    data = None
    if "data_base64" in body:
        try:
            data = base64.b64decode(body.pop("data_base64"), validate=True)
        except (binascii.Error, TypeError):
            raise ControlError(400, "data_base64 is not valid base64") from None
    return body, data


def _int(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ControlError(400, f"{name} must be an integer") from None


def _seconds(value: str | None, name: str) -> float:
    """A wait in seconds from a query parameter, capped so a request cannot hang forever."""
    if value is None or value == "":
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        raise ControlError(400, f"{name} must be a number of seconds") from None
    return min(max(seconds, 0.0), 30.0)


def setup_control(app: web.Application, emu: Emulator) -> None:
    """Add every /control route to the application."""
    actions = emu.actions

    async def create_user(request: web.Request) -> Any:
        body, _ = await _body(request)
        return actions.create_user(body)

    async def get_user(request: web.Request) -> Any:
        user = actions.user(_int(request.match_info["user_id"], "user_id"))
        return {**user.json(), "phone": user.phone, "hide_forwards": user.hide_forwards}

    async def user_action(request: web.Request) -> Any:
        kind = request.match_info["kind"]
        body, data = await _body(request)
        body["user_id"] = _int(request.match_info["user_id"], "user_id")
        if kind in FILE_KINDS:
            if data is None:
                raise ControlError(400, "send the file as multipart field 'file' or data_base64")
            if kind == "photo":
                return await actions.send_photo(body, data)
            if kind == "document":
                return await actions.send_document(body, data)
            return actions.send_voice(body, data)
        if kind == "press":
            return actions.press_button(body)
        if kind not in SIMPLE_KINDS:
            raise ControlError(404, f"unknown action {kind!r}")
        handler = {
            "text": actions.send_text,
            "command": actions.send_command,
            "contact": actions.send_contact,
            "location": actions.send_location,
            "live": actions.update_live_location,
            "venue": actions.send_venue,
            "forward": actions.forward,
            "keyboard": actions.press_keyboard,
        }[kind]
        return handler(body)

    async def add_group(request: web.Request) -> Any:
        body, _ = await _body(request)
        return actions.add_group(body)

    def _chat(request: web.Request) -> Any:
        bot = actions.bot(request.query.get("token"))
        chat_id = _int(request.match_info["chat_id"], "chat_id")
        chat = bot.chats.get(chat_id or 0)
        if chat is None:
            raise ControlError(404, f"the bot has no chat {chat_id}")
        return chat

    async def chat_messages(request: web.Request) -> Any:
        q = request.query
        bot = actions.bot(q.get("token"))
        chat_id = _int(request.match_info["chat_id"], "chat_id") or 0
        chat = bot.chats.get(chat_id)
        since = _int(q.get("since_version"), "since_version")
        if chat is not None and since is not None:
            timeout = min(float(q.get("timeout", "0") or 0), 30.0)
            await chat.wait_change(since, timeout)
        wait = _seconds(q.get("wait"), "wait")
        if chat is not None and wait:
            await chat.wait_answer(wait)
        if chat is None:
            if chat_id in emu.world.users:
                return {
                    "chat_id": chat_id,
                    "version": 0,
                    "last_user_message_id": 0,
                    "answered": True,
                    "messages": [],
                }
            raise ControlError(404, f"the bot has no chat {chat_id}")
        who = q.get("who", "bot")
        after_raw = q.get("after")
        after = chat.last_user_message_id if after_raw == "last_user" else _int(after_raw, "after")
        messages = [
            m.control_view()
            for mid, m in chat.messages.items()
            if (after is None or mid > after) and (who == "all" or (who == "bot") == m.from_bot)
        ]
        return {
            "chat_id": chat.id,
            "version": chat.version,
            "last_user_message_id": chat.last_user_message_id,
            "answered": not chat.awaiting_bot,
            "after": after,
            "messages": messages,
        }

    async def chat_message(request: web.Request) -> Any:
        chat = _chat(request)
        msg = chat.messages.get(_int(request.match_info["message_id"], "message_id"))
        if msg is None:
            raise ControlError(404, "no such message")
        return msg.control_view()

    async def chat_keyboard(request: web.Request) -> Any:
        return {"reply_keyboard": _chat(request).reply_keyboard}

    async def callback_answers(request: web.Request) -> Any:
        q = request.query
        bot = actions.bot(q.get("token"))
        user_id = _int(q.get("user_id"), "user_id")
        qid = q.get("callback_query_id")
        wait = _seconds(q.get("wait"), "wait")
        if qid is not None and wait:
            await bot.wait_callback_answer(qid, wait)
        return [
            a
            for a in bot.callback_answers
            if (user_id is None or a["user_id"] == user_id)
            and (qid is None or a["callback_query_id"] == qid)
        ]

    async def commands(request: web.Request) -> Any:
        q = request.query
        bot = actions.bot(q.get("token"))
        lang = q.get("language_code", "")
        chat_id = _int(q.get("chat_id"), "chat_id")
        scope = q.get("scope")
        if scope is None:
            found, cmds = resolve_commands(bot, chat_id, lang)
            return {"scope": found, "language_code": lang, "resolved": True, "commands": cmds}
        if scope.startswith("{"):
            key = scope_key(json.loads(scope))
        else:
            spec: dict[str, Any] = {"type": scope}
            if chat_id is not None:
                spec["chat_id"] = chat_id
            spec["user_id"] = _int(q.get("user_id"), "user_id")
            key = scope_key(spec)
        cmds = bot.commands.get((key, lang), [])
        return {"scope": key, "language_code": lang, "resolved": False, "commands": cmds}

    async def violations(request: web.Request) -> Any:
        return emu.limiter.report()

    async def reset_violations(request: web.Request) -> Any:
        emu.limiter.reset_violations()
        return {"ok": True}

    async def set_limits(request: web.Request) -> Any:
        body, _ = await _body(request)
        emu.limiter.enforce = bool(body.get("enforce", False))
        return {"ok": True, "enforce": emu.limiter.enforce}

    async def set_redelivery(request: web.Request) -> Any:
        body, _ = await _body(request)
        on = bool(body.get("on", False))
        for bot in emu.world.bots.values():
            bot.set_redelivery(on)
        return {"ok": True, "on": on}

    async def add_fault(request: web.Request) -> Any:
        body, _ = await _body(request)
        return emu.faults.add(body).json()

    async def list_faults(request: web.Request) -> Any:
        return emu.faults.json()

    async def clear_faults(request: web.Request) -> Any:
        emu.faults.clear()
        emu.random_faults = None
        return {"ok": True}

    async def set_random_faults(request: web.Request) -> Any:
        body, _ = await _body(request)
        emu.random_faults = RandomFaults.from_spec(body)
        return emu.random_faults.json()

    async def get_random_faults(request: web.Request) -> Any:
        return None if emu.random_faults is None else emu.random_faults.json()

    async def stats(request: web.Request) -> Any:
        by_method = {k: v for k, v in emu.stats.items() if k not in ("requests_total",)}
        return {
            "requests_total": emu.stats["requests_total"],
            "by_method": by_method,
            "by_status": {str(k): v for k, v in emu.status_counts.items()},
            "users": sum(1 for u in emu.world.users.values() if not u.is_bot),
            "files": len(emu.world.files.by_id),
        }

    async def reset(request: web.Request) -> Any:
        await emu.reset()
        return {"ok": True}

    async def add_bot(request: web.Request) -> Any:
        body, _ = await _body(request)
        token = body.get("token")
        if not isinstance(token, str) or ":" not in token:
            raise ControlError(400, "token must look like 123456:ABC")
        emu.add_bot(token, str(body.get("username", "other_bot")), str(body.get("name", "Bot")))
        return emu.world.bots[token].me

    async def list_bots(request: web.Request) -> Any:
        return [{"token": t, **b.me} for t, b in emu.world.bots.items()]

    async def updates(request: web.Request) -> Any:
        bot = actions.bot(request.query.get("token"))
        return {
            "webhook": bot.webhook.url if bot.webhook else None,
            "pending": [u for _, _, u in bot.updates],
        }

    async def file(request: web.Request) -> web.StreamResponse:
        rec = emu.world.files.by_id.get(request.match_info["file_id"])
        if rec is None:
            raise ControlError(404, "no such file_id")
        return web.Response(
            body=rec.data, content_type=rec.mime_type or "application/octet-stream"
        )

    async def health(request: web.Request) -> Any:
        return {"ok": True, "bots": len(emu.world.bots)}

    r = app.router
    routes: list[tuple[str, str, Route]] = [
        ("GET", "/control/health", health),
        ("POST", "/control/users", create_user),
        ("GET", "/control/users/{user_id}", get_user),
        ("POST", "/control/users/{user_id}/{kind}", user_action),
        ("POST", "/control/groups", add_group),
        ("GET", "/control/chats/{chat_id}/messages", chat_messages),
        ("GET", "/control/chats/{chat_id}/messages/{message_id}", chat_message),
        ("GET", "/control/chats/{chat_id}/keyboard", chat_keyboard),
        ("GET", "/control/callback-answers", callback_answers),
        ("GET", "/control/commands", commands),
        ("GET", "/control/violations", violations),
        ("POST", "/control/violations/reset", reset_violations),
        ("POST", "/control/limits", set_limits),
        ("POST", "/control/redelivery", set_redelivery),
        ("POST", "/control/faults", add_fault),
        ("GET", "/control/faults", list_faults),
        ("DELETE", "/control/faults", clear_faults),
        ("POST", "/control/faults/random", set_random_faults),
        ("GET", "/control/faults/random", get_random_faults),
        ("GET", "/control/stats", stats),
        ("POST", "/control/reset", reset),
        ("POST", "/control/bots", add_bot),
        ("GET", "/control/bots", list_bots),
        ("GET", "/control/updates", updates),
        ("GET", "/control/files/{file_id}", file),
    ]
    for verb, path, route in routes:
        r.add_route(verb, path, _wrap(route))
