"""The office's review of evidence: open flags, clearing them, confirming home locations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import DomainError, NotAllowed
from bot.i18n import N_
from bot.roles import can_review_flags
from bot.services.audit import record
from storage.enums import HomeSource
from storage.models import Household, User, Visit, VisitFlag


class FlagNotFound(DomainError):
    """The flag does not exist or was already cleared."""

    message = N_("That flag was not found or is already cleared.")


class NoProposedHome(DomainError):
    """There is no proposed home location to confirm."""

    message = N_("This household has no proposed home location to confirm.")


@dataclass(frozen=True)
class OpenFlag:
    """An uncleared flag with what an admin needs to judge it."""

    flag_id: int
    kind: str
    reason: str
    numbers: dict[str, object]
    visit_id: int
    visited_at: datetime
    helper_name: str
    household_id: int
    household_name: str
    has_proposed_home: bool


async def open_flags(
    session: AsyncSession, *, offset: int = 0, limit: int = 5
) -> tuple[list[OpenFlag], int]:
    """A page of uncleared flags, newest visits first, and how many there are in all."""
    total = await session.scalar(
        select(func.count(VisitFlag.id)).where(VisitFlag.cleared_at.is_(None))
    )
    rows = await session.execute(
        select(
            VisitFlag.id,
            VisitFlag.kind,
            VisitFlag.reason,
            VisitFlag.numbers,
            Visit.id,
            Visit.visited_at,
            User.name,
            Household.id,
            Household.head_name,
            Household.proposed_home_lat,
        )
        .join(Visit, Visit.id == VisitFlag.visit_id)
        .join(User, User.id == Visit.helper_id)
        .join(Household, Household.id == Visit.household_id)
        .where(VisitFlag.cleared_at.is_(None))
        .order_by(Visit.visited_at.desc(), VisitFlag.id)
        .offset(offset)
        .limit(limit)
    )
    flags = [
        OpenFlag(
            fid,
            kind,
            reason,
            dict(numbers or {}),
            vid,
            at,
            helper,
            hid,
            hname,
            proposed is not None,
        )
        for fid, kind, reason, numbers, vid, at, helper, hid, hname, proposed in rows
    ]
    return flags, int(total or 0)


async def clear_flag(
    session: AsyncSession, *, actor: User, flag_id: int, reason: str, now: datetime
) -> VisitFlag:
    """Clear one flag with the admin's reason; audited."""
    if not can_review_flags(actor.role):
        raise NotAllowed()
    flag = await session.get(VisitFlag, flag_id)
    if flag is None or flag.cleared_at is not None:
        raise FlagNotFound()
    flag.cleared_at = now
    flag.cleared_by_id = actor.id
    flag.clear_reason = reason
    record(
        session,
        actor,
        "flag.clear",
        target_type="visit_flag",
        target_id=flag.id,
        visit_id=flag.visit_id,
        kind=flag.kind,
        reason=reason,
    )
    return flag


async def confirm_home(
    session: AsyncSession, *, actor: User, household_id: int, now: datetime
) -> Household:
    """Make a household's proposed location (from its first visit) its home; audited."""
    if not can_review_flags(actor.role):
        raise NotAllowed()
    household = await session.get(Household, household_id)
    if household is None or household.proposed_home_lat is None:
        raise NoProposedHome()
    household.home_lat = household.proposed_home_lat
    household.home_lon = household.proposed_home_lon
    household.home_source = HomeSource.CONFIRMED_VISIT
    visit_id = household.proposed_by_visit_id
    household.proposed_home_lat = household.proposed_home_lon = None
    household.proposed_by_visit_id = None
    if visit_id is not None:
        pending = await session.scalars(
            select(VisitFlag).where(
                VisitFlag.visit_id == visit_id,
                VisitFlag.kind == "no_home_location",
                VisitFlag.cleared_at.is_(None),
            )
        )
        for flag in pending:
            flag.cleared_at, flag.cleared_by_id = now, actor.id
            flag.clear_reason = "home location confirmed"
    record(
        session,
        actor,
        "household.home_confirm",
        target_type="household",
        target_id=household.id,
        visit_id=visit_id,
    )
    return household
