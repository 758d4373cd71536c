"""An async client for the emulator's control API, used by tests, benchmarks and the sandbox."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import httpx

JSON = dict[str, Any]
Predicate = Callable[[JSON], bool]


class ControlError(Exception):
    """The control API refused a request."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


def _drop_none(fields: dict[str, Any]) -> JSON:
    return {k: v for k, v in fields.items() if v is not None}


class ControlClient:
    """Drive simulated users and inspect what the bot did."""

    def __init__(self, control_url: str, *, token: str | None = None, timeout: float = 30.0):
        self.control_url = control_url.rstrip("/")
        self.token = token
        self.http = httpx.AsyncClient(base_url=self.control_url, timeout=timeout)

    async def __aenter__(self) -> ControlClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self.http.aclose()

    async def _call(
        self,
        verb: str,
        path: str,
        *,
        json: JSON | None = None,
        params: JSON | None = None,
        files: Any = None,
        data: Any = None,
    ) -> Any:
        if self.token is not None:
            if json is not None and files is None:
                json = {"token": self.token, **json}
            if data is not None:
                data = {"token": self.token, **data}
            params = {"token": self.token, **(params or {})}
        resp = await self.http.request(
            verb, path, json=json, params=_drop_none(params or {}), files=files, data=data
        )
        if resp.status_code >= 400:
            try:
                message = resp.json().get("error", resp.text)
            except ValueError:
                message = resp.text
            raise ControlError(resp.status_code, message)
        if resp.headers.get("content-type", "").startswith("application/json"):
            return resp.json()
        return resp.content

    async def _upload(self, kind: str, user_id: int, data: bytes, fields: JSON) -> JSON:
        form = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in fields.items()}
        filename = fields.get("filename") or f"{kind}.bin"
        mime = fields.get("mime_type") or "application/octet-stream"
        files = {"file": (filename, data, mime)}
        result: JSON = await self._call(
            "POST", f"/users/{user_id}/{kind}", files=files, data=_drop_none(form)
        )
        return result

    # ------------------------------------------------------------ users and their messages

    async def create_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "zh-hans",
        phone: str | None = None,
        *,
        hide_forwards: bool = False,
    ) -> JSON:
        """Create (or replace) a simulated user."""
        body = _drop_none(
            {
                "user_id": user_id,
                "first_name": first_name,
                "last_name": last_name,
                "username": username,
                "language_code": language_code,
                "phone": phone,
                "hide_forwards": hide_forwards,
            }
        )
        result: JSON = await self._call("POST", "/users", json=body)
        return result

    async def _act(self, user_id: int, kind: str, body: JSON) -> JSON:
        result: JSON = await self._call("POST", f"/users/{user_id}/{kind}", json=_drop_none(body))
        return result

    async def send_text(
        self, user_id: int, text: str, *, date: int | None = None, chat_id: int | None = None
    ) -> JSON:
        """The user sends a text message."""
        return await self._act(user_id, "text", {"text": text, "date": date, "chat_id": chat_id})

    async def send_command(
        self, user_id: int, command: str, args: str = "", *, date: int | None = None
    ) -> JSON:
        """The user sends /command [args] with a bot_command entity."""
        return await self._act(
            user_id, "command", {"command": command, "args": args, "date": date}
        )

    async def send_contact(
        self,
        user_id: int,
        phone: str,
        *,
        own: bool = True,
        contact_user_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        date: int | None = None,
    ) -> JSON:
        """The user shares a contact: their own (user_id set) or someone else's."""
        body = {
            "phone": phone,
            "own": own,
            "contact_user_id": contact_user_id,
            "first_name": first_name,
            "last_name": last_name,
            "date": date,
        }
        return await self._act(user_id, "contact", body)

    async def send_location(
        self,
        user_id: int,
        lat: float,
        lon: float,
        *,
        horizontal_accuracy: float | None = None,
        live_period: int | None = None,
        forwarded: bool = False,
        forward_from_user_id: int | None = None,
        date: int | None = None,
    ) -> JSON:
        """The user sends a location (live when live_period is given)."""
        body = {
            "latitude": lat,
            "longitude": lon,
            "horizontal_accuracy": horizontal_accuracy,
            "live_period": live_period,
            "forwarded": forwarded or None,
            "forward_from_user_id": forward_from_user_id,
            "date": date,
        }
        return await self._act(user_id, "location", body)

    async def update_live_location(
        self,
        user_id: int,
        message_id: int,
        lat: float,
        lon: float,
        *,
        horizontal_accuracy: float | None = None,
    ) -> JSON:
        """A live location the user shared moves (an edited_message update)."""
        body = {
            "message_id": message_id,
            "latitude": lat,
            "longitude": lon,
            "horizontal_accuracy": horizontal_accuracy,
        }
        return await self._act(user_id, "live", body)

    async def send_venue(
        self,
        user_id: int,
        lat: float,
        lon: float,
        title: str,
        address: str,
        *,
        date: int | None = None,
    ) -> JSON:
        """The user sends a venue."""
        body = {"latitude": lat, "longitude": lon, "title": title, "address": address}
        return await self._act(user_id, "venue", {**body, "date": date})

    async def send_photo(
        self,
        user_id: int,
        data: bytes,
        caption: str | None = None,
        forwarded: bool = False,
        *,
        date: int | None = None,
        forward_from_user_id: int | None = None,
    ) -> JSON:
        """The user sends a compressed photo."""
        fields = _drop_none(
            {
                "caption": caption,
                "forwarded": forwarded or None,
                "forward_from_user_id": forward_from_user_id,
                "date": date,
                "filename": "photo.jpg",
                "mime_type": "image/jpeg",
            }
        )
        return await self._upload("photo", user_id, data, fields)

    async def send_document(
        self,
        user_id: int,
        data: bytes,
        filename: str,
        mime_type: str,
        caption: str | None = None,
        *,
        date: int | None = None,
    ) -> JSON:
        """The user sends a file uncompressed."""
        fields = _drop_none(
            {"filename": filename, "mime_type": mime_type, "caption": caption, "date": date}
        )
        return await self._upload("document", user_id, data, fields)

    async def send_voice(
        self, user_id: int, data: bytes, duration: int, *, date: int | None = None
    ) -> JSON:
        """The user sends a voice note."""
        fields = _drop_none(
            {"duration": duration, "date": date, "filename": "voice.ogg", "mime_type": "audio/ogg"}
        )
        return await self._upload("voice", user_id, data, fields)

    async def forward(self, user_id: int, from_chat_id: int, message_id: int) -> JSON:
        """The user forwards a message of another chat into the chat with the bot."""
        body = {"from_chat_id": from_chat_id, "message_id": message_id}
        return await self._act(user_id, "forward", body)

    async def press_button(
        self,
        user_id: int,
        message_id: int | None,
        callback_data: str | None = None,
        *,
        text: str | None = None,
        button: int | None = None,
        force: bool = False,
    ) -> str:
        """Press an inline button by callback_data, text or 1-based position; returns the
        callback query id. Without message_id: the bot's newest message with buttons."""
        body = {
            "message_id": message_id,
            "callback_data": callback_data,
            "text": text,
            "button": button,
            "force": force or None,
        }
        result = await self._act(user_id, "press", body)
        return str(result["callback_query_id"])

    async def press_keyboard(
        self, user_id: int, text: str, *, lat: float | None = None, lon: float | None = None
    ) -> JSON:
        """Press a reply-keyboard button (contact and location buttons share them)."""
        return await self._act(
            user_id, "keyboard", {"text": text, "latitude": lat, "longitude": lon}
        )

    # ------------------------------------------------------------ what the bot did

    async def chat(self, chat_id: int, **query: Any) -> JSON:
        """Raw chat listing (messages plus version counters)."""
        result: JSON = await self._call("GET", f"/chats/{chat_id}/messages", params=query)
        return result

    async def messages(
        self,
        chat_id: int,
        *,
        who: str = "bot",
        after: int | str | None = None,
        wait: float | None = None,
    ) -> list[JSON]:
        """Messages the chat received from the bot, with edit history and deleted flag.

        `wait` first waits up to that many seconds for the bot to answer the user's last
        message or button press; `after` (a message id or "last_user") keeps newer ones only.
        """
        result = await self.chat(chat_id, who=who, after=after, wait=wait)
        messages: list[JSON] = result["messages"]
        return messages

    async def wait_answer(self, chat_id: int, timeout: float = 10) -> bool:  # noqa: ASYNC109
        """Wait until the bot answered the user's last action in the chat; False on timeout."""
        result = await self.chat(chat_id, wait=timeout, after="last_user")
        return bool(result.get("answered", True))

    async def wait_for_message(
        self,
        chat_id: int,
        predicate_or_text: Predicate | str,
        timeout: float = 10,  # noqa: ASYNC109 - a deadline for the whole poll loop
        *,
        after_message_id: int | None = None,
    ) -> JSON:
        """Wait for a bot message (newer than the user's last one by default) that matches."""
        match: Predicate
        if isinstance(predicate_or_text, str):
            needle = predicate_or_text

            def match(m: JSON) -> bool:
                return needle in str(m.get("text", m.get("caption", "")))
        else:
            match = predicate_or_text
        deadline = time.monotonic() + timeout
        after: Any = after_message_id if after_message_id is not None else "last_user"
        version: int | None = None
        seen: list[JSON] = []
        while True:
            left = deadline - time.monotonic()
            query: JSON = {"after": after, "who": "bot"}
            if version is not None:
                query.update(since_version=version, timeout=round(max(min(left, 5.0), 0), 3))
            result = await self.chat(chat_id, **query)
            if after == "last_user":
                after = result.get("after")
            version = result["version"]
            seen = result["messages"]
            for m in seen:
                if not m.get("deleted") and match(m):
                    return m
            if time.monotonic() >= deadline:
                texts = [m.get("text", m.get("caption", "<media>")) for m in seen]
                raise TimeoutError(
                    f"no matching bot message in chat {chat_id} within {timeout}s; got {texts}"
                )
            if version is None:
                await asyncio.sleep(0.01)

    async def callback_answers(
        self,
        user_id: int | None = None,
        callback_query_id: str | None = None,
        *,
        wait: float | None = None,
    ) -> list[JSON]:
        """answerCallbackQuery calls the bot made (`wait`: up to S seconds for the query's)."""
        params = {"user_id": user_id, "callback_query_id": callback_query_id, "wait": wait}
        result: list[JSON] = await self._call("GET", "/callback-answers", params=params)
        return result

    async def commands(
        self,
        *,
        chat_id: int | None = None,
        scope: str | None = None,
        language_code: str = "",
    ) -> list[JSON]:
        """The bot's command menu for a scope, or as a chat would see it."""
        params = {"chat_id": chat_id, "scope": scope, "language_code": language_code}
        result = await self._call("GET", "/commands", params=params)
        commands: list[JSON] = result["commands"]
        return commands

    async def reply_keyboard(self, chat_id: int) -> JSON | None:
        """The reply keyboard the chat currently shows."""
        result = await self._call("GET", f"/chats/{chat_id}/keyboard")
        keyboard: JSON | None = result["reply_keyboard"]
        return keyboard

    async def file(self, file_id: str) -> bytes:
        """Raw bytes of any stored file."""
        data: bytes = await self._call("GET", f"/files/{file_id}")
        return data

    # ------------------------------------------------------------ limits, faults, bookkeeping

    async def violations(self) -> JSON:
        """Recorded flood-limit violations and their counts per rule."""
        result: JSON = await self._call("GET", "/violations")
        return result

    async def reset_violations(self) -> None:
        """Forget recorded violations."""
        await self._call("POST", "/violations/reset", json={})

    async def set_limits(self, *, enforce: bool) -> None:
        """Answer 429 on flood (enforce=True) or only record violations."""
        await self._call("POST", "/limits", json={"enforce": enforce})

    async def set_redelivery(self, *, on: bool) -> None:
        """Deliver every update twice, some out of order, as a retrying webhook would."""
        await self._call("POST", "/redelivery", json={"on": on})

    async def set_fault(
        self,
        kind: str,
        *,
        method: str | None = None,
        count: int | None = None,
        duration: float | None = None,
        retry_after: int | None = None,
        delay_ms: int | None = None,
        user_id: int | None = None,
    ) -> JSON:
        """Inject a fault: '429', '500', '502', 'delay', 'reset' or 'blocked'."""
        body = {
            "kind": kind,
            "method": method,
            "count": count,
            "duration": duration,
            "retry_after": retry_after,
            "delay_ms": delay_ms,
            "user_id": user_id,
        }
        result: JSON = await self._call("POST", "/faults", json=_drop_none(body))
        return result

    async def clear_faults(self) -> None:
        """Remove all faults."""
        await self._call("DELETE", "/faults")

    async def set_random_faults(
        self,
        rate: float,
        *,
        seed: int = 0,
        kinds: list[str] | None = None,
        retry_after: int = 1,
        delay_ms: int = 6000,
        skip_methods: list[str] | None = None,
    ) -> JSON:
        """Fail a seeded share of the bot's calls: 429, 500, 502, timeout and reset."""
        body = {
            "rate": rate,
            "seed": seed,
            "kinds": kinds,
            "retry_after": retry_after,
            "delay_ms": delay_ms,
            "skip_methods": skip_methods,
        }
        result: JSON = await self._call("POST", "/faults/random", json=_drop_none(body))
        return result

    async def random_faults(self) -> JSON | None:
        """The random fault setting and how many of each kind it injected."""
        result: JSON | None = await self._call("GET", "/faults/random")
        return result

    async def add_group(self, chat_id: int, title: str, *, kind: str = "group") -> JSON:
        """Make a group chat the bot is in."""
        body = {"chat_id": chat_id, "title": title, "type": kind}
        result: JSON = await self._call("POST", "/groups", json=body)
        return result

    async def stats(self) -> JSON:
        """Request counts per method and status."""
        result: JSON = await self._call("GET", "/stats")
        return result

    async def reset(self) -> None:
        """Forget users, chats, files, faults, violations and statistics."""
        await self._call("POST", "/reset", json={})
