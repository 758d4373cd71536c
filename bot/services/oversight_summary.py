"""The oversight part of a helper's card: their last spot checks and latest appraisal."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.appraisal import AppraisalLine, CheckRow, Rectification
from bot.domain.errors import HelperNotFound, NotAllowed
from bot.domain.people import Actor
from bot.domain.vocabulary import Role
from bot.services.appraisal import line_of
from storage.uow import UnitOfWork

CARD_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.MEMBER})
LAST_CHECKS = 3


@dataclass(frozen=True)
class HelperOversight:
    """A helper's last spot checks (newest first), most recent final appraisal, and a
    rectification still open or failed (the helper is then to be replaced)."""

    checks: tuple[CheckRow, ...]
    appraisal: AppraisalLine | None
    rectification: Rectification | None = None


async def helper_oversight(uow: UnitOfWork, actor: Actor, helper_id: int) -> HelperOversight:
    """What the office last found about a helper in the actor's scope."""
    if actor.role not in CARD_ROLES:
        raise NotAllowed()
    async with uow:
        helper = await uow.appraisal.helper(helper_id, actor.scope)
        if helper is None:
            raise HelperNotFound()
        checks = await uow.consequences.recent_checks(helper_id, LAST_CHECKS)
        latest = await uow.appraisal.latest_final(helper_id)
        rect = await uow.consequences.pending_rectification(helper_id)
        return HelperOversight(
            checks=tuple(checks),
            appraisal=line_of(latest, helper.name) if latest is not None else None,
            rectification=(
                Rectification(rect.id, helper_id, helper.name, rect.due_on, rect.status)
                if rect is not None
                else None
            ),
        )
