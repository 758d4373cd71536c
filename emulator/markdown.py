"""Telegram's MarkdownV2 and legacy Markdown into MessageEntity lists."""

from __future__ import annotations

import re

from emulator.textfmt import (
    Entity,
    Out,
    ParseError,
    UserLookup,
    byte_off,
    link_entity,
    sort_entities,
)

# ---------------------------------------------------------------- MarkdownV2

_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_TOGGLES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}
_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "code": "Code",
    "pre": "Pre",
}


def _md2_escaped_until(text: str, i: int, stop: str, kind: str, begin: int) -> tuple[str, int]:
    """Read escaped content up to `stop`; returns (content, index after stop)."""
    out: list[str] = []
    n = len(text)
    while i < n:
        if text[i] == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.append(text[i + 1])
            i += 2
            continue
        if text.startswith(stop, i):
            return "".join(out), i + len(stop)
        out.append(text[i])
        i += 1
    raise ParseError(f"Can't find end of {kind} entity at byte offset {byte_off(text, begin)}")


def parse_markdown_v2(text: str, users: UserLookup | None = None) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2, enforcing that reserved characters are escaped."""
    out = Out()
    entities: list[Entity] = []
    stack: list[tuple[str, int, int]] = []  # (entity type, start position, byte offset)
    quote: tuple[str, int] | None = None  # (blockquote type, start position)
    n = len(text)
    i = 0
    while i < n:
        line_start = i == 0 or text[i - 1] == "\n"
        if line_start:
            if text.startswith("**>", i):
                if quote is None:
                    quote = ("expandable_blockquote", out.pos)
                i += 3
                continue
            if text[i] == ">":
                if quote is None:
                    quote = ("blockquote", out.pos)
                i += 1
                continue
            if quote is not None:
                # The newline that ended the quote is not part of it.
                _add_quote(quote, out.pos - (1 if i > 0 else 0), entities)
                quote = None
        c = text[i]
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        if c == "\n":
            out.add(c)
            i += 1
            continue
        if c not in _RESERVED:
            j = i + 1
            while j < n and text[j] not in _RESERVED and text[j] not in "\\\n":
                j += 1
            out.add(text[i:j])
            i = j
            continue
        begin = i
        if c == "|" and text.startswith("||", i):
            after = i + 2
            at_eol = after >= n or text[after] == "\n"
            if (
                quote
                and quote[0] == "expandable_blockquote"
                and at_eol
                and (not stack or stack[-1][0] != "spoiler")
            ):
                _add_quote(quote, out.pos, entities)
                quote = None
                i = after
                continue
            token = "||"
        elif c == "_" and text.startswith("__", i):
            token = "__"
        elif c in "*_~":
            token = c
        elif c == "[" or (c == "!" and text.startswith("![", i)):
            etype = "custom_emoji" if c == "!" else "text_link"
            stack.append((etype, out.pos, byte_off(text, begin)))
            i += 2 if c == "!" else 1
            continue
        elif c == "]" and stack and stack[-1][0] in ("text_link", "custom_emoji"):
            etype, start, _ = stack.pop()
            i += 1
            url = ""
            if i < n and text[i] == "(":
                url_begin = i
                url, i = _md2_url(text, i + 1, url_begin)
            _add_md2_link(etype, start, out.pos, url, entities, users)
            continue
        elif c == "`":
            if text.startswith("```", i):
                i = _md2_pre(text, i, out, entities)
            else:
                content, i = _md2_escaped_until(text, i + 1, "`", "Code", begin)
                start = out.pos
                out.add(content)
                if content:
                    entities.append({"type": "code", "offset": start, "length": out.pos - start})
            continue
        else:
            raise ParseError(
                f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
            )
        etype = _TOGGLES[token]
        if stack and stack[-1][0] == etype:
            _, start, _ = stack.pop()
            if out.pos > start:
                entities.append({"type": etype, "offset": start, "length": out.pos - start})
        else:
            stack.append((etype, out.pos, byte_off(text, begin)))
        i += len(token)
    if stack:
        etype, _, off = stack[-1]
        raise ParseError(f"Can't find end of {_TYPE_NAMES[etype]} entity at byte offset {off}")
    if quote is not None:
        _add_quote(quote, out.pos, entities)
    return out.text(), sort_entities(entities)


def _add_quote(quote: tuple[str, int], end: int, entities: list[Entity]) -> None:
    etype, start = quote
    if end > start:
        entities.append({"type": etype, "offset": start, "length": end - start})


def _md2_url(text: str, i: int, begin: int) -> tuple[str, int]:
    out: list[str] = []
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.append(text[i + 1])
            i += 2
            continue
        if c == ")":
            return "".join(out), i + 1
        out.append(c)
        i += 1
    raise ParseError(f"Can't find end of a URL at byte offset {byte_off(text, begin)}")


def _add_md2_link(
    etype: str, start: int, end: int, url: str, entities: list[Entity], users: UserLookup | None
) -> None:
    if end <= start:
        return
    if etype == "custom_emoji":
        m = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
        if not m:
            raise ParseError("Custom emoji entity must contain a tg://emoji URL")
        entities.append(
            {"type": etype, "offset": start, "length": end - start, "custom_emoji_id": m.group(1)}
        )
        return
    entity = link_entity(start, end - start, url, users)
    if entity is not None:
        entities.append(entity)


def _md2_pre(text: str, i: int, out: Out, entities: list[Entity]) -> int:
    begin = i
    i += 3
    language = ""
    nl = text.find("\n", i)
    close = text.find("```", i)
    if nl >= 0 and (close < 0 or nl < close):
        language = text[i:nl].strip()
        i = nl + 1
    content, i = _md2_escaped_until(text, i, "```", "Pre", begin)
    start = out.pos
    out.add(content)
    if content:
        entity: Entity = {"type": "pre", "offset": start, "length": out.pos - start}
        if language:
            entity["language"] = language
        entities.append(entity)
    return i


# ---------------------------------------------------------------- legacy Markdown


def parse_markdown(text: str, users: UserLookup | None = None) -> tuple[str, list[Entity]]:
    """Parse legacy Markdown (no nesting; escapes only before _ * ` [)."""
    out = Out()
    entities: list[Entity] = []
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            j = i + 1
            while j < n and text[j] not in "_*`[\\":
                j += 1
            out.add(text[i:j])
            i = j
            continue
        begin = i
        start = out.pos
        if c == "`" and text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise _legacy_error(text, begin)
            body = text[i + 3 : end]
            language = ""
            nl = body.find("\n")
            if nl >= 0 and body[:nl].strip() and " " not in body[:nl].strip():
                language, body = body[:nl].strip(), body[nl + 1 :]
            out.add(body)
            entity: Entity = {"type": "pre", "offset": start, "length": out.pos - start}
            if language:
                entity["language"] = language
            i = end + 3
        elif c == "[":
            close = text.find("]", i + 1)
            if close < 0:
                raise _legacy_error(text, begin)
            label = text[i + 1 : close]
            url = ""
            i = close + 1
            if i < n and text[i] == "(":
                end = text.find(")", i)
                if end < 0:
                    raise _legacy_error(text, begin)
                url = text[i + 1 : end]
                i = end + 1
            out.add(label)
            link = link_entity(start, out.pos - start, url, users)
            if link is None:
                continue
            entity = link
        else:
            end = text.find(c, i + 1)
            if end < 0:
                raise _legacy_error(text, begin)
            out.add(text[i + 1 : end])
            etype = {"*": "bold", "_": "italic", "`": "code"}[c]
            entity = {"type": etype, "offset": start, "length": out.pos - start}
            i = end + 1
        if entity["length"] > 0:
            entities.append(entity)
    return out.text(), sort_entities(entities)


def _legacy_error(text: str, begin: int) -> ParseError:
    return ParseError(
        f"Can't find end of the entity starting at byte offset {byte_off(text, begin)}"
    )
