"""The /summary chart: compliance by village or helper, and its trend over recent months.

Drawn with the same bundled Noto CJK font as the office digest (`bot.digest_chart`), so
Chinese names render as characters on any host.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from bot.digest_chart import MAX_BARS, cjk_font


def summary_chart(
    bars: Sequence[tuple[str, float]],
    trend: Sequence[tuple[str, float | None]],
    *,
    title: str,
    bars_title: str,
    trend_title: str,
) -> bytes:
    """A PNG with two panels: compliance shares (0..1) as bars, and the monthly trend."""
    # Imported on first use, like the digest's chart (see bot.digest_chart).
    from matplotlib.figure import Figure  # no pyplot: no display, no global state
    from matplotlib.ticker import PercentFormatter

    font = cjk_font()
    shown = list(bars[:MAX_BARS])[::-1]  # worst first in the input: put it at the top
    height = 3.2 + 0.3 * max(1, len(shown))
    figure = Figure(figsize=(6.4, height), dpi=100)
    top, bottom = figure.subplots(
        2, 1, gridspec_kw={"height_ratios": [max(1, len(shown)) * 0.3 + 0.8, 2.2]}
    )
    names = [name for name, _ in shown] or ["—"]
    values = [value for _, value in shown] or [0.0]
    top.barh(names, values, color=["#d9534f" if v < 0.8 else "#5cb85c" for v in values])
    top.set_xlim(0, 1)
    top.xaxis.set_major_formatter(PercentFormatter(1.0))
    top.set_title(bars_title, fontproperties=font)
    for tick in top.get_yticklabels():
        tick.set_fontproperties(font)
    labels = [label for label, _ in trend]
    points = [float("nan") if v is None else v for _, v in trend]
    # Numeric positions keep a month without data on the axis (a gap in the line).
    positions = list(range(len(labels)))
    bottom.plot(positions, points, marker="o", color="#337ab7")
    bottom.set_xticks(positions, labels)
    bottom.set_ylim(0, 1.05)
    bottom.yaxis.set_major_formatter(PercentFormatter(1.0))
    bottom.set_title(trend_title, fontproperties=font)
    bottom.grid(axis="y", alpha=0.3)
    figure.suptitle(title, fontproperties=font)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
