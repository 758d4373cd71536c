"""Telegram's text formatting: HTML, MarkdownV2 and legacy Markdown into MessageEntity lists."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Entity = dict[str, Any]
UserLookup = Callable[[int], dict[str, Any] | None]


class ParseError(Exception):
    """The text cannot be parsed; the message follows Telegram's wording."""


def u16len(s: str) -> int:
    """Length of a string in UTF-16 code units, the unit of entity offsets."""
    if s.isascii():
        return len(s)
    return len(s.encode("utf-16-le")) // 2


def byte_off(text: str, i: int) -> int:
    return len(text[:i].encode("utf-8"))


class Out:
    """Accumulates plain text while tracking the UTF-16 position."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0

    def add(self, s: str) -> None:
        self.parts.append(s)
        self.pos += u16len(s)

    def text(self) -> str:
        return "".join(self.parts)


def link_entity(start: int, length: int, url: str, users: UserLookup | None) -> Entity | None:
    m = re.fullmatch(r"tg://user\?id=(\d+)", url)
    if m:
        user = users(int(m.group(1))) if users else None
        if user is None:
            return None
        return {"type": "text_mention", "offset": start, "length": length, "user": user}
    if not url:
        return None
    return {"type": "text_link", "offset": start, "length": length, "url": url}


# ---------------------------------------------------------------- HTML

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME = re.compile(r"[A-Za-z0-9-]*")
_ATTR_NAME = re.compile(r"[A-Za-z0-9_-]*")


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode an HTML entity starting at text[i] == '&'; returns (char, next index)."""
    end = text.find(";", i + 1, i + 12)
    if end < 0:
        return None
    name = text[i + 1 : end]
    if name in _NAMED:
        return _NAMED[name], end + 1
    if name.startswith("#") and len(name) > 1:
        digits = name[1:]
        try:
            code = int(digits[1:], 16) if digits[0] in "xX" else int(digits, 10)
        except ValueError:
            return None
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), end + 1
    return None


def _unescape_attr(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            dec = _decode_entity(value, i)
            if dec:
                out.append(dec[0])
                i = dec[1]
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


def parse_html(text: str, users: UserLookup | None = None) -> tuple[str, list[Entity]]:
    """Parse Telegram's HTML subset into plain text and entities."""
    out = Out()
    entities: list[Entity] = []
    # (tag, entity type, start position, attributes)
    stack: list[tuple[str, str, int, dict[str, str]]] = []
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            dec = _decode_entity(text, i)
            if dec:
                out.add(dec[0])
                i = dec[1]
            else:
                out.add("&")
                i += 1
            continue
        if c != "<":
            j = i + 1
            while j < n and text[j] not in "<&":
                j += 1
            out.add(text[i:j])
            i = j
            continue
        begin = i
        if text.startswith("</", i):
            close = text.find(">", i)
            if close < 0:
                raise ParseError(f"Unclosed end tag at byte offset {byte_off(text, begin)}")
            name = text[i + 2 : close].strip().lower()
            if not stack:
                raise ParseError(f"Unexpected end tag at byte offset {byte_off(text, begin)}")
            tag, etype, start, attrs = stack.pop()
            if name != tag:
                raise ParseError(
                    f"Unmatched end tag at byte offset {byte_off(text, begin)}, "
                    f'expected "</{tag}>", found "</{name}>"'
                )
            _close_html(tag, etype, start, out.pos, attrs, stack, entities, users)
            i = close + 1
            continue
        m = _TAG_NAME.match(text, i + 1)
        assert m is not None
        name = m.group(0).lower()
        i = m.end()
        if name not in _HTML_TAGS:
            raise ParseError(
                f'Unsupported start tag "{name}" at byte offset {byte_off(text, begin)}'
            )
        attrs = {}
        while True:
            while i < n and text[i] in " \t\r\n":
                i += 1
            if i >= n:
                raise ParseError(f"Unclosed start tag at byte offset {byte_off(text, begin)}")
            if text[i] == ">":
                i += 1
                break
            am = _ATTR_NAME.match(text, i)
            assert am is not None
            attr = am.group(0).lower()
            if not attr:
                raise ParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset '
                    f"{byte_off(text, begin)}"
                )
            i = am.end()
            while i < n and text[i] in " \t\r\n":
                i += 1
            value = ""
            if i < n and text[i] == "=":
                i += 1
                while i < n and text[i] in " \t\r\n":
                    i += 1
                if i < n and text[i] in "\"'":
                    quote = text[i]
                    end = text.find(quote, i + 1)
                    if end < 0:
                        raise ParseError(
                            f"Unclosed start tag at byte offset {byte_off(text, begin)}"
                        )
                    value = text[i + 1 : end]
                    i = end + 1
                else:
                    j = i
                    while j < n and text[j] not in " \t\r\n>":
                        j += 1
                    value = text[i:j]
                    i = j
            attrs[attr] = _unescape_attr(value)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise ParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {byte_off(text, begin)}'
            )
        stack.append((name, _HTML_TAGS[name], out.pos, attrs))
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.text(), sort_entities(entities)


def _close_html(
    tag: str,
    etype: str,
    start: int,
    end: int,
    attrs: dict[str, str],
    stack: list[tuple[str, str, int, dict[str, str]]],
    entities: list[Entity],
    users: UserLookup | None,
) -> None:
    length = end - start
    if tag == "code" and stack and stack[-1][0] == "pre" and stack[-1][2] == start:
        # <pre><code class="language-x"> is one pre entity carrying the language.
        lang = attrs.get("class", "")
        if lang.startswith("language-") and len(lang) > 9:
            stack[-1][3]["language"] = lang[9:]
        return
    if length <= 0:
        return
    entity: Entity | None
    if etype == "text_link":
        entity = link_entity(start, length, attrs.get("href", ""), users)
    elif etype == "custom_emoji":
        emoji_id = attrs.get("emoji-id", "")
        entity = None
        if emoji_id.isdigit():
            entity = {"type": etype, "offset": start, "length": length}
            entity["custom_emoji_id"] = emoji_id
    else:
        if etype == "blockquote" and "expandable" in attrs:
            etype = "expandable_blockquote"
        entity = {"type": etype, "offset": start, "length": length}
        if etype == "pre" and attrs.get("language"):
            entity["language"] = attrs["language"]
    if entity is not None:
        entities.append(entity)


# ---------------------------------------------------------------- common

_AUTO = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?)(?![\w/])"
    r"|(?P<email>\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<mention>(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31})(?!\w)"
    r"|(?P<hashtag>(?<![\w#])#\w*[^\W\d]\w*)"
    r"|(?P<url>\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)\]'])"
)


def detect_entities(text: str, existing: list[Entity] | None = None) -> list[Entity]:
    """Entities Telegram finds by itself: commands, mentions, hashtags, URLs, e-mails."""
    found: list[Entity] = []
    if "/" not in text and "@" not in text and "#" not in text:
        return found
    blocked = [
        (e["offset"], e["offset"] + e["length"])
        for e in existing or ()
        if e["type"] in ("code", "pre", "text_link", "text_mention", "custom_emoji")
    ]
    for m in _AUTO.finditer(text):
        kind = m.lastgroup
        assert kind is not None
        start = u16len(text[: m.start()])
        length = u16len(m.group(0))
        if any(s < start + length and start < e for s, e in blocked):
            continue
        found.append({"type": kind, "offset": start, "length": length})
    return found


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """Order entities as Telegram does: by offset, the enclosing one first."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def strip_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim surrounding whitespace as Telegram does, shifting and clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    if not stripped:
        return "", []
    lead = u16len(text[: len(text) - len(text.lstrip())])
    total = u16len(stripped)
    result: list[Entity] = []
    for e in entities:
        start = max(e["offset"] - lead, 0)
        end = min(e["offset"] + e["length"] - lead, total)
        if end > start:
            result.append({**e, "offset": start, "length": end - start})
    return stripped, result
