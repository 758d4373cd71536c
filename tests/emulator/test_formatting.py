"""HTML, MarkdownV2 and Markdown parsing into entities with UTF-16 offsets."""

from __future__ import annotations

import pytest

from emulator.markdown import parse_markdown, parse_markdown_v2
from emulator.textfmt import ParseError, detect_entities, parse_html, u16len
from tests.emulator.conftest import BotApi


def test_utf16_offsets_with_emoji_and_cjk() -> None:
    text, entities = parse_html("<b>粗体</b> 😀 <i>斜</i>")
    assert text == "粗体 😀 斜"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 6, "length": 1},
    ]
    assert u16len("😀") == 2 and u16len("中") == 1


def test_html_every_tag_and_nesting() -> None:
    html = (
        "<strong>s</strong><em>e</em><u>u</u><ins>i</ins><s>s</s><strike>k</strike><del>d</del>"
        '<span class="tg-spoiler">p</span><tg-spoiler>q</tg-spoiler>'
        '<a href="https://x.org/?a=1&amp;b=2">l</a>'
        '<code>c</code><pre><code class="language-python">x</code></pre><pre>y</pre>'
        "<blockquote>q</blockquote><blockquote expandable>e</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
        "<B>upper</B><b>a<i>b</i></b>"
    )
    text, entities = parse_html(html)
    assert text == "seuiskdpqlcxyqe👍upperab"
    types = [(e["type"], e["offset"], e["length"]) for e in entities]
    assert types[:14] == [
        ("bold", 0, 1), ("italic", 1, 1), ("underline", 2, 1), ("underline", 3, 1),
        ("strikethrough", 4, 1), ("strikethrough", 5, 1), ("strikethrough", 6, 1),
        ("spoiler", 7, 1), ("spoiler", 8, 1), ("text_link", 9, 1), ("code", 10, 1),
        ("pre", 11, 1), ("pre", 12, 1), ("blockquote", 13, 1),
    ]  # fmt: skip
    assert entities[9]["url"] == "https://x.org/?a=1&b=2"
    assert entities[11]["language"] == "python" and "language" not in entities[12]
    assert entities[14]["type"] == "expandable_blockquote"
    assert entities[15] == {
        "type": "custom_emoji", "offset": 15, "length": 2, "custom_emoji_id": "5368324170671202286"
    }  # fmt: skip
    assert entities[-2:] == [
        {"type": "bold", "offset": 22, "length": 2},
        {"type": "italic", "offset": 23, "length": 1},
    ]


def test_html_character_entities() -> None:
    text, entities = parse_html("&lt;tag&gt; &amp; &quot;q&quot; &#128512; &#x4E2D; &nbsp; a&b")
    assert text == '<tag> & "q" 😀 中 &nbsp; a&b'
    assert entities == []


def test_html_text_mention_needs_known_user() -> None:
    user = {"id": 7, "is_bot": False, "first_name": "x"}
    _, entities = parse_html(
        '<a href="tg://user?id=7">x</a>', lambda uid: user if uid == 7 else None
    )
    assert entities == [{"type": "text_mention", "offset": 0, "length": 1, "user": user}]


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("中 < 文", 'Unsupported start tag "" at byte offset 4'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href="x>y</a>', "Unclosed start tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
def test_html_errors(html: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_html(html)
    assert str(caught.value) == message


def test_markdown_v2_entities() -> None:
    text, entities = parse_markdown_v2(
        "*粗* _斜_ 😀 __下__ ~删~ ||藏|| `a\\`b` [链](https://x.org/a\\)b) \\. \\!"
    )
    assert text == "粗 斜 😀 下 删 藏 a`b 链 . !"
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bold", 0, 1), ("italic", 2, 1), ("underline", 7, 1), ("strikethrough", 9, 1),
        ("spoiler", 11, 1), ("code", 13, 3), ("text_link", 17, 1),
    ]  # fmt: skip
    assert entities[-1]["url"] == "https://x.org/a)b"


def test_markdown_v2_pre_quote_and_nesting() -> None:
    text, entities = parse_markdown_v2("```python\nprint(1)\n```")
    assert text == "print(1)\n"
    assert entities == [{"type": "pre", "offset": 0, "length": 9, "language": "python"}]
    text, entities = parse_markdown_v2(">引用\n>第二行\n正文")
    assert text == "引用\n第二行\n正文"
    assert entities == [{"type": "blockquote", "offset": 0, "length": 6}]
    text, entities = parse_markdown_v2("*a _b_ c*")
    assert entities == [
        {"type": "bold", "offset": 0, "length": 5},
        {"type": "italic", "offset": 2, "length": 1},
    ]


@pytest.mark.parametrize(
    ("md", "message"),
    [
        ("编号 1.2", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("a-b", "Character '-' is reserved and must be escaped with the preceding '\\'"),
        ("(x)", "Character '(' is reserved and must be escaped with the preceding '\\'"),
        ("*粗", "Can't find end of Bold entity at byte offset 0"),
        ("ab _x", "Can't find end of Italic entity at byte offset 3"),
        ("`code", "Can't find end of Code entity at byte offset 0"),
        ("[x](https://x.org", "Can't find end of a URL at byte offset 3"),
    ],
)
def test_markdown_v2_errors(md: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_markdown_v2(md)
    assert str(caught.value) == message


def test_legacy_markdown() -> None:
    text, entities = parse_markdown("*b* _i_ `c` [l](https://x.org) 1.2-3")
    assert text == "b i c l 1.2-3"
    assert [e["type"] for e in entities] == ["bold", "italic", "code", "text_link"]
    with pytest.raises(ParseError, match="Can't find end of the entity starting at byte offset 0"):
        parse_markdown("*x")


def test_detected_entities() -> None:
    found = detect_entities("/start@bangfu_bot 看 https://x.org/a 和 #走访 @zhangsan a@b.cn")
    kinds = [(e["type"], e["offset"], e["length"]) for e in found]
    assert kinds == [
        ("bot_command", 0, 17), ("url", 20, 15), ("hashtag", 38, 3), ("mention", 42, 9),
        ("email", 52, 6),
    ]  # fmt: skip


async def test_parse_errors_and_lengths_through_the_api(api: BotApi, user: int) -> None:
    err = await api.error("sendMessage", chat_id=user, text="<b>x", parse_mode="HTML")
    assert err["description"] == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )
    err = await api.error("sendMessage", chat_id=user, text="1.5", parse_mode="MarkdownV2")
    assert err["description"].startswith("Bad Request: can't parse entities: Character '.'")
    ok = await api("sendMessage", chat_id=user, text="1.5 <b>", parse_mode=None)
    assert ok["text"] == "1.5 <b>"
    err = await api.error("sendMessage", chat_id=user, text="   ")
    assert err["description"] == "Bad Request: message text is empty"
    err = await api.error("sendMessage", chat_id=user, text="<b> </b>", parse_mode="HTML")
    assert err["description"] == "Bad Request: message text is empty"
    err = await api.error("sendMessage", chat_id=user, text="a" * 4097)
    assert err["description"] == "Bad Request: message is too long"
    err = await api.error("sendMessage", chat_id=user, text="😀" * 2049)
    assert err["description"] == "Bad Request: message is too long"
    assert (await api("sendMessage", chat_id=user, text="😀" * 2048))["text"] == "😀" * 2048
    long_html = "<b>" + "a" * 4096 + "</b>"
    assert (await api("sendMessage", chat_id=user, text=long_html, parse_mode="HTML"))["entities"]
    trimmed = await api("sendMessage", chat_id=user, text="  <b>x</b> y  ", parse_mode="HTML")
    assert trimmed["text"] == "x y"
    assert trimmed["entities"] == [{"type": "bold", "offset": 0, "length": 1}]
