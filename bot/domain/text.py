"""Message ids: user-visible text is written as English ids and translated at the edge."""

from __future__ import annotations

from collections.abc import Callable

Translate = Callable[[str], str]


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet."""
    return message
