"""Accounting of Telegram's flood limits.

Rules, per bot token:

* ``global_30_per_second``: a message that is the 31st or later sent by the bot within
  any sliding window of one second, across all chats.
* ``private_1_per_second``: one token bucket per private chat, holding at most
  ``PRIVATE_BURST`` (3) messages and refilled at one message a second; a message
  that finds fewer than one token in the bucket is a violation.
* ``group_20_per_minute``: a message that is the 21st or later sent into one group
  chat within any sliding window of sixty seconds.

A message counts when a bot sends it (``send*``, ``forwardMessage``, ``copyMessage``);
edits, deletions and callback answers do not. By default violations are only
recorded; with ``enforce`` on, the emulator answers 429 with ``retry_after`` and
the message is not sent, as Telegram does.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

GLOBAL_PER_SECOND = 30
PRIVATE_RATE = 1.0
PRIVATE_BURST = 3.0
GROUP_PER_MINUTE = 20
MAX_RECORDS = 10_000

RULE_GLOBAL = "global_30_per_second"
RULE_PRIVATE = "private_1_per_second"
RULE_GROUP = "group_20_per_minute"


class RateLimiter:
    """Per-bot flood accounting; O(1) amortised per message."""

    def __init__(
        self, *, enforce: bool = False, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.enforce = enforce
        # Injectable so that tests can freeze or step time.
        self.clock = clock
        self.counts: dict[str, int] = {RULE_GLOBAL: 0, RULE_PRIVATE: 0, RULE_GROUP: 0}
        # (rule, bot_id, chat_id, method, time, refused): tuples keep flooding cheap.
        self.records: deque[tuple[str, int, int, str, float, bool]] = deque(maxlen=MAX_RECORDS)
        self._global: dict[str, deque[float]] = {}
        self._buckets: dict[tuple[str, int], tuple[float, float]] = {}
        self._groups: dict[tuple[str, int], deque[float]] = {}

    def reset(self) -> None:
        """Forget violations and all windows."""
        self.__init__(enforce=self.enforce, clock=self.clock)  # type: ignore[misc]

    def reset_violations(self) -> None:
        """Forget recorded violations, keeping the windows."""
        self.counts = dict.fromkeys(self.counts, 0)
        self.records.clear()

    def check(
        self, token: str, bot_id: int, chat_id: int, private: bool, method: str
    ) -> int | None:
        """Account one message; returns retry_after when enforcing and it must be refused."""
        now = self.clock()
        broken: list[tuple[str, float]] = []

        window = self._global.get(token)
        if window is None:
            window = self._global[token] = deque()
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= GLOBAL_PER_SECOND:
            broken.append((RULE_GLOBAL, 1.0 - (now - window[0])))

        key = (token, chat_id)
        tokens = PRIVATE_BURST
        group_window: deque[float] | None = None
        if private:
            tokens, last = self._buckets.get(key, (PRIVATE_BURST, now))
            tokens = min(PRIVATE_BURST, tokens + (now - last) * PRIVATE_RATE)
            if tokens < 1.0:
                broken.append((RULE_PRIVATE, (1.0 - tokens) / PRIVATE_RATE))
        else:
            group_window = self._groups.get(key)
            if group_window is None:
                group_window = self._groups[key] = deque()
            while group_window and now - group_window[0] >= 60.0:
                group_window.popleft()
            if len(group_window) >= GROUP_PER_MINUTE:
                broken.append((RULE_GROUP, 60.0 - (now - group_window[0])))

        if broken:
            wall = time.time()
            for rule, _ in broken:
                self.counts[rule] += 1
                self.records.append((rule, bot_id, chat_id, method, wall, self.enforce))
        if broken and self.enforce:
            if private:
                self._buckets[key] = (tokens, now)
            return max(1, math.ceil(max(wait for _, wait in broken)))

        window.append(now)
        if private:
            self._buckets[key] = (tokens - 1.0 if tokens >= 1.0 else tokens, now)
        elif group_window is not None:
            group_window.append(now)
        return None

    def report(self) -> dict[str, Any]:
        """Counts per rule plus the recorded violations."""
        return {
            "enforce": self.enforce,
            "total": sum(self.counts.values()),
            "counts": dict(self.counts),
            "violations": [
                dict(
                    zip(("rule", "bot_id", "chat_id", "method", "time", "refused"), r, strict=True)
                )
                for r in self.records
            ],
        }
