"""The standalone Bot API client: pacing, 429, retries with a bound, 403 as blocked."""

from __future__ import annotations

import asyncio
import bisect
import itertools
import json
import random

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


class SteppedTime:
    """A clock stepped by the test, with a stall now and then: sleepers wake when it passes
    their time, and all those whose time fell inside a stall wake together, late."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waiting: list[tuple[float, asyncio.Future[None]]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append((self.now + seconds, future))
        await future

    async def run(self, steps: int, rng: random.Random) -> None:
        for _ in range(steps):
            for _ in range(20):  # let woken senders take their slots before time moves
                await asyncio.sleep(0)
            self.now += 0.15 if rng.random() < 0.003 else 0.005
            due = [w for w in self.waiting if w[0] <= self.now]
            self.waiting = [w for w in self.waiting if w[0] > self.now]
            for _, future in due:
                future.set_result(None)


async def test_a_stalled_sender_stays_within_30_a_second_as_the_server_sees_it() -> None:
    time = SteppedTime()
    rng = random.Random(7)
    pacer = Pacer(30.0, clock=time.clock, sleep=time.sleep)
    slots: list[float] = []

    async def sender(chats: range) -> None:
        for chat in chats:
            await pacer.slot(chat)
            slots.append(time.now)

    senders = asyncio.gather(*(sender(range(n * 100, n * 100 + 40)) for n in range(8)))
    await time.run(4000, rng)
    await senders
    assert len(slots) == 320
    # Each request reaches the server up to 25 ms late, in any order.
    arrivals = sorted(t + rng.uniform(0.0, 0.025) for t in slots)
    busiest = max(bisect.bisect_left(arrivals, t + 1.0) - i for i, t in enumerate(arrivals))
    assert busiest <= 30
    # and the pace stays close to the limit despite the stalls (about 8 % of the time here).
    assert len(slots) / (slots[-1] - slots[0]) > 27
