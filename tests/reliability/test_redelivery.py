"""Redelivered updates: the emulator's retrying delivery, and the bot's memory of update ids."""

from __future__ import annotations

from emulator.state import BotState, UserRec
from handlers.duplicates import SeenUpdates


def _bot() -> BotState:
    return BotState("1:T", UserRec(1, "bot", username="b_bot", is_bot=True))


def test_redelivery_queues_every_update_twice_some_out_of_order() -> None:
    bot = _bot()
    bot.set_redelivery(True)
    for update_id in (10, 11, 12, 13):
        bot.push(update_id, "message", {"text": str(update_id)})
    assert [u for u, _, _ in bot.updates] == [10, 10, 11, 12, 11, 12, 13]
    bot.set_redelivery(False)  # the held copy is not lost
    assert [u for u, _, _ in bot.updates][-1] == 13
    assert sorted(u for u, _, _ in bot.updates) == [10, 10, 11, 11, 12, 12, 13, 13]


def test_confirming_an_offset_forgets_copies_behind_newer_updates() -> None:
    bot = _bot()
    bot.set_redelivery(True)
    for update_id in (21, 22, 23):
        bot.push(update_id, "message", {"text": str(update_id)})
    bot.confirm(23)
    assert [u for u, _, _ in bot.updates] == [23]


def test_an_update_id_counts_once_and_old_ids_are_forgotten() -> None:
    seen = SeenUpdates(size=3)
    assert [seen.first_time(i) for i in (1, 2, 1, 3, 2)] == [True, True, False, True, False]
    seen.first_time(4)  # 1 is now the oldest beyond the memory
    assert seen.first_time(1)
    assert not seen.first_time(4)
