"""Every helper's month in one go, nudges claimed before sending, unreachable users, chores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.reminders import Outcome, Stage
from bot.domain.vocabulary import Role
from storage.models import (
    Household,
    Invite,
    Nudge,
    OrgUnit,
    Pairing,
    Photo,
    Unreachable,
    User,
    Visit,
)

# How many times in all one nudge is tried, a try being one sender's bounded retries.
NUDGE_ATTEMPTS = 3


@dataclass(frozen=True)
class PairedDaysRow:
    """One current pairing with its household's visit days in a month."""

    helper_id: int
    household_id: int
    head_name: str
    village: str
    village_path: str
    quota_override: int | None
    days: int


@dataclass(frozen=True)
class ShortfallRow:
    """An active helper and their month in figures, as the quota rule computes them."""

    helper_id: int
    name: str
    telegram_id: int | None
    language: str | None
    unreachable: bool
    households: int
    required: int
    done: int


@dataclass(frozen=True)
class ShortRow:
    """One household still short this month, with the names a nudge shows."""

    helper_id: int
    household_id: int
    head_name: str
    village: str
    quota_override: int | None
    days: int


@dataclass(frozen=True)
class RecipientRow:
    """A user reminders may be sent to."""

    user_id: int
    name: str
    role: Role
    telegram_id: int | None
    language: str | None
    department_id: int | None
    scope_path: str | None
    unreachable: bool


def _days(period: int, dialect: str = "sqlite") -> Any:
    """Each household's distinct local visit days in a month (the quota counts days)."""
    if dialect == "postgresql":
        # PostgreSQL sorts within every group for count(DISTINCT); grouping by (household,
        # day) first streams in the order of the (period, household, day) index instead.
        pairs = (
            select(Visit.household_id, Visit.local_day)
            .where(Visit.period == period)
            .group_by(Visit.household_id, Visit.local_day)
            .subquery()
        )
        return (
            select(pairs.c.household_id.label("household_id"), func.count().label("days"))
            .group_by(pairs.c.household_id)
            .subquery()
        )
    return (
        select(
            Visit.household_id.label("household_id"),
            func.count(func.distinct(Visit.local_day)).label("days"),
        )
        .where(Visit.period == period)
        .group_by(Visit.household_id)
        .subquery()
    )


def _quota(default_quota: int, own: Any = Household.visit_quota) -> ColumnElement[int]:
    """A household's quota in SQL: its own when set (never below zero), else the bureau's."""
    return case((own.is_(None), default_quota), (own < 0, 0), else_=own)


class ReminderQueries:
    """Queries of the reminders, in one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def shortfall(self, period: int, default_quota: int) -> list[ShortfallRow]:
        """Every active helper with their month in figures over their current pairings.

        One query, one row per helper; the households' names are read afterwards, only for
        the helpers a stage goes to.
        """
        days = _days(period, self.session.get_bind().dialect.name)
        # Only the few households with a quota of their own are joined, through a small
        # partial index; the rest take the bureau's without reading the households at all.
        own = aliased(Household)
        quota = _quota(default_quota, own.visit_quota)
        got = func.coalesce(days.c.days, 0)
        capped = case((got < quota, got), else_=quota)
        # Figures per helper first, then the helpers joined to them: the joins and the
        # grouping carry three numbers a pairing rather than every helper's columns.
        figures = (
            select(
                Pairing.helper_id.label("helper_id"),
                func.count().label("households"),
                func.sum(quota).label("required"),
                func.sum(capped).label("done"),
            )
            .outerjoin(own, and_(own.id == Pairing.household_id, own.visit_quota.is_not(None)))
            .outerjoin(days, days.c.household_id == Pairing.household_id)
            .where(Pairing.ended_on.is_(None))
            .group_by(Pairing.helper_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(
                User.id,
                User.name,
                User.telegram_id,
                User.language,
                Unreachable.user_id.is_not(None),
                figures.c.households,
                figures.c.required,
                figures.c.done,
            )
            .outerjoin(Unreachable, Unreachable.user_id == User.id)
            .outerjoin(figures, figures.c.helper_id == User.id)
            .where(User.active.is_(True), User.role == Role.HELPER)
            .order_by(User.id)
        )
        return [
            ShortfallRow(i, name, tg, lang, bool(u), int(n or 0), int(r or 0), int(d or 0))
            for i, name, tg, lang, u, n, r, d in rows
        ]

    async def short_households(self, period: int, default_quota: int) -> list[ShortRow]:
        """The households still short of every helper whose month is not met: one query."""
        days = _days(period, self.session.get_bind().dialect.name)
        quota = _quota(default_quota)
        got = func.coalesce(days.c.days, 0)
        capped = case((got < quota, got), else_=quota)
        behind = (
            select(Pairing.helper_id)
            .join(Household, Household.id == Pairing.household_id)
            .outerjoin(days, days.c.household_id == Pairing.household_id)
            .where(Pairing.ended_on.is_(None))
            .group_by(Pairing.helper_id)
            .having(func.sum(capped) < func.sum(quota))
        )
        rows = await self.session.execute(
            select(
                Pairing.helper_id,
                Household.id,
                Household.head_name,
                OrgUnit.name,
                Household.visit_quota,
                got,
            )
            .join(Household, Household.id == Pairing.household_id)
            .join(OrgUnit, OrgUnit.id == Household.village_id)
            .outerjoin(days, days.c.household_id == Pairing.household_id)
            .where(Pairing.ended_on.is_(None), got < quota, Pairing.helper_id.in_(behind))
            .order_by(Pairing.helper_id, OrgUnit.name, Household.head_name, Household.id)
        )
        return [ShortRow(h, i, name, village, q, int(n)) for h, i, name, village, q, n in rows]

    async def paired_days_all(self, period: int) -> list[PairedDaysRow]:
        """Every current pairing with its household's distinct visit days: one query."""
        # Distinct local days with a visit by anyone: the quota is the household's.
        days = (
            select(
                Visit.household_id,
                func.count(func.distinct(Visit.local_day)).label("days"),
            )
            .where(Visit.period == period)
            .group_by(Visit.household_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(
                Pairing.helper_id,
                Household.id,
                Household.head_name,
                OrgUnit.name,
                OrgUnit.path,
                Household.visit_quota,
                func.coalesce(days.c.days, 0),
            )
            .join(Household, Household.id == Pairing.household_id)
            .join(OrgUnit, OrgUnit.id == Household.village_id)
            .outerjoin(days, days.c.household_id == Household.id)
            .where(Pairing.ended_on.is_(None))
            .order_by(Pairing.helper_id, OrgUnit.name, Household.head_name, Household.id)
        )
        return [
            PairedDaysRow(h, i, name, village, path or "", q, int(n))
            for h, i, name, village, path, q, n in rows
        ]

    async def recipients(self, roles: tuple[Role, ...]) -> list[RecipientRow]:
        """Active users of these roles, with their scope and whether they are unreachable."""
        rows = await self.session.execute(
            select(
                User.id,
                User.name,
                User.role,
                User.telegram_id,
                User.language,
                User.department_id,
                OrgUnit.path,
                Unreachable.user_id.is_not(None),
            )
            .outerjoin(OrgUnit, OrgUnit.id == User.scope_id)
            .outerjoin(Unreachable, Unreachable.user_id == User.id)
            .where(User.active.is_(True), User.role.in_(roles))
            .order_by(User.id)
        )
        return [RecipientRow(*row) for row in rows]

    async def claim(self, user_id: int, period: int, stage: Stage, now: datetime) -> bool:
        """Insert the nudge's row; False when someone already claimed it."""
        try:
            async with self.session.begin_nested():
                self.session.add(
                    Nudge(user_id=user_id, period=period, stage=stage, claimed_at=now)
                )
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def reclaim_stale(
        self, user_id: int, period: int, stage: Stage, older_than: datetime, now: datetime
    ) -> bool:
        """Take over a claim whose sender died, or whose send failed, a while ago (one winner)."""
        result = await self.session.execute(
            update(Nudge)
            .where(
                Nudge.user_id == user_id,
                Nudge.period == period,
                Nudge.stage == stage,
                # A send that failed after its retries (a Bot API outage) gets a few more
                # chances on later ticks: a transient outage must not lose the nudge.
                or_(
                    Nudge.outcome == Outcome.PENDING,
                    and_(Nudge.outcome == Outcome.FAILED, Nudge.attempts < NUDGE_ATTEMPTS),
                ),
                Nudge.claimed_at < older_than,
            )
            .values(claimed_at=now, attempts=Nudge.attempts + 1)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def settle(
        self,
        user_id: int,
        period: int,
        stage: Stage,
        outcome: Outcome,
        at: datetime,
        detail: str | None = None,
    ) -> None:
        """Record what became of a claimed nudge."""
        await self.session.execute(
            update(Nudge)
            .where(Nudge.user_id == user_id, Nudge.period == period, Nudge.stage == stage)
            .values(
                outcome=outcome, sent_at=at if outcome == Outcome.SENT else None, detail=detail
            )
        )

    async def outcomes(self, period: int, stage: Stage) -> dict[int, Outcome]:
        """Each user's nudge outcome for a month and stage."""
        rows = await self.session.execute(
            select(Nudge.user_id, Nudge.outcome).where(
                Nudge.period == period, Nudge.stage == stage
            )
        )
        return {user_id: outcome for user_id, outcome in rows}

    async def mark_unreachable(self, user_id: int, reason: str, now: datetime) -> None:
        """Remember that Telegram refuses to deliver to this user."""
        if await self.session.get(Unreachable, user_id) is None:
            self.session.add(Unreachable(user_id=user_id, reason=reason[:200], since=now))

    async def mark_reachable(self, user_id: int) -> None:
        """Forget an earlier refusal: a message reached the user again."""
        await self.session.execute(delete(Unreachable).where(Unreachable.user_id == user_id))

    async def referenced_photo_files(self) -> set[str]:
        """Every file a stored photo refers to (originals and thumbnails)."""
        rows = await self.session.execute(select(Photo.file_path, Photo.thumb_path))
        return {path for pair in rows for path in pair}

    async def purge_expired_invites(self, now: datetime) -> int:
        """Delete unused invites past their expiry; how many."""
        result = await self.session.execute(
            delete(Invite).where(Invite.expires_at < now, Invite.used_at.is_(None))
        )
        return int(getattr(result, "rowcount", 0) or 0)
