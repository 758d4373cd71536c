"""Rectifications (限期整改): daily reminders, expiry into a replacement flag, closing one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.appraisal import Rectification as RectificationView
from bot.domain.errors import NotAllowed, RectificationNotFound
from bot.domain.people import Actor, Scope
from bot.domain.vocabulary import Role
from storage.uow import UnitOfWork

OPEN, CLOSED, FAILED = "open", "closed", "failed"


@dataclass(frozen=True)
class HelperNotice:
    """A helper's reminder of their own rectification."""

    telegram_id: int
    language: str | None
    due_on: date
    days_left: int


@dataclass(frozen=True)
class OfficeNotice:
    """An office user's list: rectifications still open, and those that just failed."""

    telegram_id: int
    language: str | None
    open: list[RectificationView] = field(default_factory=list)
    failed: list[RectificationView] = field(default_factory=list)


@dataclass(frozen=True)
class RectificationDigest:
    """Everything the daily job sends."""

    helpers: list[HelperNotice]
    office: list[OfficeNotice]


async def rectification_round(uow: UnitOfWork, *, today: date) -> RectificationDigest:
    """Fail the expired rectifications (flagged for replacement) and say who to remind."""
    async with uow:
        rows = await uow.consequences.open_rectifications()
        still_open: list[tuple[RectificationView, int | None, str | None]] = []
        failed: list[RectificationView] = []
        for row, name, telegram_id, language in rows:
            view = RectificationView(row.id, row.helper_id, name, row.due_on, row.status)
            if row.due_on < today:
                row.status = FAILED
                uow.record(
                    "system",
                    "rectification.fail",
                    target_type="rectification",
                    target_id=row.id,
                    helper_id=row.helper_id,
                    due_on=row.due_on.isoformat(),
                    replace_helper=True,
                )
                failed.append(RectificationView(row.id, row.helper_id, name, row.due_on, FAILED))
            else:
                still_open.append((view, telegram_id, language))
        office = []
        for chat, language, path in await uow.consequences.office_chats():
            scope = Scope(org_path=path)
            mine_open = [
                v for v, _, _ in still_open if await uow.appraisal.helper(v.helper_id, scope)
            ]
            mine_failed = [v for v in failed if await uow.appraisal.helper(v.helper_id, scope)]
            if mine_open or mine_failed:
                office.append(OfficeNotice(chat, language, mine_open, mine_failed))
        await uow.commit()
    helpers = [
        HelperNotice(tid, lang, v.due_on, (v.due_on - today).days)
        for v, tid, lang in still_open
        if tid is not None
    ]
    return RectificationDigest(helpers=helpers, office=office)


async def close_rectification(
    uow: UnitOfWork, actor: Actor, rect_id: int, *, today: date, now: datetime
) -> RectificationView:
    """The office records that a helper rectified in time; audited."""
    if actor.role != Role.OFFICE:
        raise NotAllowed()
    async with uow:
        row = await uow.consequences.rectification(rect_id, actor.scope)
        if row is None:
            raise RectificationNotFound()
        row.status = CLOSED
        row.closed_on = today
        row.closed_by_id = actor.id
        uow.record(
            actor,
            "rectification.close",
            target_type="rectification",
            target_id=row.id,
            helper_id=row.helper_id,
            at=now.isoformat(),
        )
        names = await uow.consequences.names([row.helper_id])
        await uow.commit()
        return RectificationView(
            row.id, row.helper_id, names.get(row.helper_id, ""), row.due_on, CLOSED
        )
