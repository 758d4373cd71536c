"""The /summary chart is a PNG whose Chinese labels are drawn with real glyphs."""

from __future__ import annotations

import io
import warnings

from PIL import Image

from bot.summary_chart import summary_chart
from tests.test_digest_chart import MISSING_GLYPH


def test_the_summary_chart_is_a_png_with_han_glyphs() -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING_GLYPH)
        png = summary_chart(
            [("河邊村", 0.25), ("大寨村", 0.9), ("歐陽修", 1.0)],
            [("2026-09", None), ("2026-10", 0.5), ("2026-11", 0.75)],
            title="2026-11 走访达标情况",
            bars_title="各村达标率",
            trend_title="近 3 个月农户走访达标率",
        )
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 640


def test_an_area_without_helpers_still_draws() -> None:
    png = summary_chart([], [("2026-11", None)], title="空", bars_title="无", trend_title="无")
    assert png.startswith(b"\x89PNG")
