"""Names compared across simplified and traditional Chinese."""

from __future__ import annotations


def fold(text: str) -> str:
    """A comparison key for a name or a search."""
    return " ".join(text.split()).casefold()
