"""The office's side of complaints: list, open, assign, note, answer, resolve or dismiss.

Helpers never read complaints. Office staff and leaders see those in their scope; anyone
else only the ones assigned to them. A complaint out of reach is refused exactly as if it
did not exist. Every action is audited and counts as the office touching the complaint.
"""

from __future__ import annotations

import contextlib
from datetime import date

from bot.domain.complaints import (
    MAX_MESSAGE,
    OPEN_STATUSES,
    ComplaintLine,
    ComplaintView,
    StaleComplaint,
    Substantiation,
    can_handle_complaints,
    clean_text,
    period_bounds,
    sees_every_complaint,
)
from bot.domain.errors import AmbiguousUser, ComplaintNotFound, NotAllowed, UserNotFound
from bot.domain.people import Actor
from bot.domain.vocabulary import (
    ComplaintCategory,
    ComplaintMessageKind,
    ComplaintOutcome,
    ComplaintStatus,
    Role,
)
from bot.identity import InvalidPhone, normalize_phone
from storage.models import Complaint, ComplaintMessage, ComplaintNote, User
from storage.uow import UnitOfWork


def _check(actor: Actor) -> None:
    if not can_handle_complaints(actor.role):
        raise NotAllowed()


async def _reachable(
    uow: UnitOfWork, actor: Actor, complaint_id: int, *, open_only: bool = False
) -> Complaint:
    complaint = await uow.complaints.in_reach(
        complaint_id, actor.scope, actor.id, sees_every_complaint(actor.role)
    )
    if complaint is None or (open_only and complaint.status not in OPEN_STATUSES):
        raise ComplaintNotFound()
    return complaint


async def _person(uow: UnitOfWork, query: str) -> User:
    query = query.strip()
    phone = None
    with contextlib.suppress(InvalidPhone):
        phone = normalize_phone(query)
    users = await uow.people.matching(query, phone)
    if not users:
        raise UserNotFound(query=query)
    if len(users) > 1:
        raise AmbiguousUser(query=query)
    return users[0]


def _touch(complaint: Complaint, today: date) -> None:
    complaint.updated_on = today
    if complaint.status == ComplaintStatus.NEW:
        complaint.status = ComplaintStatus.INVESTIGATING


async def list_complaints(
    uow: UnitOfWork,
    actor: Actor,
    *,
    status: ComplaintStatus | None = None,
    offset: int = 0,
    limit: int = 5,
) -> tuple[list[ComplaintLine], int]:
    """A page of the complaints the actor may see, newest first, and how many in all."""
    _check(actor)
    async with uow:
        return await uow.complaints.page(
            actor.scope,
            actor.id,
            sees_every_complaint(actor.role),
            status=status,
            offset=max(0, offset),
            limit=limit,
        )


async def open_complaint(uow: UnitOfWork, actor: Actor, complaint_id: int) -> ComplaintView:
    """Everything about one complaint, internal notes included."""
    _check(actor)
    async with uow:
        c = await _reachable(uow, actor, complaint_id)
        village, helper, investigator = await uow.complaints.names(c)
        return ComplaintView(
            line=ComplaintLine(
                id=c.id,
                case_ref=c.ref_code,
                category=ComplaintCategory(c.category),
                status=c.status,
                filed_on=c.filed_on,
                concerns=c.concerns or "",
                investigator=investigator,
            ),
            body=c.body,
            village=village,
            subject_helper=helper,
            outcome=c.outcome,
            accountability=c.accountability,
            resolution=c.resolution,
            attachments=await uow.complaints.attachments(c.id),
            messages=await uow.complaints.messages(c.id),
            notes=await uow.complaints.notes(c.id),
        )


async def assign(
    uow: UnitOfWork, actor: Actor, complaint_id: int, who: str, *, today: date
) -> str:
    """Give the complaint to an investigator (anyone but a helper); returns their name."""
    _check(actor)
    if not sees_every_complaint(actor.role):
        raise NotAllowed()
    async with uow:
        c = await _reachable(uow, actor, complaint_id, open_only=True)
        person = await _person(uow, who)
        if not can_handle_complaints(person.role) or not person.active:
            raise NotAllowed()
        c.handled_by_id = person.id
        _touch(c, today)
        uow.record(
            actor, "complaint.assign", target_type="complaint", target_id=c.id, to=person.id
        )
        await uow.commit()
        return person.name


async def add_note(
    uow: UnitOfWork, actor: Actor, complaint_id: int, text: str, *, today: date
) -> None:
    """An internal note, never shown to the reporter."""
    _check(actor)
    body = clean_text(text, MAX_MESSAGE)
    async with uow:
        c = await _reachable(uow, actor, complaint_id)
        uow.complaints.add_note(ComplaintNote(complaint_id=c.id, author_id=actor.id, body=body))
        c.updated_on = today
        uow.record(actor, "complaint.note", target_type="complaint", target_id=c.id)
        await uow.commit()


async def write_to_reporter(
    uow: UnitOfWork,
    actor: Actor,
    complaint_id: int,
    text: str,
    *,
    question: bool,
    today: date,
) -> None:
    """A reply or a question to the reporter, shown when they check with their code."""
    _check(actor)
    body = clean_text(text, MAX_MESSAGE)
    kind = ComplaintMessageKind.QUESTION if question else ComplaintMessageKind.REPLY
    async with uow:
        c = await _reachable(uow, actor, complaint_id, open_only=True)
        uow.complaints.add_message(
            ComplaintMessage(
                complaint_id=c.id, kind=kind, body=body, on_day=today, author_id=actor.id
            )
        )
        _touch(c, today)
        uow.record(actor, f"complaint.{kind}", target_type="complaint", target_id=c.id, text=body)
        await uow.commit()


async def set_subject(
    uow: UnitOfWork, actor: Actor, complaint_id: int, who: str, *, today: date
) -> str:
    """Name the helper the complaint is about (so a substantiation counts for them)."""
    _check(actor)
    async with uow:
        c = await _reachable(uow, actor, complaint_id)
        person = await _person(uow, who)
        if person.role != Role.HELPER:
            raise UserNotFound(query=who.strip())
        c.subject_helper_id = person.id
        c.updated_on = today
        uow.record(
            actor, "complaint.subject", target_type="complaint", target_id=c.id, helper=person.id
        )
        await uow.commit()
        return person.name


async def set_village(
    uow: UnitOfWork, actor: Actor, complaint_id: int, name: str, *, today: date
) -> str:
    """Name the village the complaint concerns (the township's office then sees it too)."""
    _check(actor)
    async with uow:
        c = await _reachable(uow, actor, complaint_id)
        village = await uow.complaints.village_named(name.strip(), actor.scope)
        if village is None:
            raise UserNotFound(query=name.strip())
        c.village_id = village
        c.updated_on = today
        uow.record(
            actor, "complaint.village", target_type="complaint", target_id=c.id, village=village
        )
        await uow.commit()
        return name.strip()


async def resolve(
    uow: UnitOfWork,
    actor: Actor,
    complaint_id: int,
    *,
    outcome: ComplaintOutcome,
    accountability: str,
    today: date,
) -> None:
    """Close the complaint with what was found and the accountability action taken (問責)."""
    _check(actor)
    action = clean_text(accountability, MAX_MESSAGE)
    async with uow:
        c = await _reachable(uow, actor, complaint_id, open_only=True)
        c.status = ComplaintStatus.RESOLVED
        c.outcome = outcome
        c.accountability = action
        c.closed_on = c.updated_on = today
        uow.record(
            actor,
            "complaint.resolve",
            target_type="complaint",
            target_id=c.id,
            outcome=str(outcome),
            accountability=action,
            helper=c.subject_helper_id,
        )
        await uow.commit()


async def dismiss(
    uow: UnitOfWork, actor: Actor, complaint_id: int, reason: str, *, today: date
) -> None:
    """Close the complaint without investigation result, with the reason given."""
    _check(actor)
    why = clean_text(reason, MAX_MESSAGE)
    async with uow:
        c = await _reachable(uow, actor, complaint_id, open_only=True)
        c.status = ComplaintStatus.DISMISSED
        c.resolution = why
        c.closed_on = c.updated_on = today
        uow.record(actor, "complaint.dismiss", target_type="complaint", target_id=c.id, reason=why)
        await uow.commit()


async def stale_complaints(uow: UnitOfWork, *, today: date, days: int) -> list[StaleComplaint]:
    """Open complaints the office has not acted on for `days` days or more."""
    async with uow:
        return await uow.complaints.stale(date.fromordinal(today.toordinal() - days))


async def complaint_reminders(
    uow: UnitOfWork, *, today: date, days: int
) -> list[tuple[int, str | None, list[StaleComplaint]]]:
    """For each bound office user: (Telegram id, language, the stale complaints they see)."""
    async with uow:
        stale = await uow.complaints.stale(date.fromordinal(today.toordinal() - days))
        if not stale:
            return []
        recipients = await uow.complaints.office_recipients()
    out = []
    for telegram_id, language, path in recipients:
        theirs = [
            s
            for s in stale
            if path is None or (s.village_path is not None and s.village_path.startswith(path))
        ]
        if theirs:
            out.append((telegram_id, language, theirs))
    return out


async def substantiated_complaints(
    uow: UnitOfWork, helper_id: int, period: str
) -> list[Substantiation]:
    """Complaints about a helper closed as (partly) substantiated in an appraisal period."""
    first, last = period_bounds(period)
    async with uow:
        return await uow.complaints.substantiated(helper_id, first, last)
