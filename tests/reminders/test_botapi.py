"""The standalone Bot API client: pacing, 429, retries with a bound, 403 as blocked."""

from __future__ import annotations

import itertools
import json

import httpx

from bot.botapi import BotApiClient, Pacer
from bot.services.reminders import Button, Delivery, Outgoing


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _client(
    answers: list[tuple[int, dict[str, object]]], time: FakeTime
) -> tuple[BotApiClient, list[dict[str, object]]]:
    seen: list[dict[str, object]] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content) if request.content else {})
        status, body = answers.pop(0) if answers else (200, {"ok": True, "result": {}})
        return httpx.Response(status, json=body)

    client = BotApiClient(
        "http://api.test",
        "1:T",
        sleep=time.sleep,
        transport=httpx.MockTransport(reply),
        max_attempts=3,
    )
    client.pacer = Pacer(30.0, clock=time.clock, sleep=time.sleep)
    return client, seen


MESSAGE = Outgoing(42, "<b>hi</b>", (Button("go", "https://t.me/b?start=visit_1"),))
OK = (200, {"ok": True, "result": {"message_id": 1}})


async def test_a_429_waits_retry_after_then_sends() -> None:
    time = FakeTime()
    client, seen = _client(
        [(429, {"ok": False, "description": "Too Many", "parameters": {"retry_after": 3}}), OK],
        time,
    )
    delivered = await client.send(MESSAGE)
    assert delivered.delivery == Delivery.SENT
    assert len(seen) == 2 and sum(time.slept) >= 3
    assert seen[1]["reply_markup"] == {
        "inline_keyboard": [[{"text": "go", "url": "https://t.me/b?start=visit_1"}]]
    }
    await client.aclose()


async def test_server_errors_are_retried_with_growing_pauses_up_to_a_bound() -> None:
    time = FakeTime()
    failing = (502, {"ok": False, "description": "Bad Gateway"})
    client, seen = _client([failing, failing, failing, OK], time)
    delivered = await client.send(MESSAGE)
    assert delivered.delivery == Delivery.FAILED and "3 attempts" in (delivered.detail or "")
    assert len(seen) == 3
    backoffs = [s for s in time.slept if s >= 0.5]
    assert backoffs == sorted(backoffs) and backoffs[-1] > backoffs[0]
    await client.aclose()


async def test_403_is_blocked_and_400_is_failed_without_retry() -> None:
    time = FakeTime()
    forbidden = (403, {"ok": False, "description": "Forbidden: bot was blocked by the user"})
    client, seen = _client([forbidden, (400, {"ok": False, "description": "Bad Request"})], time)
    assert (await client.send(MESSAGE)).delivery == Delivery.BLOCKED
    assert (await client.send(MESSAGE)).delivery == Delivery.FAILED
    assert len(seen) == 2
    await client.aclose()


async def test_timeouts_are_retried() -> None:
    time = FakeTime()
    calls = 0

    def flaky(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"ok": True, "result": {}})

    client = BotApiClient(
        "http://api.test", "1:T", sleep=time.sleep, transport=httpx.MockTransport(flaky)
    )
    assert (await client.send(MESSAGE)).delivery == Delivery.SENT
    assert calls == 2
    await client.aclose()


async def test_pacing_keeps_30_a_second_overall_and_1_a_second_per_chat() -> None:
    time = FakeTime()
    pacer = Pacer(30.0, clock=time.clock, sleep=time.sleep)
    stamps: list[tuple[int, float]] = []

    async def send(chat: int) -> None:
        await pacer.slot(chat)
        stamps.append((chat, time.now))

    for chat in [1, 2, 3] * 3 + list(range(10, 70)):
        await send(chat)
    times = [t for _, t in stamps]
    busiest = max(sum(start <= t < start + 1 for t in times) for start in times)
    assert 29 <= busiest <= 30
    for chat in (1, 2, 3):
        mine = [t for c, t in stamps if c == chat]
        assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(mine))
