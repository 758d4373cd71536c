"""Webhook delivery: JSON POSTs with the secret header, retried until accepted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from emulator.client import ControlClient
from tests.emulator.conftest import BotApi


class Receiver:
    """A tiny webhook endpoint that can be told to fail."""

    def __init__(self) -> None:
        self.received: list[tuple[str | None, dict[str, Any]]] = []
        self.failures_left = 0
        self.arrived = asyncio.Event()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        if self.failures_left > 0:
            self.failures_left -= 1
            return web.Response(status=500)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.received.append((secret, await request.json()))
        self.arrived.set()
        return web.Response(text="ok")

    async def wait_for(self, count: int) -> None:
        while len(self.received) < count:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 10)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    rec.url = f"http://127.0.0.1:{port}/hook"
    yield rec
    await runner.cleanup()


async def test_delivery_with_secret_and_retries(
    api: BotApi, control: ControlClient, receiver: Receiver, user: int
) -> None:
    assert await api("setWebhook", url=receiver.url, secret_token="s3cret-Token_1")
    await receiver.wait_for(1)  # the /start that was pending
    receiver.failures_left = 2
    sent = await control.send_text(user, "经 webhook")
    await receiver.wait_for(2)
    secret, update = receiver.received[-1]
    assert secret == "s3cret-Token_1"
    assert update["update_id"] == sent["update_id"]
    assert update["message"]["text"] == "经 webhook"
    info = await api("getWebhookInfo")
    assert info["pending_update_count"] == 0
    assert info["last_error_message"].startswith("Wrong response from the webhook: 500")
    assert (await api.error("getUpdates"))["error_code"] == 409


async def test_pending_count_while_endpoint_down(
    api: BotApi, control: ControlClient, receiver: Receiver, user: int
) -> None:
    receiver.failures_left = 10_000
    assert await api("setWebhook", url=receiver.url, drop_pending_updates=True)
    await control.send_text(user, "a")
    await control.send_text(user, "b")
    info = await api("getWebhookInfo")
    assert info["pending_update_count"] == 2
    receiver.failures_left = 0
    await receiver.wait_for(2)
    assert [u["message"]["text"] for _, u in receiver.received] == ["a", "b"]
    assert receiver.received[0][0] is None


async def test_webhook_reply_may_carry_a_method(
    api: BotApi, control: ControlClient, user: int
) -> None:
    async def handle(request: web.Request) -> web.Response:
        update = await request.json()
        chat = update["message"]["chat"]["id"]
        return web.json_response({"method": "sendMessage", "chat_id": chat, "text": "直接回复"})

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        assert await api("setWebhook", url=f"http://127.0.0.1:{port}/hook")
        await control.send_text(user, "hi")
        reply = await control.wait_for_message(user, "直接回复")
        assert reply["from"]["is_bot"]
    finally:
        await runner.cleanup()
