"""The pager keeps every message under Telegram's limit and splits on line boundaries."""

from __future__ import annotations

from handlers.pager import TELEGRAM_LIMIT, paginate


def test_short_text_is_one_page() -> None:
    assert paginate("a\nb") == ["a\nb"]
    assert paginate("") == [""]


def test_pages_split_on_line_boundaries_and_lose_nothing() -> None:
    lines = [f"第{i}行 " + "字" * (i % 50) for i in range(600)]
    text = "\n".join(lines)
    pages = paginate(text)
    assert len(pages) > 1
    assert all(len(p.encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT for p in pages)
    assert "\n".join(pages).split("\n") == lines  # whole lines, in order


def test_exactly_at_the_limit_fits_one_page() -> None:
    text = "x" * 10 + "\n" + "y" * 9
    assert paginate(text, limit=20) == [text]
    assert paginate(text + "z", limit=20) == ["x" * 10, "y" * 9 + "z"]


def test_a_line_longer_than_a_page_is_cut() -> None:
    pages = paginate("a" * 25, limit=10)
    assert pages == ["a" * 10, "a" * 10, "a" * 5]


def test_emoji_count_twice() -> None:
    pages = paginate("🏠" * 6, limit=10)
    assert pages == ["🏠" * 5, "🏠"]


def test_offset_nav_offers_only_the_pages_that_exist() -> None:
    from handlers.pager import offset_nav

    def data(at: int) -> str:
        return f"x:{at}"

    def labels(offset: int, total: int) -> list[tuple[str, str | None]]:
        return [
            (b.text, b.callback_data if isinstance(b.callback_data, str) else None)
            for b in offset_nav(offset, 10, total, data, str)
        ]

    assert labels(0, 10) == []
    assert labels(0, 11) == [("More ▶", "x:10")]
    assert labels(10, 25) == [("◀ Back", "x:0"), ("More ▶", "x:20")]
    assert labels(20, 25) == [("◀ Back", "x:10")]
    assert labels(5, 12) == [("◀ Back", "x:0")]
