"""Delivery of updates to a bot's webhook, in order, retrying with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

import aiohttp

from emulator.methods import Api
from emulator.objects import ApiError, Params, dumps
from emulator.state import BotState

log = logging.getLogger(__name__)


class WebhookDelivery:
    """One task per bot that POSTs queued updates while a webhook is set."""

    def __init__(self, api: Api, *, first_retry: float = 0.05, max_retry: float = 2.0) -> None:
        self.api = api
        self.first_retry = first_retry
        self.max_retry = max_retry
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None

    def watch(self, bot: BotState) -> None:
        """Start delivering for this bot (idempotent)."""
        task = self.tasks.get(bot.token)
        if task is None or task.done():
            self.tasks[bot.token] = asyncio.create_task(self._run(bot))

    async def close(self) -> None:
        """Stop every delivery task."""
        for task in self.tasks.values():
            task.cancel()
        for task in self.tasks.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.tasks.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self._session

    async def _run(self, bot: BotState) -> None:
        delay = self.first_retry
        while True:
            hook = bot.webhook
            if hook is None or not bot.updates:
                bot.webhook_wakeup.clear()
                await bot.webhook_wakeup.wait()
                continue
            update_id, _, update = bot.updates[0]
            headers = {"Content-Type": "application/json"}
            if hook.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
            error: str | None = None
            body = b""
            try:
                async with self._client().post(
                    hook.url, data=dumps(update), headers=headers
                ) as resp:
                    body = await resp.read()
                    if resp.status >= 300:
                        error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                error = f"Connection error: {exc.__class__.__name__}"
            if bot.webhook is not hook:
                continue
            if error is not None:
                hook.last_error_date = int(time.time())
                hook.last_error_message = error
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_retry)
                continue
            delay = self.first_retry
            hook.delivered += 1
            if bot.updates and bot.updates[0][0] == update_id:
                bot.updates.popleft()
            await self._reply_method(bot, body)

    async def _reply_method(self, bot: BotState, body: bytes) -> None:
        """A webhook may answer with a method call, which Telegram then performs."""
        if not body.startswith(b"{"):
            return
        try:
            payload = json.loads(body)
        except ValueError:
            return
        method = payload.pop("method", None) if isinstance(payload, dict) else None
        if not isinstance(method, str):
            return
        try:
            await self.api.call(bot, method.lower(), Params(payload))
        except ApiError as exc:
            log.info("method %s from a webhook reply failed: %s", method, exc.description)
