"""The unit of work: one session, one transaction, the queries over it, one commit."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.people import Actor
from storage.db import SessionFactory
from storage.queries.appraisal import AppraisalQueries
from storage.queries.audit import record
from storage.queries.complaints import ComplaintQueries
from storage.queries.consequences import ConsequenceQueries
from storage.queries.households import HouseholdQueries
from storage.queries.oversight import OversightQueries
from storage.queries.people import PeopleQueries
from storage.queries.photo_search import PhotoSearchQueries
from storage.queries.photos import PhotoQueries
from storage.queries.records import RecordQueries
from storage.queries.reminders import ReminderQueries
from storage.queries.review import ReviewQueries
from storage.queries.state import StateQueries
from storage.queries.visits import VisitQueries


class UnitOfWork:
    """A transaction for one use case: `async with uow: ...; await uow.commit()`.

    Leaving the block without `commit()` rolls everything back, so a use case that raises a
    domain error half-way stores nothing.
    """

    session: AsyncSession
    people: PeopleQueries
    households: HouseholdQueries
    visits: VisitQueries
    review: ReviewQueries
    photos: PhotoQueries
    complaints: ComplaintQueries
    records: RecordQueries
    reminders: ReminderQueries
    oversight: OversightQueries
    appraisal: AppraisalQueries
    consequences: ConsequenceQueries
    state: StateQueries
    photo_search: PhotoSearchQueries

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self.people = PeopleQueries(self.session)
        self.households = HouseholdQueries(self.session)
        self.visits = VisitQueries(self.session)
        self.review = ReviewQueries(self.session)
        self.photos = PhotoQueries(self.session)
        self.complaints = ComplaintQueries(self.session)
        self.records = RecordQueries(self.session)
        self.reminders = ReminderQueries(self.session)
        self.oversight = OversightQueries(self.session)
        self.appraisal = AppraisalQueries(self.session)
        self.consequences = ConsequenceQueries(self.session)
        self.state = StateQueries(self.session)
        self.photo_search = PhotoSearchQueries(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()

    async def flush(self) -> None:
        """Send pending changes so that ids and constraints are known."""
        await self.session.flush()

    async def commit(self) -> None:
        """Make the use case's changes permanent."""
        await self.session.commit()

    def record(
        self,
        actor: Actor | str,
        action: str,
        *,
        target_type: str | None = None,
        target_id: int | None = None,
        **detail: Any,
    ) -> None:
        """Add an audit entry; it commits, or not, with the action itself."""
        record(self.session, actor, action, target_type=target_type, target_id=target_id, **detail)
