"""The same update delivered twice (a webhook retry, a redelivery) is handled once.

Telegram retries a webhook update it got no answer for, and may deliver it after newer ones.
Each update id is remembered in this process for a while and a second copy is dropped before
any conversation sees it, so the user gets one reply. Process memory suffices because a chat
is always served by one process (docs/architecture.md); after a crash the memory is gone, and
then the idempotency keys of every confirmed write are what keep records single.
"""

from __future__ import annotations

from collections import OrderedDict

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import BotContext

# Update ids remembered: far more than arrive during a webhook's retry window.
REMEMBERED = 20_000


class SeenUpdates:
    """The most recent update ids this process has started to handle."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self._size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def first_time(self, update_id: int) -> bool:
        """Remember the id; whether it is new."""
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True


def guard(seen: SeenUpdates) -> BaseHandler[Update, BotContext, None]:
    """A handler for the earliest group that stops an update seen before."""

    async def drop_repeat(update: Update, context: BotContext) -> None:
        if not seen.first_time(update.update_id):
            raise ApplicationHandlerStop

    return TypeHandler(Update, drop_repeat)
