"""Every Bot API call of the bot passes here: paced under the flood limits, retried with a bound.

python-telegram-bot's `AIORateLimiter` paces calls and waits out a 429's `retry_after`
(holding every other call back meanwhile), but a 500, a 502, a dropped connection or a
timeout reach the handler as an error and the user's reply is lost. Here those are retried
too, each retry queued through the same limiter so that recovering never bursts past
Telegram's limits. What a retry may do twice is decided per kind of call
(docs/reliability.md):

* sends (`send*`, `forward*`, `copy*`): at least once. After a timeout or a connection lost
  mid-request the message may have arrived; it is sent again, because a lost reply leaves a
  helper waiting with nothing to act on, while a repeated one is visibly harmless.
* `answerCallbackQuery`: at most one answer exists; when a retry after an uncertain attempt
  is refused as already answered or expired, the first attempt is taken as done.
* everything else (edits, deletions, commands, getters): repeating is harmless; an edit
  retried after it took effect is refused as "not modified", which `handlers/edits` treats
  as done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

from bot.transport import ConnectionLost

log = logging.getLogger(__name__)
# A Bot API result as python-telegram-bot hands it to a rate limiter (its alias is private).
JSONDict = dict[str, Any]

ATTEMPTS = 6
BACKOFF = 0.25
MAX_BACKOFF = 4.0
_ANSWERED = "query is too old"


def uncertain(error: Exception) -> bool:
    """Whether the call may have taken effect although it failed (no answer came back)."""
    return isinstance(error, TimedOut | ConnectionLost)


def retryable(error: Exception) -> bool:
    """Whether trying again can help: server errors and transport trouble, not refusals."""
    # BadRequest, Forbidden, InvalidToken, Conflict, ChatMigrated are NetworkError subclasses
    # or siblings that say the call itself is wrong; repeating it only repeats the refusal.
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter that also retries server errors, lost connections and timeouts."""

    def __init__(
        self,
        *,
        overall_max_rate: float,
        group_max_rate: float,
        max_retries: int = 3,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF,
        max_backoff: float = MAX_BACKOFF,
    ) -> None:
        super().__init__(
            overall_max_rate=overall_max_rate,
            group_max_rate=group_max_rate,
            max_retries=max_retries,
        )
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.retried = 0

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Run one call through the limiter; retry what can be retried, up to the bound."""
        maybe_done = False
        for attempt in range(self.attempts):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest as error:
                if maybe_done and endpoint == "answerCallbackQuery" and _answered(error):
                    return True
                raise
            except NetworkError as error:
                if not retryable(error) or attempt == self.attempts - 1:
                    raise
                maybe_done = maybe_done or uncertain(error)
                self.retried += 1
                pause = min(self.max_backoff, self.backoff * 2**attempt)
                log.info("%s failed (%s); retry %d in %.2fs", endpoint, error, attempt + 1, pause)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable: the last attempt returns or raises")


def _answered(error: BadRequest) -> bool:
    return _ANSWERED in error.message.lower()
