"""The office digest's chart: visits short per helper, with Chinese names drawn correctly.

The font is Noto Sans CJK from the `noto-cjk-sans-otc` package, which bangfu installs, so
the chart does not depend on fonts of the host; matplotlib's own fonts have no Han glyphs.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import noto_cjk_sans_otc

if TYPE_CHECKING:
    from matplotlib.font_manager import FontProperties

# matplotlib is imported when a chart is first drawn, not when the bot starts: it is a
# quarter of the bot's start-up imports and most processes never draw a chart.

MAX_BARS = 20


@lru_cache(maxsize=1)
def cjk_font() -> FontProperties:
    """The bundled CJK font, registered with matplotlib once."""
    from matplotlib import font_manager

    path = str(noto_cjk_sans_otc.FONT_PATH)
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path)


def shortfall_chart(rows: Sequence[tuple[str, int]], title: str, axis: str) -> bytes:
    """A horizontal bar chart (PNG) of the helpers furthest behind, largest on top."""
    from matplotlib.figure import Figure  # drawn without pyplot: no display, no global state
    from matplotlib.ticker import MaxNLocator

    font = cjk_font()
    shown = list(rows[:MAX_BARS])[::-1]
    figure = Figure(figsize=(6.4, 1.2 + 0.32 * max(1, len(shown))), dpi=100)
    ax = figure.subplots()
    ax.barh([name for name, _ in shown], [short for _, short in shown], color="#d9534f")
    ax.set_title(title, fontproperties=font)
    ax.set_xlabel(axis, fontproperties=font)
    for tick in ax.get_yticklabels():
        tick.set_fontproperties(font)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
