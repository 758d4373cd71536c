"""Splitting long text into messages Telegram accepts, on line boundaries; the ◀ / ▶ row
of a list shown a page at a time."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton

from bot.i18n import Translate

TELEGRAM_LIMIT = 4096


def _size(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); raw HTML is never shorter."""
    return len(text.encode("utf-16-le")) // 2


def _hard_split(line: str, limit: int) -> list[str]:
    """A single line longer than a page, cut into pieces of at most `limit` units."""
    pieces, current = [], ""
    for char in line:
        if _size(current + char) > limit:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current] if current else pieces


def paginate(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pages of at most `limit` units, each made of whole lines where a line fits a page.

    Blank lines at a page's edges are dropped; an empty text is one empty page.
    """
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _hard_split(line, limit) if _size(line) > limit else [line]:
            extra = _size(piece) + (1 if current else 0)
            if current and size + extra > limit:
                pages.append("\n".join(current).strip("\n"))
                current, size = [], 0
                extra = _size(piece)
            current.append(piece)
            size += extra
    pages.append("\n".join(current).strip("\n"))
    kept = [p for p in pages if p]
    return kept or [""]


def offset_nav(
    offset: int, size: int, total: int, data: Callable[[int], str], t: Translate
) -> list[InlineKeyboardButton]:
    """◀ Back / More ▶ for a list shown `size` rows from `offset`; `data` makes a page's
    callback data from its offset. Empty when everything fits on one page."""
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton(t("◀ Back"), callback_data=data(max(0, offset - size))))
    if offset + size < total:
        nav.append(InlineKeyboardButton(t("More ▶"), callback_data=data(offset + size)))
    return nav
