"""Injected faults and flood-limit accounting."""

from __future__ import annotations

import httpx
import pytest

from emulator import Emulator
from emulator.client import ControlClient, ControlError
from emulator.limits import RateLimiter
from tests.emulator.conftest import BotApi


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rules_with_a_stepped_clock() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    # Private chat: a burst of three, then one a second.
    for _ in range(3):
        assert limiter.check("t", 1, 10, True, "sendMessage") is None
    limiter.check("t", 1, 10, True, "sendMessage")
    assert limiter.counts["private_1_per_second"] == 1
    clock.now += 1.0
    limiter.check("t", 1, 10, True, "sendMessage")
    assert limiter.counts["private_1_per_second"] == 1
    for _ in range(20):
        clock.now += 1.0
        limiter.check("t", 1, 10, True, "sendMessage")
    assert limiter.counts["private_1_per_second"] == 1
    # Sustained two a second: once the burst is spent, every other message breaks the rule.
    for _ in range(10):
        clock.now += 0.5
        limiter.check("t", 1, 11, True, "sendMessage")
    assert limiter.counts["private_1_per_second"] == 1 + 3
    # Global: 30 a second across chats; a new second starts afresh.
    limiter.reset()
    for chat in range(31):
        limiter.check("t", 1, 100 + chat, True, "sendMessage")
    assert limiter.counts["global_30_per_second"] == 1
    clock.now += 1.0
    for chat in range(30):
        limiter.check("t", 1, 200 + chat, True, "sendMessage")
    assert limiter.counts["global_30_per_second"] == 1
    assert limiter.check("other-bot", 2, 1, True, "sendMessage") is None
    # Groups: 20 a minute.
    for _ in range(21):
        clock.now += 2.0
        limiter.check("t", 1, -5, False, "sendMessage")
    assert limiter.counts["group_20_per_minute"] == 1
    clock.now += 60.0
    limiter.check("t", 1, -5, False, "sendMessage")
    assert limiter.counts["group_20_per_minute"] == 1


def test_enforcing_refuses_with_retry_after() -> None:
    clock = FakeClock()
    limiter = RateLimiter(enforce=True, clock=clock)
    assert [limiter.check("t", 1, 10, True, "sendMessage") for _ in range(4)] == [
        None, None, None, 1
    ]  # fmt: skip
    clock.now += 1.0
    assert limiter.check("t", 1, 10, True, "sendMessage") is None


async def test_429_500_502_and_counts(api: BotApi, control: ControlClient, user: int) -> None:
    await control.set_fault("429", method="sendMessage", count=2, retry_after=3)
    for _ in range(2):
        err = await api.error("sendMessage", chat_id=user, text="x")
        assert err == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        }
    assert await api("sendMessage", chat_id=user, text="x")
    assert await api("getMe")
    await control.set_fault("500", count=1)
    assert (await api.error("getMe"))["error_code"] == 500
    await control.set_fault("502", count=1)
    resp = await api.raw("getMe")
    assert resp.status_code == 502
    await control.set_fault("500", duration=60)
    assert (await api.error("getMe"))["error_code"] == 500
    await control.clear_faults()
    assert await api("getMe")
    stats = await control.stats()
    assert stats["by_status"]["429"] == 2 and stats["by_method"]["sendMessage"] == 3


async def test_blocked_delay_and_reset(api: BotApi, control: ControlClient, user: int) -> None:
    await control.create_user(3, "旁人")
    await control.send_text(3, "hi")
    await control.set_fault("blocked", user_id=user)
    err = await api.error("sendMessage", chat_id=user, text="x")
    assert err["error_code"] == 403
    assert err["description"] == "Forbidden: bot was blocked by the user"
    assert await api("sendMessage", chat_id=3, text="x")
    await control.clear_faults()
    await control.set_fault("delay", method="getMe", delay_ms=50, count=1)
    assert await api("getMe")
    await control.set_fault("reset", method="getMe", count=1)
    with pytest.raises(httpx.TransportError):
        await api.raw("getMe")
    assert await api("getMe")


async def test_bad_fault_spec(control: ControlClient) -> None:
    with pytest.raises(ControlError) as caught:
        await control.set_fault("explode")
    assert caught.value.status == 400
    with pytest.raises(ControlError):
        await control.set_fault("blocked")


async def test_private_chat_flood_is_recorded(
    emu: Emulator, api: BotApi, control: ControlClient, user: int
) -> None:
    emu.limiter.clock = FakeClock()
    for i in range(6):
        await api("sendMessage", chat_id=user, text=f"{i}")
    report = await control.violations()
    # Three messages fit the burst; with the clock frozen the other three break the rule.
    assert report["counts"]["private_1_per_second"] == 3
    record = report["violations"][0]
    assert record["chat_id"] == user and record["method"] == "sendMessage"
    assert record["rule"] == "private_1_per_second"
    await control.reset_violations()
    assert (await control.violations())["total"] == 0


async def test_global_and_group_limits(emu: Emulator, api: BotApi, control: ControlClient) -> None:
    emu.limiter.clock = FakeClock()
    for uid in range(100, 140):
        await control.create_user(uid, f"u{uid}")
        await control.send_text(uid, "hi")
    for uid in range(100, 140):
        await api("sendMessage", chat_id=uid, text="notice")
    counts = (await control.violations())["counts"]
    assert counts["global_30_per_second"] == 10 and counts["private_1_per_second"] == 0
    await control.add_group(-100500, "村干部群")
    emu.limiter.reset()
    for i in range(21):
        await api("sendMessage", chat_id=-100500, text=f"{i}")
    counts = (await control.violations())["counts"]
    assert counts["group_20_per_minute"] == 1


async def test_enforced_limits_answer_429(
    emu: Emulator, api: BotApi, control: ControlClient, user: int
) -> None:
    emu.limiter.clock = FakeClock()
    await control.set_limits(enforce=True)
    results = [await api.raw("sendMessage", chat_id=user, text="x") for _ in range(5)]
    refused = [r.json() for r in results if r.status_code == 429]
    assert refused and refused[0]["parameters"]["retry_after"] >= 1
    assert sum(1 for r in results if r.status_code == 200) == 3
    assert len(await control.messages(user)) == 3
