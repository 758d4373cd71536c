"""The office's review of visit evidence, as the core reports it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.vocabulary import FlagKind


@dataclass(frozen=True)
class OpenFlag:
    """An uncleared flag with what an admin needs to judge it."""

    flag_id: int
    kind: FlagKind
    reason: str
    numbers: dict[str, object]
    visit_id: int
    visited_at: datetime
    helper_name: str
    household_id: int
    household_name: str
    village: str
    has_proposed_home: bool


@dataclass(frozen=True)
class FlagPage:
    """One page of open flags and how many there are in the admin's scope."""

    flags: list[OpenFlag] = field(default_factory=list)
    total: int = 0
    offset: int = 0


@dataclass(frozen=True)
class ConfirmedHome:
    """A household whose proposed home location an admin confirmed."""

    household_id: int
    head_name: str
