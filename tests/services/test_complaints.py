"""Complaint use cases on both databases: who sees what, guesses, bad input, appraisal facts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.domain.complaints import (
    MAX_ATTACHMENTS,
    MAX_BODY,
    CleanPicture,
    ComplaintDraft,
    FailureTracker,
    new_receipt_code,
)
from bot.domain.errors import (
    ComplaintNotFound,
    ComplaintTextInvalid,
    NotAllowed,
    TooManyAttachments,
)
from bot.domain.people import Actor, Scope
from bot.domain.vocabulary import ComplaintCategory, ComplaintOutcome, ComplaintStatus, Role
from bot.services import complaint_office as office
from bot.services.complaints import add_information, file_complaint, track, track_guarded
from storage.db import SessionFactory
from storage.models import Complaint
from storage.uow import UnitOfWork
from tests.factories import make_user, make_village

Uows = Callable[[], UnitOfWork]
TODAY = date(2026, 11, 20)


def _draft(body: str = "村干部冒领补贴") -> ComplaintDraft:
    return ComplaintDraft(
        category=ComplaintCategory.CORRUPTION, concerns="东村", body=body, attachments=[]
    )


async def _file(uows: Uows, tmp_path: Path, body: str = "村干部冒领补贴") -> str:
    return (await file_complaint(uows(), _draft(body), today=TODAY, data_dir=tmp_path)).receipt


async def _complaint_id(sessions: SessionFactory) -> int:
    async with sessions() as session:
        found = await session.scalar(select(func.max(Complaint.id)))
    assert found is not None
    return int(found)


COUNTY = Scope()


def _actor(user_id: int, role: Role, scope: Scope = COUNTY) -> Actor:
    return Actor(id=user_id, name=f"u{user_id}", role=role, scope=scope)


async def test_bad_input_stores_nothing(
    uows: Uows, sessions: SessionFactory, tmp_path: Path
) -> None:
    for body in ("", "   ", "x" * (MAX_BODY + 1)):
        with pytest.raises(ComplaintTextInvalid):
            await file_complaint(uows(), _draft(body), today=TODAY, data_dir=tmp_path)
    picture = CleanPicture("0" * 64, b"x", 1, 1)
    crowded = _draft()
    crowded.attachments = [picture] * (MAX_ATTACHMENTS + 1)
    with pytest.raises(TooManyAttachments):
        await file_complaint(uows(), crowded, today=TODAY, data_dir=tmp_path)
    async with sessions() as session:
        assert await session.scalar(select(func.count(Complaint.id))) == 0
    assert not list(tmp_path.iterdir())  # noqa: ASYNC240 - a test's own folder


async def test_a_code_shows_its_complaint_and_wrong_ones_read_alike(
    uows: Uows, tmp_path: Path
) -> None:
    code = await _file(uows, tmp_path)
    view = await track(uows(), code.lower())
    assert view is not None and view.status == ComplaintStatus.NEW and view.is_open
    assert await track(uows(), new_receipt_code()) is None  # well-formed, unknown
    assert await track(uows(), "not a code") is None  # malformed: the same answer
    with pytest.raises(ComplaintNotFound):
        await add_information(uows(), new_receipt_code(), "more", today=TODAY)
    added = await add_information(uows(), code, "又发现一笔", today=TODAY)
    assert [m.body for m in added.messages] == ["又发现一笔"]


async def test_repeated_wrong_codes_wait_longer(uows: Uows, tmp_path: Path) -> None:
    code = await _file(uows, tmp_path)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    failures = FailureTracker()
    for i in range(5):
        guess = await track_guarded(
            uows(), new_receipt_code(), sender="s", failures=failures, now=float(i), sleep=sleep
        )
        assert guess is None
    assert waits == [1.0, 2.0, 4.0]
    # Another sender is not slowed by this one's guesses; the right code still works, after
    # the wait it has earned, and clears the count.
    assert await track_guarded(uows(), code, sender="s", failures=failures, now=6.0, sleep=sleep)
    assert waits[-1] == 8.0 and failures.delay("s", 7.0) == 0.0


async def test_who_sees_complaints(uows: Uows, sessions: SessionFactory, tmp_path: Path) -> None:
    async with sessions() as session, session.begin():
        village = await make_village(session, "石门村")
        other = await make_village(session, "远村")
        helper = await make_user(session, "帮扶甲")
        clerk = await make_user(session, "办事员甲", role=Role.OFFICE)
        township = await make_user(session, "乡办事员", role=Role.OFFICE)
        member = await make_user(session, "成员甲", role=Role.MEMBER)
        village_path = village.path or ""
        other_path = other.path or ""
    await _file(uows, tmp_path)
    cid = await _complaint_id(sessions)
    county = _actor(clerk.id, Role.OFFICE)
    local = _actor(township.id, Role.OFFICE, Scope(org_path=village_path))
    elsewhere = _actor(township.id, Role.OFFICE, Scope(org_path=other_path))
    investigator = _actor(member.id, Role.MEMBER)

    with pytest.raises(NotAllowed):
        await office.list_complaints(uows(), _actor(helper.id, Role.HELPER))
    with pytest.raises(NotAllowed):
        await office.open_complaint(uows(), _actor(helper.id, Role.HELPER), cid)
    assert (await office.list_complaints(uows(), county))[1] == 1
    # No village named yet: only the county-wide office sees it.
    assert (await office.list_complaints(uows(), local))[1] == 0
    assert (await office.list_complaints(uows(), investigator))[1] == 0
    with pytest.raises(ComplaintNotFound):
        await office.open_complaint(uows(), investigator, cid)

    await office.set_village(uows(), county, cid, "石门村", today=TODAY)
    assert (await office.list_complaints(uows(), local))[1] == 1
    assert (await office.list_complaints(uows(), elsewhere))[1] == 0
    with pytest.raises(NotAllowed):  # an investigator cannot hand cases around
        await office.assign(uows(), investigator, cid, "成员甲", today=TODAY)
    with pytest.raises(NotAllowed):  # nor can a helper be made an investigator
        await office.assign(uows(), county, cid, "帮扶甲", today=TODAY)
    assert await office.assign(uows(), county, cid, "成员甲", today=TODAY) == "成员甲"
    view = await office.open_complaint(uows(), investigator, cid)
    assert view.line.status == ComplaintStatus.INVESTIGATING and view.village == "石门村"
    await office.add_note(uows(), investigator, cid, "内部：先查账", today=TODAY)
    assert [n.body for n in (await office.open_complaint(uows(), county, cid)).notes] == [
        "内部：先查账"
    ]


async def test_notes_stay_internal_and_substantiations_count(
    uows: Uows, sessions: SessionFactory, tmp_path: Path
) -> None:
    async with sessions() as session, session.begin():
        helper = await make_user(session, "帮扶乙")
        clerk = await make_user(session, "办事员乙", role=Role.OFFICE)
    code = await _file(uows, tmp_path)
    cid = await _complaint_id(sessions)
    county = _actor(clerk.id, Role.OFFICE)
    await office.add_note(uows(), county, cid, "内部意见", today=TODAY)
    await office.write_to_reporter(uows(), county, cid, "请补充时间", question=True, today=TODAY)
    await office.set_subject(uows(), county, cid, "帮扶乙", today=TODAY)
    await office.resolve(
        uows(),
        county,
        cid,
        outcome=ComplaintOutcome.SUBSTANTIATED,
        accountability="通报批评",
        today=TODAY,
    )
    view = await track(uows(), code)
    assert view is not None and view.status == ComplaintStatus.RESOLVED
    assert view.closing_note == "通报批评" and [m.body for m in view.messages] == ["请补充时间"]
    with pytest.raises(ComplaintNotFound):  # closed: no more replies
        await office.write_to_reporter(uows(), county, cid, "x", question=False, today=TODAY)
    counted = await office.substantiated_complaints(uows(), helper.id, "2026-11")
    assert [c.complaint_id for c in counted] == [cid]
    assert await office.substantiated_complaints(uows(), helper.id, "2026-10") == []


async def test_untouched_complaints_remind_the_office(
    uows: Uows, sessions: SessionFactory, tmp_path: Path
) -> None:
    async with sessions() as session, session.begin():
        await make_user(session, "办事员丙", role=Role.OFFICE, telegram_id=555_000_111)
        clerk = await make_user(session, "办事员丁", role=Role.OFFICE)
    await _file(uows, tmp_path)
    cid = await _complaint_id(sessions)
    assert await office.stale_complaints(uows(), today=date(2026, 11, 24), days=5) == []
    stale = await office.stale_complaints(uows(), today=date(2026, 11, 25), days=5)
    assert [s.id for s in stale] == [cid]
    reminders = await office.complaint_reminders(uows(), today=date(2026, 11, 25), days=5)
    assert [(tid, [s.id for s in items]) for tid, _, items in reminders] == [(555_000_111, [cid])]
    # Any action of the office counts as touching it.
    await office.add_note(
        uows(), _actor(clerk.id, Role.OFFICE), cid, "看过", today=date(2026, 11, 25)
    )
    assert await office.stale_complaints(uows(), today=date(2026, 11, 29), days=5) == []
