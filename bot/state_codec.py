"""Conversation state as JSON, with an explicit list of the value types it may contain.

Drafts and user data outlive the process in the database, so they are encoded as plain JSON,
never pickled: only the dataclasses and enums named when the codec is built come back as
objects, and anything else is refused on the way in and on the way out.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Any

TAG = "$"


def paths_in(text: str) -> set[str]:
    """Every file path kept in a piece of encoded state (a draft's photos, for instance)."""
    found: set[str] = set()
    pending: list[Any] = [json.loads(text)]
    while pending:
        value = pending.pop()
        if isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, dict):
            if value.get(TAG) == "p" and isinstance(value.get("v"), str):
                found.add(PurePath(value["v"]).as_posix())
            else:
                pending.extend(value.values())
    return found


class StateCodecError(ValueError):
    """A value the codec does not know how to store or restore."""


class StateCodec:
    """Encodes conversation state (user data, chat data, states) to JSON and back."""

    def __init__(self, types: Iterable[type]) -> None:
        self._types: dict[str, type] = {}
        for cls in types:
            if not (dataclasses.is_dataclass(cls) or issubclass(cls, enum.Enum)):
                raise TypeError(f"{cls!r} is neither a dataclass nor an enum")
            name = f"{cls.__module__}.{cls.__qualname__}"
            self._types[name] = cls

    def dumps(self, value: object) -> str:
        """The value as compact JSON text."""
        return json.dumps(self.encode(value), ensure_ascii=False, separators=(",", ":"))

    def loads(self, text: str) -> Any:
        """The value a `dumps` wrote."""
        return self.decode(json.loads(text))

    def encode(self, value: object) -> Any:
        """A JSON-compatible form of the value."""
        if value is None or isinstance(value, bool | int | str):
            return value
        if isinstance(value, float):
            finite = value == value and abs(value) != float("inf")
            return value if finite else {TAG: "f", "v": repr(value)}
        if isinstance(value, enum.Enum):
            return {TAG: "e", "t": self._name(type(value)), "v": self.encode(value.value)}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {
                f.name: self.encode(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if f.init
            }
            return {TAG: "o", "t": self._name(type(value)), "v": fields}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, tuple):
            return {TAG: "t", "v": [self.encode(v) for v in value]}
        if isinstance(value, dict):
            return {TAG: "d", "v": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if isinstance(value, datetime):
            return {TAG: "dt", "v": value.isoformat()}
        if isinstance(value, date):
            return {TAG: "da", "v": value.isoformat()}
        if isinstance(value, time):
            return {TAG: "ti", "v": value.isoformat()}
        if isinstance(value, timedelta):
            return {TAG: "td", "v": value.total_seconds()}
        if isinstance(value, Decimal):
            return {TAG: "n", "v": str(value)}
        if isinstance(value, PurePath):
            return {TAG: "p", "v": str(value)}
        raise StateCodecError(f"cannot keep a {type(value).__qualname__} in conversation state")

    def decode(self, data: Any) -> Any:
        """The value an `encode` gave."""
        if data is None or isinstance(data, bool | int | float | str):
            return data
        if isinstance(data, list):
            return [self.decode(v) for v in data]
        if not isinstance(data, dict) or TAG not in data:
            raise StateCodecError("not written by the state codec")
        tag = data[TAG]
        raw: Any = data.get("v")
        if tag == "o":
            cls = self._type(data.get("t"))
            if not isinstance(raw, dict):
                raise StateCodecError("malformed object")
            return cls(**{str(k): self.decode(v) for k, v in raw.items()})
        if tag == "e":
            return self._type(data.get("t"))(self.decode(raw))
        if tag == "t":
            return tuple(self.decode(v) for v in raw)
        if tag == "d":
            return {self.decode(k): self.decode(v) for k, v in raw}
        if tag == "f":
            return float(raw)
        simple: dict[str, Any] = {
            "dt": datetime.fromisoformat,
            "da": date.fromisoformat,
            "ti": time.fromisoformat,
            "td": lambda v: timedelta(seconds=v),
            "n": Decimal,
            "p": Path,
        }
        if tag not in simple:
            raise StateCodecError(f"unknown tag {tag!r}")
        return simple[tag](raw)

    def _name(self, cls: type) -> str:
        name = f"{cls.__module__}.{cls.__qualname__}"
        if self._types.get(name) is not cls:
            raise StateCodecError(f"{name} is not registered for conversation state")
        return name

    def _type(self, name: object) -> type:
        cls = self._types.get(str(name))
        if cls is None:
            raise StateCodecError(f"{name} is not registered for conversation state")
        return cls
