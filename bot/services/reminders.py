"""Who is behind this month, and sending a reminder stage to them exactly once.

The standings of every helper come from a fixed number of queries whatever the number of
helpers. Each nudge is claimed in the database (a unique row) before it is sent, and its
outcome recorded after: the database, not the scheduler, knows what went out.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.domain.people import Scope, scope_for
from bot.domain.quota import HelperMonth, HouseholdMonth, MonthTotals, quota_for
from bot.domain.reminders import HELPER_STAGES, Outcome, Stage, Standing, behind, missed
from bot.domain.vocabulary import Role
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
UowFactory = Callable[[], UnitOfWork]
OFFICE_ROLES = (Role.OFFICE, Role.LEADER)
# A claim still pending after this long belongs to a sender that died before recording the
# outcome; another run takes it over (the one window where a nudge may go out twice).
STALE_CLAIM = timedelta(minutes=10)


@dataclass(frozen=True)
class Button:
    """An inline button that opens a URL (a deep link into the bot)."""

    label: str
    url: str


@dataclass(frozen=True)
class Outgoing:
    """One message to one chat: HTML text, or a PNG with the text as its caption."""

    chat_id: int
    text: str
    buttons: tuple[Button, ...] = ()
    photo: bytes | None = None


class Delivery(enum.Enum):
    """What the Bot API made of a message."""

    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


@dataclass(frozen=True)
class Delivered:
    """The result of sending one message."""

    delivery: Delivery
    detail: str | None = None


class Messenger(Protocol):
    """Sends reminders: the running bot's client, or the standalone Bot API client."""

    async def send(self, message: Outgoing) -> Delivered:
        """Send one message, retrying what is worth retrying; never raises for the API."""
        ...

    def visit_link(self, household_id: int) -> str | None:
        """A deep link that opens /visit for a household, if the bot's name is known."""
        ...


@dataclass(frozen=True)
class HelperLines:
    """A helper's standing with each household's village path, for scoping the digest."""

    standing: Standing
    department_id: int | None
    households: tuple[HouseholdMonth, ...]
    village_paths: tuple[str, ...]


async def standings(uow: UnitOfWork, period: int, default_quota: int) -> list[Standing]:
    """Who is behind and by how much, every active helper at once: one query in all.

    The shortfall is computed in the database (one row of figures per helper); the
    households' names are not read here, only for the helpers a stage goes to
    (`with_short_households`).
    """
    return [
        Standing(
            r.helper_id,
            r.name,
            r.telegram_id,
            r.language,
            r.unreachable,
            MonthTotals(period, r.households, r.required, r.done),
        )
        for r in await uow.reminders.shortfall(period, default_quota)
    ]


async def with_short_households(
    uow: UnitOfWork, period: int, default_quota: int, chosen: Sequence[Standing]
) -> list[Standing]:
    """The chosen standings with the households still short, named: one query."""
    wanted = {s.helper_id for s in chosen}
    short: dict[int, list[HouseholdMonth]] = defaultdict(list)
    if wanted:
        for r in await uow.reminders.short_households(period, default_quota):
            if r.helper_id in wanted:
                short[r.helper_id].append(
                    HouseholdMonth(
                        household_id=r.household_id,
                        head_name=r.head_name,
                        village=r.village,
                        days=r.days,
                        quota=quota_for(r.quota_override, default_quota),
                    )
                )
    return [replace(s, short=tuple(short.get(s.helper_id, ()))) for s in chosen]


async def scoped_standings(uow: UnitOfWork, period: int, default_quota: int) -> list[HelperLines]:
    """Every active helper's month household by household, with village paths: two queries.

    The digest needs this much because an admin sees only the households in their scope,
    and the figures of a helper depend on which of their households that leaves.
    """
    rows = await uow.reminders.paired_days_all(period)
    helpers = await uow.reminders.recipients((Role.HELPER,))
    by_helper: dict[int, list[tuple[HouseholdMonth, str]]] = defaultdict(list)
    for r in rows:
        household = HouseholdMonth(
            household_id=r.household_id,
            head_name=r.head_name,
            village=r.village,
            days=r.days,
            quota=quota_for(r.quota_override, default_quota),
        )
        by_helper[r.helper_id].append((household, r.village_path))
    out = []
    for h in helpers:
        lines = by_helper.get(h.user_id, [])
        households = tuple(hm for hm, _ in lines)
        month = HelperMonth(period=period, households=households)
        standing = Standing(
            h.user_id, h.name, h.telegram_id, h.language, h.unreachable, month.totals
        )
        out.append(HelperLines(standing, h.department_id, households, tuple(p for _, p in lines)))
    return out


def households_within(lines: HelperLines, scope: Scope) -> tuple[HouseholdMonth, ...]:
    """The households of a helper's month that an admin's scope covers."""
    if not scope.covers_department(lines.department_id):
        return ()
    return tuple(
        h
        for h, path in zip(lines.households, lines.village_paths, strict=True)
        if scope.covers_org(path)
    )


def within(lines: HelperLines, scope: Scope) -> Standing | None:
    """The part of a helper's month an admin's scope covers (None: none of it)."""
    kept = households_within(lines, scope)
    if not kept:
        return None
    month = HelperMonth(period=lines.standing.totals.period, households=kept)
    return replace(lines.standing, totals=month.totals, short=tuple(h for h in kept if not h.met))


@dataclass
class StageReport:
    """How a stage run went: nudges sent now, already claimed before, failed, blocked, and
    helpers who have not signed up to the bot (nothing to send to; tried again next run)."""

    stage: Stage
    period: int
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    blocked: int = 0
    not_signed_up: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        """Nudges this run tried to deliver."""
        return self.sent + self.failed + self.blocked


@dataclass(frozen=True)
class Digest:
    """The office digest of one admin's scope for a month that ended."""

    period: int
    helpers: int
    missed: tuple[Standing, ...]
    unreachable: tuple[Standing, ...]


@dataclass(frozen=True)
class Target:
    """One nudge to claim and send, with the message built for it."""

    user_id: int
    message: Outgoing | None  # None: no Telegram account to send to


Render = Callable[[Stage, Standing, Messenger], Outgoing]
RenderDigest = Callable[[Digest, int, str | None], Awaitable[Outgoing]]


async def plan_stage(
    uows: UowFactory,
    messenger: Messenger,
    stage: Stage,
    period: int,
    today: date,
    default_quota: int,
    render: Render,
    render_digest: RenderDigest,
) -> list[Target]:
    """The nudges a stage consists of, each with its message (read-only)."""
    if stage in HELPER_STAGES:
        async with uows() as uow:
            due = behind(await standings(uow, period, default_quota), stage, today)
            due = await with_short_households(uow, period, default_quota, due)
        return [
            Target(s.helper_id, render(stage, s, messenger) if s.telegram_id is not None else None)
            for s in due
        ]
    async with uows() as uow:
        lines = await scoped_standings(uow, period, default_quota)
        office = await uow.reminders.recipients(OFFICE_ROLES)
    targets = []
    for admin in office:
        scope = scope_for(admin.role, admin.scope_path, admin.department_id)
        seen = [s for s in (within(x, scope) for x in lines) if s is not None]
        digest = Digest(
            period=period,
            helpers=len([s for s in seen if s.totals.households]),
            missed=tuple(missed(seen)),
            unreachable=tuple(s for s in seen if s.unreachable or s.telegram_id is None),
        )
        message = None
        if admin.telegram_id is not None:
            message = await render_digest(digest, admin.telegram_id, admin.language)
        targets.append(Target(admin.user_id, message))
    return targets


async def _claim(
    uows: UowFactory,
    target: Target,
    stage: Stage,
    period: int,
    now: datetime,
    stale_after: timedelta,
) -> bool:
    async with uows() as uow:
        won = await uow.reminders.claim(target.user_id, period, stage, now)
        if not won:
            won = await uow.reminders.reclaim_stale(
                target.user_id, period, stage, now - stale_after, now
            )
        await uow.commit()
        return won


async def _settle(
    uows: UowFactory,
    target: Target,
    stage: Stage,
    period: int,
    delivered: Delivered,
    now: datetime,
) -> None:
    outcome = {
        Delivery.SENT: Outcome.SENT,
        Delivery.BLOCKED: Outcome.BLOCKED,
        Delivery.FAILED: Outcome.FAILED,
    }[delivered.delivery]
    async with uows() as uow:
        await uow.reminders.settle(target.user_id, period, stage, outcome, now, delivered.detail)
        if delivered.delivery == Delivery.BLOCKED:
            await uow.reminders.mark_unreachable(
                target.user_id, delivered.detail or "blocked", now
            )
        elif delivered.delivery == Delivery.SENT:
            await uow.reminders.mark_reachable(target.user_id)
        await uow.commit()


async def deliver(
    uows: UowFactory,
    messenger: Messenger,
    stage: Stage,
    period: int,
    targets: Sequence[Target],
    clock: Callable[[], datetime],
    *,
    concurrency: int = 16,
    stale_after: timedelta = STALE_CLAIM,
) -> StageReport:
    """Claim, send and record each target; a target claimed before is skipped."""
    report = StageReport(stage, period)
    queue: asyncio.Queue[Target] = asyncio.Queue()
    for target in targets:
        queue.put_nowait(target)

    async def one(target: Target, message: Outgoing) -> Delivered | None:
        if not await _claim(uows, target, stage, period, clock(), stale_after):
            return None
        delivered = await messenger.send(message)
        await _settle(uows, target, stage, period, delivered, clock())
        return delivered

    async def worker() -> None:
        while not queue.empty():
            target = queue.get_nowait()
            if target.message is None:
                # Not claimed: a helper who signs up later today still gets this stage.
                report.not_signed_up += 1
                continue
            try:
                outcome = await one(target, target.message)
            except Exception as exc:
                # A database too busy to claim or settle one nudge must not stop the others:
                # an unclaimed nudge goes out on the next run, an unsettled claim once stale.
                log.warning("reminder to user %s not completed: %s", target.user_id, exc)
                outcome = Delivered(Delivery.FAILED, f"not completed: {type(exc).__name__}")
            if outcome is None:
                report.skipped += 1
                continue
            delivered = outcome
            if delivered.delivery == Delivery.SENT:
                report.sent += 1
            elif delivered.delivery == Delivery.BLOCKED:
                report.blocked += 1
            else:
                report.failed += 1
                report.failures.append(f"{target.user_id}: {delivered.detail}")

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    return report
