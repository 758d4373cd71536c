"""The export kinds: each is Chinese headers, column widths and an async source of rows.

A new kind is one `register(ExportKind(...))` call; /export and `bangfu export` list and run
whatever is registered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from bot.domain.oversight import PeriodSpan
from bot.domain.people import Scope
from bot.domain.vocabulary import Role
from storage.uow import UnitOfWork

Cell = str | int | float | date | datetime | None


@dataclass(frozen=True)
class ExportQuery:
    """What to export: the area (a scope), the months, and the zone times are shown in."""

    scope: Scope
    span: PeriodSpan
    tz: tzinfo


# Rows of one kind, read inside the unit of work the caller opened.
RowSource = Callable[[UnitOfWork, ExportQuery], AsyncIterator[Sequence[Cell]]]


@dataclass(frozen=True)
class ExportKind:
    """One kind of export: its key (/export KEY), sheet title, headers, widths and rows."""

    key: str
    title: str
    headers: tuple[str, ...]
    widths: tuple[int, ...]
    rows: RowSource
    # Whether the months matter (a list of households is as of now, whatever the period).
    uses_period: bool = True
    # Roles that may run it, when narrower than every overseer (appraisals: not members).
    roles: frozenset[Role] | None = None


_KINDS: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> ExportKind:
    """Make a kind available to /export and `bangfu export`."""
    if len(kind.widths) != len(kind.headers):
        raise ValueError(f"export {kind.key}: one width per header")
    _KINDS[kind.key] = kind
    return kind


def kind_named(key: str) -> ExportKind | None:
    """The registered kind with this key, if any."""
    return _KINDS.get(key.strip().lower())


def kind_keys() -> list[str]:
    """The keys of every registered kind, in registration order."""
    return list(_KINDS)
