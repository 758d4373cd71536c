"""Complaints as the reporter follows them and as the office handles them.

Who sees a complaint: office staff and leaders those whose village lies in their scope (a
complaint that names no village only the county-wide), and everyone the ones assigned to
them. Anything else is answered as if it did not exist.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.complaints import (
    OPEN_STATUSES,
    ComplaintLine,
    NoteView,
    StaleComplaint,
    Substantiation,
    TrackMessage,
)
from bot.domain.people import Scope
from bot.domain.vocabulary import (
    ComplaintCategory,
    ComplaintMessageKind,
    ComplaintOutcome,
    ComplaintStatus,
    OrgKind,
    Role,
)
from storage.models import (
    Complaint,
    ComplaintAttachment,
    ComplaintMessage,
    ComplaintNote,
    OrgUnit,
    User,
)

Investigator = aliased(User)


def _reach(scope: Scope, actor_id: int, sees_all: bool) -> ColumnElement[bool]:
    """The complaints an office user may see (the query must outer-join the village)."""
    assigned = Complaint.handled_by_id == actor_id
    if not sees_all:
        return assigned
    if scope.org_path is None:
        return Complaint.id.is_not(None)
    in_scope = and_(
        Complaint.village_id.is_not(None),
        OrgUnit.path.startswith(scope.org_path, autoescape=True),
    )
    return or_(in_scope, assigned)


VILLAGE = OrgUnit.id == Complaint.village_id


class ComplaintQueries:
    """Queries over complaints and what hangs off them, in one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, complaint: Complaint) -> Complaint:
        """Store a new complaint and give it its id."""
        self.session.add(complaint)
        await self.session.flush()
        return complaint

    def add_message(self, message: ComplaintMessage) -> None:
        """Add a message shown on /track."""
        self.session.add(message)

    def add_note(self, note: ComplaintNote) -> None:
        """Add an internal note."""
        self.session.add(note)

    def add_attachment(self, attachment: ComplaintAttachment) -> None:
        """Add a cleaned picture."""
        self.session.add(attachment)

    async def by_receipt(self, receipt_hash: str) -> Complaint | None:
        """The complaint whose receipt code has this hash."""
        return await self.session.scalar(
            select(Complaint).where(Complaint.receipt_hash == receipt_hash)
        )

    async def messages(self, complaint_id: int) -> list[TrackMessage]:
        """The messages between reporter and office, oldest first."""
        rows = await self.session.execute(
            select(ComplaintMessage.kind, ComplaintMessage.body, ComplaintMessage.on_day)
            .where(ComplaintMessage.complaint_id == complaint_id)
            .order_by(ComplaintMessage.id)
        )
        return [TrackMessage(ComplaintMessageKind(k), body, day) for k, body, day in rows]

    async def page(
        self,
        scope: Scope,
        actor_id: int,
        sees_all: bool,
        *,
        status: ComplaintStatus | None,
        offset: int,
        limit: int,
    ) -> tuple[list[ComplaintLine], int]:
        """A page of complaints the user may see, newest first, and how many in all."""
        conditions = [_reach(scope, actor_id, sees_all)]
        if status is not None:
            conditions.append(Complaint.status == status)
        total = await self.session.scalar(
            select(func.count(Complaint.id)).outerjoin(OrgUnit, VILLAGE).where(*conditions)
        )
        rows = await self.session.execute(
            select(
                Complaint.id,
                Complaint.ref_code,
                Complaint.category,
                Complaint.status,
                Complaint.filed_on,
                Complaint.concerns,
                Investigator.name,
            )
            .outerjoin(OrgUnit, VILLAGE)
            .outerjoin(Investigator, Investigator.id == Complaint.handled_by_id)
            .where(*conditions)
            .order_by(Complaint.id.desc())
            .offset(offset)
            .limit(limit)
        )
        lines = [
            ComplaintLine(
                id=cid,
                case_ref=ref,
                category=ComplaintCategory(category),
                status=ComplaintStatus(state),
                filed_on=filed,
                concerns=concerns or "",
                investigator=investigator,
            )
            for cid, ref, category, state, filed, concerns, investigator in rows
        ]
        return lines, int(total or 0)

    async def in_reach(
        self, complaint_id: int, scope: Scope, actor_id: int, sees_all: bool
    ) -> Complaint | None:
        """A complaint by id, if the user may see it."""
        complaint: Complaint | None = await self.session.scalar(
            select(Complaint)
            .outerjoin(OrgUnit, VILLAGE)
            .where(Complaint.id == complaint_id, _reach(scope, actor_id, sees_all))
        )
        return complaint

    async def names(self, complaint: Complaint) -> tuple[str | None, str | None, str | None]:
        """The village, the helper it is about, and the investigator, by name."""
        village = helper = investigator = None
        if complaint.village_id is not None:
            village = await self.session.scalar(
                select(OrgUnit.name).where(OrgUnit.id == complaint.village_id)
            )
        if complaint.subject_helper_id is not None:
            helper = await self.session.scalar(
                select(User.name).where(User.id == complaint.subject_helper_id)
            )
        if complaint.handled_by_id is not None:
            investigator = await self.session.scalar(
                select(User.name).where(User.id == complaint.handled_by_id)
            )
        return village, helper, investigator

    async def attachments(self, complaint_id: int) -> list[str]:
        """Paths of the complaint's pictures, relative to the data folder."""
        return list(
            await self.session.scalars(
                select(ComplaintAttachment.relpath)
                .where(ComplaintAttachment.complaint_id == complaint_id)
                .order_by(ComplaintAttachment.id)
            )
        )

    async def notes(self, complaint_id: int) -> list[NoteView]:
        """The internal notes, oldest first."""
        rows = await self.session.execute(
            select(User.name, ComplaintNote.body, ComplaintNote.created_at)
            .outerjoin(User, User.id == ComplaintNote.author_id)
            .where(ComplaintNote.complaint_id == complaint_id)
            .order_by(ComplaintNote.id)
        )
        return [NoteView(name or "?", body, at.date()) for name, body, at in rows]

    async def stale(self, cutoff: date) -> list[StaleComplaint]:
        """Open complaints the office has not acted on since `cutoff` or before."""
        touched = func.coalesce(Complaint.updated_on, Complaint.filed_on)
        rows = await self.session.execute(
            select(Complaint.id, Complaint.ref_code, OrgUnit.path, touched)
            .outerjoin(OrgUnit, VILLAGE)
            .where(Complaint.status.in_([str(s) for s in OPEN_STATUSES]), touched <= cutoff)
            .order_by(touched, Complaint.id)
        )
        return [StaleComplaint(cid, ref, path, day) for cid, ref, path, day in rows]

    async def office_recipients(self) -> list[tuple[int, str | None, str | None]]:
        """Bound office staff: Telegram id, language and scope path (None: county-wide)."""
        rows = await self.session.execute(
            select(User.telegram_id, User.language, OrgUnit.path)
            .outerjoin(OrgUnit, OrgUnit.id == User.scope_id)
            .where(User.role == Role.OFFICE, User.telegram_id.is_not(None), User.active)
            .order_by(User.id)
        )
        return [(int(tid or 0), lang, path) for tid, lang, path in rows]

    async def substantiated(self, helper_id: int, first: date, last: date) -> list[Substantiation]:
        """Complaints about a helper closed as (partly) substantiated between two days."""
        rows = await self.session.execute(
            select(Complaint.id, Complaint.outcome, Complaint.closed_on)
            .where(
                Complaint.subject_helper_id == helper_id,
                Complaint.status == ComplaintStatus.RESOLVED,
                Complaint.outcome.in_(
                    [str(ComplaintOutcome.SUBSTANTIATED), str(ComplaintOutcome.PARTLY)]
                ),
                Complaint.closed_on >= first,
                Complaint.closed_on <= last,
            )
            .order_by(Complaint.closed_on, Complaint.id)
        )
        return [
            Substantiation(cid, ComplaintOutcome(str(o)), day)
            for cid, o, day in rows
            if day is not None
        ]

    async def village_named(self, name: str, scope: Scope) -> int | None:
        """The id of the one village of this name inside the scope, if exactly one."""
        query = select(OrgUnit.id).where(OrgUnit.kind == OrgKind.VILLAGE, OrgUnit.name == name)
        if scope.org_path is not None:
            query = query.where(OrgUnit.path.startswith(scope.org_path, autoescape=True))
        ids = list(await self.session.scalars(query.limit(2)))
        return ids[0] if len(ids) == 1 else None
