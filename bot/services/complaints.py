"""The reporter's side of complaints: file one, follow it by receipt code, add information.

No use case here takes anything that could identify the reporter: no Telegram id, chat,
name or time of day. Only the day is stored, and only a hash of the receipt code. A
reporter's actions are not written to the audit log: its entries carry the exact time, and
the complaint row already says what was filed and on which day.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from bot.domain.complaints import (
    MAX_ATTACHMENTS,
    MAX_BODY,
    MAX_CONCERNS,
    MAX_MESSAGE,
    ComplaintDraft,
    FailureTracker,
    FiledComplaint,
    TrackView,
    clean_text,
    new_case_ref,
    new_receipt_code,
    normalise_receipt,
    receipt_hash,
)
from bot.domain.errors import (
    ComplaintClosed,
    ComplaintNotFound,
    ComplaintTextInvalid,
    TooManyAttachments,
)
from bot.domain.vocabulary import ComplaintCategory, ComplaintMessageKind, ComplaintStatus
from bot.photos.scrub import store_picture
from storage.models import Complaint, ComplaintAttachment, ComplaintMessage
from storage.uow import UnitOfWork


async def file_complaint(
    uow: UnitOfWork,
    draft: ComplaintDraft,
    *,
    today: date,
    data_dir: Path,
    new_code: Callable[[], str] = new_receipt_code,
) -> FiledComplaint:
    """Store a finished draft; the receipt code is returned once and only its hash is kept.

    The cleaned pictures reach the disk only now, so an abandoned draft leaves nothing.
    """
    if draft.category is None:
        raise ComplaintTextInvalid(limit=MAX_BODY)
    concerns = clean_text(draft.concerns, MAX_CONCERNS)
    body = clean_text(draft.body, MAX_BODY)
    if len(draft.attachments) > MAX_ATTACHMENTS:
        raise TooManyAttachments(limit=MAX_ATTACHMENTS)
    code = new_code()
    stored = [
        await asyncio.to_thread(store_picture, picture, data_dir) for picture in draft.attachments
    ]
    async with uow:
        complaint = await uow.complaints.add(
            Complaint(
                ref_code=new_case_ref(),
                receipt_hash=receipt_hash(code),
                filed_on=today,
                category=str(draft.category),
                concerns=concerns,
                body=body,
                status=ComplaintStatus.NEW,
            )
        )
        for picture in stored:
            uow.complaints.add_attachment(
                ComplaintAttachment(
                    complaint_id=complaint.id,
                    sha256=picture.sha256,
                    relpath=picture.relpath,
                    width=picture.width,
                    height=picture.height,
                )
            )
        filed = FiledComplaint(receipt=code, case_ref=complaint.ref_code)
        await uow.commit()
    return filed


async def _view(uow: UnitOfWork, complaint: Complaint) -> TrackView:
    closing = complaint.accountability if complaint.status == ComplaintStatus.RESOLVED else None
    if complaint.status == ComplaintStatus.DISMISSED:
        closing = complaint.resolution
    return TrackView(
        complaint_id=complaint.id,
        case_ref=complaint.ref_code,
        category=ComplaintCategory(complaint.category),
        status=complaint.status,
        filed_on=complaint.filed_on,
        outcome=complaint.outcome,
        closing_note=closing,
        messages=await uow.complaints.messages(complaint.id),
    )


async def track(uow: UnitOfWork, code: str) -> TrackView | None:
    """What a receipt code shows; None for a malformed, wrong or unknown code alike."""
    normal = normalise_receipt(code)
    if normal is None:
        return None
    async with uow:
        complaint = await uow.complaints.by_receipt(receipt_hash(normal))
        return None if complaint is None else await _view(uow, complaint)


async def add_information(uow: UnitOfWork, code: str, text: str, *, today: date) -> TrackView:
    """The reporter adds information or answers a question; shown to the office."""
    body = clean_text(text, MAX_MESSAGE)
    normal = normalise_receipt(code)
    if normal is None:
        raise ComplaintNotFound()
    async with uow:
        complaint = await uow.complaints.by_receipt(receipt_hash(normal))
        if complaint is None:
            raise ComplaintNotFound()
        if complaint.status not in (ComplaintStatus.NEW, ComplaintStatus.INVESTIGATING):
            raise ComplaintClosed()
        uow.complaints.add_message(
            ComplaintMessage(
                complaint_id=complaint.id,
                kind=ComplaintMessageKind.ADDITION,
                body=body,
                on_day=today,
            )
        )
        await uow.flush()
        view = await _view(uow, complaint)
        await uow.commit()
    return view


async def track_guarded(
    uow: UnitOfWork,
    code: str,
    *,
    sender: str,
    failures: FailureTracker,
    now: float,
    sleep: Callable[[float], Awaitable[None]],
) -> TrackView | None:
    """`track`, slowed down for a sender who keeps sending wrong codes.

    The wait comes before the lookup and does not depend on the answer, so a guess learns
    nothing from the time it takes; malformed, wrong and unknown codes read the same.
    """
    delay = failures.delay(sender, now)
    if delay > 0:
        await sleep(delay)
    view = await track(uow, code)
    if view is None:
        failures.failed(sender, now)
    else:
        failures.succeeded(sender)
    return view
