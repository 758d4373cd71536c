"""The helper card's section on last spot checks and appraisal (平時考核, 年度考核).

The card asks this module and shows whatever it returns; until appraisals are built the
section is empty (None) and the card leaves it out.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.people import Actor
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class OversightSection:
    """Lines for the helper card: the last spot checks and the latest appraisal."""

    lines: tuple[str, ...] = ()


async def helper_oversight(
    uow: UnitOfWork, actor: Actor, helper_id: int
) -> OversightSection | None:
    """The helper's last spot checks and appraisal as the actor may see them (None: none)."""
    return None
