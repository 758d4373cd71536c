"""The digest chart draws Chinese names with real glyphs, never missing-glyph boxes."""

from __future__ import annotations

import io
import warnings

import pytest
from matplotlib.figure import Figure

from bot.digest_chart import shortfall_chart

NAMES = [("王芳", 3), ("李建國", 2), ("陳明", 1), ("歐陽修", 1)]
# matplotlib's warning when a character has no glyph in the font and is drawn as a box.
MISSING_GLYPH = r".*Glyph .* missing from font"


def test_chinese_labels_render_with_the_bundled_font() -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING_GLYPH)
        png = shortfall_chart(NAMES, "2026-11 走访欠缺次数", "欠缺走访次数")
    assert png.startswith(b"\x89PNG") and len(png) > 1000


def test_the_check_catches_a_font_without_han_glyphs() -> None:
    # matplotlib's own default font has no Han glyphs: the same filter must trip on it.
    figure = Figure()
    figure.subplots().set_title("走访")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING_GLYPH)
        with pytest.raises(UserWarning, match="missing from font"):
            figure.savefig(io.BytesIO(), format="png")
