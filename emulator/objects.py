"""Request parameters, Bot API errors and builders of Bot API objects."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator import textfmt
from emulator.markdown import parse_markdown, parse_markdown_v2
from emulator.state import JSON, ChatState, FileRec, StoredMessage, World

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
PARSERS = {
    "html": textfmt.parse_html,
    "markdownv2": parse_markdown_v2,
    "markdown": parse_markdown,
}


class ApiError(Exception):
    """A Bot API error answer."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def json(self) -> JSON:
        """The error as Telegram serialises it."""
        out: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def bad(description: str) -> ApiError:
    """A 400 Bad Request error."""
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Upload:
    """A file part of a multipart request."""

    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    """Method parameters from a query string, a form, multipart or a JSON body."""

    __slots__ = ("files", "raw")

    def __init__(self, raw: Mapping[str, Any], files: dict[str, Upload] | None = None) -> None:
        self.raw = raw
        self.files = files or {}

    def __contains__(self, name: str) -> bool:
        return name in self.raw or name in self.files

    def get(self, name: str) -> Any:
        """The raw value, None when absent."""
        return self.raw.get(name)

    def string(self, name: str, default: str | None = None) -> str | None:
        """A string parameter."""
        value = self.raw.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter; a malformed one is a 400."""
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise bad(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad(f"invalid {name} specified") from None

    def need_int(self, name: str) -> int:
        """A required integer parameter."""
        value = self.integer(name)
        if value is None:
            raise bad(f"{name} is empty")
        return value

    def number(self, name: str, default: float | None = None) -> float | None:
        """A float parameter."""
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad(f"invalid {name} specified") from None

    def flag(self, name: str, default: bool = False) -> bool:
        """A Boolean parameter ("true"/"1" in forms)."""
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1", "yes")

    def obj(self, name: str) -> Any:
        """A JSON-serialised parameter (reply_markup, entities, scope, ...)."""
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad(f"can't parse {name} JSON object") from None
        return value

    def upload(self, name: str) -> Upload | str | None:
        """A file parameter: an uploaded part, or a file_id / URL string."""
        if name in self.files:
            return self.files[name]
        value = self.raw.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            return self.files.get(value[9:])
        return value if isinstance(value, str) and value else None


def check_markup(markup: Any) -> JSON | None:
    """Validate reply_markup the way Telegram does; returns it normalised."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad("can't parse inline keyboard markup JSON object")
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise bad("can't parse inline keyboard button: Text must be a string")
                data = button.get("callback_data")
                if data is not None:
                    if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                        raise bad("BUTTON_DATA_INVALID")
                elif len(button) == 1:
                    raise bad(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
        return {"inline_keyboard": rows}
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad("can't parse reply keyboard markup JSON object")
        norm = [[{"text": b} if isinstance(b, str) else b for b in row] for row in rows]
        return {**markup, "keyboard": norm}
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise bad("can't parse reply keyboard markup JSON object")


def prepare_text(
    world: World,
    text: str | None,
    parse_mode: str | None,
    entities: Any,
    *,
    caption: bool = False,
) -> tuple[str, list[JSON]]:
    """Parse, trim and check a text or caption; returns (text, entities)."""
    text = text or ""
    if parse_mode:
        parser = PARSERS.get(parse_mode.lower())
        if parser is None:
            raise bad(f"unsupported parse_mode {parse_mode}")
        try:
            text, ents = parser(text, world.user_lookup)
        except textfmt.ParseError as exc:
            raise bad(f"can't parse entities: {exc}") from None
    elif entities:
        if not isinstance(entities, list):
            raise bad("can't parse entities JSON object")
        ents = [dict(e) for e in entities if isinstance(e, dict)]
    else:
        ents = []
    text, ents = textfmt.strip_text(text, ents)
    limit = MAX_CAPTION if caption else MAX_TEXT
    if not caption and not text:
        raise bad("message text is empty")
    if textfmt.u16len(text) > limit:
        raise bad("message caption is too long" if caption else "message is too long")
    ents += textfmt.detect_entities(text, ents)
    return text, textfmt.sort_entities(ents)


def reply_to(chat: ChatState, params: Params) -> JSON | None:
    """The message being replied to, per reply_parameters or reply_to_message_id."""
    rp = params.obj("reply_parameters")
    mid: int | None
    allow = params.flag("allow_sending_without_reply")
    if isinstance(rp, dict):
        mid = rp.get("message_id")
        allow = bool(rp.get("allow_sending_without_reply", allow))
    else:
        mid = params.integer("reply_to_message_id")
    if not mid:
        return None
    target = chat.messages.get(int(mid))
    if target is None or target.deleted:
        if allow:
            return None
        raise bad("message to be replied not found")
    data = dict(target.data)
    data.pop("reply_to_message", None)
    return data


def file_rec_json(rec: FileRec, **extra: Any) -> JSON:
    """Identifying fields of a stored file plus type-specific ones."""
    out: JSON = {"file_id": rec.file_id, "file_unique_id": rec.file_unique_id}
    out.update({k: v for k, v in extra.items() if v is not None})
    out["file_size"] = rec.size
    return out


def photo_sizes(world: World, variants: list[tuple[int, int, bytes]]) -> list[JSON]:
    """Store photo variants and build the PhotoSize array."""
    sizes: list[JSON] = []
    for width, height, data in variants:
        rec = world.files.add(data, "photos", "jpg", "image/jpeg", "AgACAgIAAxkBAA")
        sizes.append(file_rec_json(rec, width=width, height=height))
    for size in sizes:
        world.photo_sets[size["file_id"]] = sizes
    return sizes


def base_message(chat: ChatState, sender: JSON, date: int) -> JSON:
    """Fields every message has."""
    return {"message_id": chat.new_message_id(), "from": sender, "chat": chat.chat, "date": date}


def store(chat: ChatState, data: JSON, *, from_bot: bool) -> StoredMessage:
    """Keep a message in its chat."""
    msg = StoredMessage(data=data, from_bot=from_bot)
    chat.add(msg)
    if not from_bot:
        chat.last_user_message_id = data["message_id"]
    return msg


# One encoder for all answers: json.dumps with options would build a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON, as Telegram answers."""
    return _ENCODER.encode(obj).encode()
