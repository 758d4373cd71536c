"""Simplified and traditional Chinese are one language to our users: compare names folded.

The stored text stays exactly as it was typed or imported; only comparisons (matching a
township named 青山镇 to the stored 青山鎮, a search for 刘芳 to 劉芳) go through `fold`.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import opencc

# OpenCC's traditional → simplified table: character and phrase level, maintained upstream,
# so variants such as 臺/台 fold together without a table of our own.
_TO_SIMPLIFIED = opencc.OpenCC("t2s.json")


@lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """A comparison key: simplified script, full-width forms narrowed, case and spacing folded."""
    # NFKC turns full-width Latin, digits and the ideographic space into their plain forms.
    normal = unicodedata.normalize("NFKC", text)
    spaced = " ".join(normal.split())
    simplified: str = _TO_SIMPLIFIED.convert(spaced)
    return simplified.casefold()


def same_name(a: str, b: str) -> bool:
    """Whether two names are the same to a reader of either script."""
    return fold(a) == fold(b)
