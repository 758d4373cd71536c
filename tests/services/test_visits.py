"""Saving visits on both databases: time, lateness, idempotency, flags, home proposals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.domain.errors import FlagNotFound, NoPhoto, NotPaired, VisitTooLate
from bot.domain.quota import period_of
from bot.domain.visits import DraftLocation, DraftPhoto, VisitDraft, is_late, visit_time
from bot.domain.vocabulary import Role
from bot.photos import GeoPoint, process_photo
from bot.photos.synthetic import camera_jpeg
from bot.runtime import rulebook_from
from bot.services.month import helper_month
from bot.services.review import clear_flag, confirm_home, open_flags
from bot.services.visits import save_visit
from storage.db import SessionFactory
from storage.models import AuditEntry, Household, Visit, VisitFlag
from storage.queries.people import actor_of
from storage.uow import UnitOfWork
from tests.factories import make_household, make_user, make_village

Uows = Callable[[], UnitOfWork]

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
HOME = (26.58, 106.71)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _photo(
    settings: Settings,
    seed: int,
    *,
    gps: tuple[float, float] | None = HOME,
    as_document: bool = True,
    taken: datetime | None = None,
) -> DraftPhoto:
    data = camera_jpeg(
        seed,
        (640, 480),
        gps=GeoPoint(*gps) if gps else None,
        taken_at=taken or NOW - timedelta(minutes=20),
    )
    facts, stored = process_photo(data, settings.data_dir, now=NOW)
    return DraftPhoto(
        facts=facts,
        stored=stored,
        forwarded=False,
        as_document=as_document,
        sent_at=NOW - timedelta(minutes=5),
    )


def _location(
    at: datetime = NOW - timedelta(minutes=10),
    point: tuple[float, float] = HOME,
    accuracy: float = 10.0,
) -> DraftLocation:
    return DraftLocation(point[0], point[1], accuracy, live=False, forwarded=False, sent_at=at)


async def _setup(
    sessions: SessionFactory, home: tuple[float, float] | None = HOME
) -> tuple[int, int]:
    async with sessions() as session, session.begin():
        village = await make_village(session)
        helper = await make_user(session)
        household = await make_household(session, village, helper=helper, home=home)
    return helper.id, household.id


def test_period_and_lateness_follow_the_bureau_time_zone() -> None:
    late_evening = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 1 December, 01:00 in Shanghai
    assert period_of(late_evening, SHANGHAI) == 202612
    assert not is_late(NOW - timedelta(hours=5), NOW, SHANGHAI)
    assert is_late(NOW - timedelta(hours=15), NOW, SHANGHAI)  # the previous local day


def test_visit_time_prefers_location_then_trusted_camera_time(settings: Settings) -> None:
    draft = VisitDraft(household_id=1, household_name="x")
    photo = _photo(settings, 1, taken=NOW - timedelta(hours=3))
    draft.photos.append(photo)
    assert visit_time(draft, NOW) == NOW - timedelta(hours=3)
    draft.location = _location(NOW - timedelta(hours=2))
    assert visit_time(draft, NOW) == NOW - timedelta(hours=2)
    draft.location.forwarded = True  # a forwarded location says nothing about when
    assert visit_time(draft, NOW) == NOW - timedelta(hours=3)


async def test_confirm_twice_stores_one_visit(
    sessions: SessionFactory, settings: Settings, uows: Uows
) -> None:
    helper_id, household_id = await _setup(sessions)
    draft = VisitDraft(
        household_id=household_id,
        household_name="李四",
        location=_location(),
        photos=[_photo(settings, 2)],
        note="正常",
    )
    results = []
    for _ in range(2):
        results.append(
            await save_visit(
                uows(),
                helper_id=helper_id,
                draft=draft,
                now=NOW,
                rules=rulebook_from(settings),
            )
        )
    assert [r.created for r in results] == [True, False]
    assert results[0].visit_id == results[1].visit_id
    assert results[1].household.days == 1 and len(results[1].month.households) == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count(Visit.id))) == 1
    month = await helper_month(uows(), helper_id, NOW, rulebook_from(settings).visits)
    assert [h.days for h in month.households] == [1]
    assert month.period == period_of(NOW, SHANGHAI)


async def test_refusals(sessions: SessionFactory, settings: Settings, uows: Uows) -> None:
    helper_id, household_id = await _setup(sessions)
    with pytest.raises(NoPhoto):
        await save_visit(
            uows(),
            helper_id=helper_id,
            now=NOW,
            rules=rulebook_from(settings),
            draft=VisitDraft(household_id, "x"),
        )
    old = VisitDraft(
        household_id,
        "x",
        location=_location(NOW - timedelta(days=4)),
        photos=[_photo(settings, 3, taken=NOW - timedelta(days=4))],
    )
    with pytest.raises(VisitTooLate):
        await save_visit(
            uows(),
            helper_id=helper_id,
            draft=old,
            now=NOW,
            rules=rulebook_from(settings),
        )
    async with sessions() as session, session.begin():
        stranger = await make_user(session, "外人")
    with pytest.raises(NotPaired):
        await save_visit(
            uows(),
            helper_id=stranger.id,
            now=NOW,
            rules=rulebook_from(settings),
            draft=VisitDraft(household_id, "x", photos=[_photo(settings, 4)]),
        )
    async with sessions() as session:
        assert await session.scalar(select(func.count(Visit.id))) == 0


async def test_flags_are_stored_and_cleared_with_audit(
    sessions: SessionFactory, settings: Settings, uows: Uows
) -> None:
    helper_id, household_id = await _setup(sessions)
    far = (HOME[0] + 0.05, HOME[1])  # about 5.6 km north
    draft = VisitDraft(
        household_id,
        "李四",
        location=_location(point=far),
        photos=[_photo(settings, 5, gps=far)],
        note="x",
    )
    saved = await save_visit(
        uows(),
        helper_id=helper_id,
        draft=draft,
        now=NOW,
        rules=rulebook_from(settings),
    )
    assert {f.kind for f in saved.flags} == {"far_from_home"}
    async with sessions() as session, session.begin():
        admin = actor_of(await make_user(session, "辦公室", role=Role.OFFICE), None)
    page = await open_flags(uows(), admin)
    flags = page.flags
    assert page.total == len(flags) >= 1
    await clear_flag(uows(), admin, flag_id=flags[0].flag_id, reason="核實：搬家了", now=NOW)
    with pytest.raises(FlagNotFound):
        await clear_flag(uows(), admin, flag_id=flags[0].flag_id, reason="again", now=NOW)
    async with sessions() as session:
        cleared = await session.get(VisitFlag, flags[0].flag_id)
        assert cleared is not None and cleared.clear_reason == "核實：搬家了"
        assert await session.scalar(select(AuditEntry.action)) == "flag.clear"


async def test_first_visit_proposes_home_and_admin_confirms(
    sessions: SessionFactory, settings: Settings, uows: Uows
) -> None:
    helper_id, household_id = await _setup(sessions, home=None)
    draft = VisitDraft(household_id, "李四", location=_location(), photos=[_photo(settings, 6)])
    saved = await save_visit(
        uows(),
        helper_id=helper_id,
        draft=draft,
        now=NOW,
        rules=rulebook_from(settings),
    )
    assert {f.kind for f in saved.flags} == {"no_home_location"}
    async with sessions() as session, session.begin():
        admin = actor_of(await make_user(session, "辦公室", role=Role.LEADER), None)
    await confirm_home(uows(), admin, household_id=household_id, now=NOW)
    async with sessions() as session:
        stored = await session.get(Household, household_id)
        assert stored is not None and stored.proposed_home_lat is None
        assert (stored.home_lat, stored.home_lon) == HOME
        open_kinds = list(
            await session.scalars(select(VisitFlag.kind).where(VisitFlag.cleared_at.is_(None)))
        )
    assert open_kinds == []


async def test_reused_photo_is_found_across_processes(
    sessions: SessionFactory, settings: Settings, uows: Uows
) -> None:
    first_helper, first_household = await _setup(sessions)
    second_helper, second_household = await _setup(sessions)
    photo = _photo(settings, 7)
    await save_visit(
        uows(),
        helper_id=first_helper,
        now=NOW,
        rules=rulebook_from(settings),
        draft=VisitDraft(first_household, "a", location=_location(), photos=[photo]),
    )
    # Another bot process would find it the same way: the index is in the database.
    saved = await save_visit(
        uows(),
        helper_id=second_helper,
        now=NOW,
        rules=rulebook_from(settings),
        draft=VisitDraft(second_household, "b", location=_location(), photos=[photo]),
    )
    assert "duplicate_photo" in {f.kind for f in saved.flags}
