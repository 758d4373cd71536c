"""The office's review of evidence: open flags, clearing them, confirming home locations.

Every read and every action is limited to the admin's scope; a record outside it is refused
exactly as if it did not exist.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.errors import FlagNotFound, NoProposedHome, NotAllowed
from bot.domain.people import Actor
from bot.domain.review import ConfirmedHome, FlagPage
from bot.domain.roles import can_review_flags
from bot.domain.vocabulary import FlagKind, HomeSource
from storage.uow import UnitOfWork


def _check(actor: Actor) -> None:
    if not can_review_flags(actor.role):
        raise NotAllowed()


async def open_flags(
    uow: UnitOfWork, actor: Actor, *, offset: int = 0, limit: int = 5
) -> FlagPage:
    """A page of uncleared flags in the actor's scope, newest visits first."""
    _check(actor)
    async with uow:
        flags, total = await uow.review.open_flags(actor.scope, offset=max(0, offset), limit=limit)
    return FlagPage(flags=flags, total=total, offset=offset)


async def flag_to_clear(uow: UnitOfWork, actor: Actor, flag_id: int) -> int:
    """Check that an open flag in the actor's scope exists before asking why to clear it."""
    _check(actor)
    async with uow:
        if await uow.review.open_flag(flag_id, actor.scope) is None:
            raise FlagNotFound()
    return flag_id


async def clear_flag(
    uow: UnitOfWork, actor: Actor, *, flag_id: int, reason: str, now: datetime
) -> int:
    """Clear one flag with the admin's reason; audited. Returns the flag's visit id."""
    _check(actor)
    async with uow:
        flag = await uow.review.open_flag(flag_id, actor.scope)
        if flag is None:
            raise FlagNotFound()
        flag.cleared_at = now
        flag.cleared_by_id = actor.id
        flag.clear_reason = reason
        uow.record(
            actor,
            "flag.clear",
            target_type="visit_flag",
            target_id=flag.id,
            visit_id=flag.visit_id,
            kind=flag.kind,
            reason=reason,
        )
        await uow.commit()
        return flag.visit_id


async def confirm_home(
    uow: UnitOfWork, actor: Actor, *, household_id: int, now: datetime
) -> ConfirmedHome:
    """Make a household's proposed location (from its first visit) its home; audited."""
    _check(actor)
    async with uow:
        household = await uow.households.in_scope(household_id, actor.scope)
        if household is None or household.proposed_home_lat is None:
            raise NoProposedHome()
        household.home_lat = household.proposed_home_lat
        household.home_lon = household.proposed_home_lon
        household.home_source = HomeSource.CONFIRMED_VISIT
        visit_id = household.proposed_by_visit_id
        household.proposed_home_lat = household.proposed_home_lon = None
        household.proposed_by_visit_id = None
        if visit_id is not None:
            for flag in await uow.review.open_flags_of_visit(visit_id, FlagKind.NO_HOME_LOCATION):
                flag.cleared_at, flag.cleared_by_id = now, actor.id
                flag.clear_reason = "home location confirmed"
        uow.record(
            actor,
            "household.home_confirm",
            target_type="household",
            target_id=household.id,
            visit_id=visit_id,
        )
        confirmed = ConfirmedHome(household_id=household.id, head_name=household.head_name)
        await uow.commit()
        return confirmed
