"""The bot's retry policy per kind of Bot API call, on a scripted flaky callback."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.sending import RetryingRateLimiter
from bot.transport import ConnectionLost


class Flaky:
    """A Bot API call that fails with the scripted errors first, then succeeds."""

    def __init__(self, *errors: Exception, result: Any = None) -> None:
        self.errors = list(errors)
        self.calls = 0
        self.result = {"ok": True} if result is None else result

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.result


def _limiter(attempts: int = 4) -> RetryingRateLimiter:
    limiter = RetryingRateLimiter(
        overall_max_rate=0, group_max_rate=0, max_retries=2, attempts=attempts, backoff=0.0
    )
    return limiter


async def _run(limiter: RetryingRateLimiter, call: Flaky, endpoint: str) -> Any:
    return await limiter.process_request(call, (), {}, endpoint, {"chat_id": 5}, None)


@pytest.mark.parametrize(
    "error",
    [
        NetworkError("Internal Server Error"),
        NetworkError("Bad Gateway (502)"),
        TimedOut(),
        ConnectionLost("aiohttp.ServerDisconnectedError"),
    ],
)
async def test_a_send_is_retried_until_it_goes_through(error: Exception) -> None:
    call = Flaky(error, error)
    assert await _run(_limiter(), call, "sendMessage") == {"ok": True}
    assert call.calls == 3


async def test_a_429_waits_and_is_retried() -> None:
    call = Flaky(RetryAfter(0))
    assert await _run(_limiter(), call, "sendMessage") == {"ok": True}
    assert call.calls == 2


@pytest.mark.parametrize("error", [BadRequest("chat not found"), Forbidden("blocked")])
async def test_a_refusal_is_not_repeated(error: Exception) -> None:
    call = Flaky(error)
    with pytest.raises(type(error)):
        await _run(_limiter(), call, "sendMessage")
    assert call.calls == 1


async def test_retries_are_bounded() -> None:
    call = Flaky(*[NetworkError("Internal Server Error")] * 10)
    with pytest.raises(NetworkError):
        await _run(_limiter(attempts=3), call, "sendMessage")
    assert call.calls == 3


async def test_a_callback_answer_that_may_have_arrived_counts_as_done() -> None:
    call = Flaky(TimedOut(), BadRequest("Query is too old and response timeout expired"))
    assert await _run(_limiter(), call, "answerCallbackQuery") is True


async def test_an_expired_callback_is_still_reported_when_nothing_was_sent_before() -> None:
    call = Flaky(BadRequest("Query is too old and response timeout expired"))
    with pytest.raises(BadRequest):
        await _run(_limiter(), call, "answerCallbackQuery")


def test_the_transport_takes_a_timeout_given_and_its_own_default_for_ptbs_unset_mark() -> None:
    from telegram.request import BaseRequest

    from bot.transport import _given

    assert _given(BaseRequest.DEFAULT_NONE, 3.0) == 3.0
    assert _given(BaseRequest.DEFAULT_NONE, None) is None
    assert _given(None, 3.0) is None
    assert _given(7, 3.0) == 7
    assert _given(0.5, 3.0) == 0.5
