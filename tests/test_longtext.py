"""The guard against the later parts of a text Telegram split into several messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.longtext import SPLIT_SIZE, SplitTexts

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_the_parts_after_a_long_text_are_caught_and_others_pass() -> None:
    texts = SplitTexts()
    assert not texts.continues(1, "长" * 4096, T0)  # the first part: the step refuses it
    assert texts.continues(1, "尾" * 500, T0)  # the rest, same second: stopped here
    assert texts.continues(1, "再尾", T0 + timedelta(seconds=1))  # a third part too
    assert not texts.continues(2, "别的聊天", T0)  # other chats are not affected
    assert not texts.continues(1, "一分钟后的短备注", T0 + timedelta(minutes=1))


def test_short_texts_never_start_a_split() -> None:
    texts = SplitTexts()
    assert not texts.continues(1, "x" * (SPLIT_SIZE - 1), T0)
    assert not texts.continues(1, "下一条", T0)


def test_nothing_about_a_chat_is_kept_in_clear_or_for_long() -> None:
    texts = SplitTexts()
    texts.continues(987654321012, "长" * 4096, T0)
    kept = texts._long
    assert all(b"987654321012" not in key for key in kept)
    texts.continues(5, "短", T0 + timedelta(minutes=5))  # any later text sweeps old entries
    assert len(texts._long) == 0


class _Message:
    """Just enough of a Message: its text, and what the bot replied."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.replies: list[str] = []

    async def reply_text(self, text: str) -> None:
        self.replies.append(text)


async def test_an_over_long_answer_is_refused_not_cut() -> None:
    from typing import Any, cast

    from handlers.longtext import text_within

    short, long = _Message("  核实：搬家了  "), _Message("长" * 501)
    assert await text_within(cast(Any, short), lambda s: s, 500) == "核实：搬家了"
    assert short.replies == []
    assert await text_within(cast(Any, long), lambda s: s, 500) is None
    assert long.replies == ["This is too long (501 characters); please keep it under 500."]
