"""A small Bot API client on httpx for the standalone reminder process.

It sends messages and photos paced to Telegram's limits (about 30 a second overall, one a
second per chat), waits out a 429's retry_after, retries server errors and timeouts with a
growing pause up to a bound, and reports a 403 as a blocked recipient. No
python-telegram-bot application is needed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bot.services.reminders import Delivered, Delivery, Outgoing

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    """Hands out send slots: under `rate` in any one second overall, one a second per chat.

    The overall limit is a sliding window over the moments slots were actually handed out
    (not a schedule booked ahead): a sender that stalls and wakes late cannot squeeze
    earlier bookings together. It leaves `headroom` messages of the limit unused and keeps
    three quarters of 1/rate between two slots: a second as the server counts it is then at
    most a second and one spacing of our slots, which holds at most `rate` messages, so
    requests that reach it up to 25 ms later than others (a busy event loop, the network)
    never make a 31st.
    """

    def __init__(
        self,
        rate: float = 30.0,
        per_chat: float = 1.0,
        *,
        headroom: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limit = max(1, int(rate) - headroom) if rate > 0 else 0
        self.spacing = 0.75 / rate if rate > 0 else 0.0
        self.chat_interval = 1.0 / per_chat if per_chat > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._recent: deque[float] = deque()
        self._held_until = 0.0
        self._chats: dict[int, float] = {}
        self._lock = asyncio.Lock()

    def _wait(self, now: float) -> float:
        """Seconds until the next slot may be handed out (0: now)."""
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        wait = self._held_until - now
        if self._recent:
            wait = max(wait, self._recent[-1] + self.spacing - now)
            if len(self._recent) >= self.limit:
                wait = max(wait, self._recent[0] + 1.0 - now)
        return wait

    async def slot(self, chat_id: int) -> None:
        """Wait until a message to `chat_id` may go out, and take the slot."""
        if self.limit == 0:
            return
        now = self.clock()
        # Per chat: book the chat's next turn, then wait for it outside the lock, so one
        # chat's pause does not hold up the others.
        turn = max(now, self._chats.get(chat_id, 0.0))
        self._chats[chat_id] = turn + self.chat_interval
        if len(self._chats) > 10_000:
            # Turns in the past constrain nothing; forget them to stay small.
            self._chats = {c: t for c, t in self._chats.items() if t > now}
        if turn > now:
            await self.sleep(turn - now)
        async with self._lock:
            while (wait := self._wait(self.clock())) > 0:
                await self.sleep(wait)
            self._recent.append(self.clock())

    def hold(self, seconds: float) -> None:
        """After a 429, keep every sender quiet for a while (the limit is per bot)."""
        self._held_until = max(self._held_until, self.clock() + seconds)


class ApiRefused(Exception):
    """The Bot API answered with an error that retrying will not fix."""


class BotApiClient:
    """sendMessage / sendPhoto / getMe over httpx, with pacing and bounded retries."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        rate: float = 30.0,
        max_attempts: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        max_retry_after: float = 60.0,
        timeout: float = 20.0,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.http = httpx.AsyncClient(
            base_url=f"{api_url.rstrip('/')}/bot{token}/",
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=32),
        )
        self.pacer = Pacer(rate, sleep=sleep)
        # A sender that just started cannot know what a predecessor sent in the last second
        # (a restart, a takeover): it waits that second out before its first message.
        self.pacer.hold(1.0)
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.username: str | None = None
        self.retries_after_429 = 0

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    async def call(
        self,
        method: str,
        data: dict[str, Any],
        files: dict[str, tuple[str, bytes, str]] | None = None,
        *,
        chat_id: int | None = None,
    ) -> Any:
        """Call a Bot API method; retries 429, 5xx and timeouts up to the bound."""
        problem = "no attempt made"
        for attempt in range(self.max_attempts):
            if chat_id is not None:
                await self.pacer.slot(chat_id)
            try:
                if files:
                    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
                    response = await self.http.post(method, data=form, files=files)
                else:
                    response = await self.http.post(method, json=data)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
                await self.sleep(min(self.max_backoff, self.backoff * 2**attempt))
                continue
            try:
                body = response.json()
            except ValueError:
                body = {}
            if response.status_code == 200 and body.get("ok"):
                return body.get("result")
            description = str(body.get("description") or response.reason_phrase)
            if response.status_code == 429:
                wait = float((body.get("parameters") or {}).get("retry_after", 1))
                self.retries_after_429 += 1
                if wait > self.max_retry_after:
                    raise ApiRefused(f"429 with retry_after {wait:g}s, more than we wait")
                self.pacer.hold(wait)
                problem = f"429: {description}"
                continue
            if response.status_code >= 500:
                problem = f"{response.status_code}: {description}"
                await self.sleep(min(self.max_backoff, self.backoff * 2**attempt))
                continue
            raise _refusal(response.status_code, description)
        raise ApiRefused(f"gave up after {self.max_attempts} attempts ({problem})")

    async def get_me(self) -> dict[str, Any]:
        """The bot's own user; remembers its username for deep links."""
        me: dict[str, Any] = await self.call("getMe", {})
        self.username = me.get("username")
        return me

    def visit_link(self, household_id: int) -> str | None:
        """A t.me deep link that opens /visit for a household."""
        if not self.username:
            return None
        return f"https://t.me/{self.username}?start=visit_{household_id}"

    async def send(self, message: Outgoing) -> Delivered:
        """Send a reminder; a 403 is a blocked recipient, other refusals a failure."""
        data: dict[str, Any] = {"chat_id": message.chat_id, "parse_mode": "HTML"}
        if message.buttons:
            data["reply_markup"] = {
                "inline_keyboard": [[{"text": b.label, "url": b.url}] for b in message.buttons]
            }
        try:
            if message.photo is not None:
                data["caption"] = message.text
                files = {"photo": ("chart.png", message.photo, "image/png")}
                await self.call("sendPhoto", data, files, chat_id=message.chat_id)
            else:
                data["text"] = message.text
                await self.call("sendMessage", data, chat_id=message.chat_id)
        except Blocked as exc:
            return Delivered(Delivery.BLOCKED, str(exc))
        except ApiRefused as exc:
            log.warning("a reminder to chat %s failed: %s", message.chat_id, exc)
            return Delivered(Delivery.FAILED, str(exc))
        return Delivered(Delivery.SENT)


class Blocked(ApiRefused):
    """403: the user blocked the bot or deleted the account."""


def _refusal(status: int, description: str) -> ApiRefused:
    if status == 403:
        return Blocked(f"403: {description}")
    return ApiRefused(f"{status}: {description}")
