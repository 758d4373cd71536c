"""Reminder stages on a real database of each kind, through a fake messenger."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, select

from bot.domain.quota import HelperMonth, HouseholdMonth, quota_for
from bot.domain.reminders import (
    DEFAULT_SCHEDULE,
    Outcome,
    ReminderRules,
    Stage,
    parse_quiet_hours,
    parse_schedule,
)
from bot.domain.vocabulary import Role
from bot.photos.facts import StoredPhoto
from bot.services.reminder_service import ChoreRules, ReminderService
from bot.services.reminders import (
    Delivered,
    Delivery,
    Outgoing,
    standings,
    with_short_households,
)
from bot.state_codec import StateCodec
from storage.db import SessionFactory
from storage.models import ChatState, Invite, Nudge, Pairing, Unreachable, User, UserState, Visit
from storage.uow import UnitOfWork
from tests.factories import make_household, make_user, make_village

Uows = Callable[[], UnitOfWork]
SHANGHAI = ZoneInfo("Asia/Shanghai")


class FakeMessenger:
    """Records what would be sent; chats in `blocked` answer like a 403."""

    def __init__(self, blocked: frozenset[int] = frozenset()) -> None:
        self.sent: list[Outgoing] = []
        self.blocked = blocked

    def visit_link(self, household_id: int) -> str | None:
        return f"https://t.me/bangfu_bot?start=visit_{household_id}"

    async def send(self, message: Outgoing) -> Delivered:
        await asyncio.sleep(0)  # let concurrent runs interleave
        if message.chat_id in self.blocked:
            return Delivered(Delivery.BLOCKED, "403: Forbidden: bot was blocked by the user")
        self.sent.append(message)
        return Delivered(Delivery.SENT)


class Clock:
    """A clock the test sets by hand."""

    def __init__(self, local: datetime) -> None:
        self.now = local.replace(tzinfo=SHANGHAI).astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now


def _service(uows: Uows, messenger: FakeMessenger, clock: Clock, tmp: Path) -> ReminderService:
    rules = ReminderRules(
        parse_schedule(DEFAULT_SCHEDULE), parse_quiet_hours("21:00-08:00"), SHANGHAI
    )
    return ReminderService(
        uows,
        messenger,
        rules,
        default_quota=2,
        default_language="zh-CN",
        chores=ChoreRules(data_dir=tmp, photo_age=timedelta(days=7), hour=3),
        clock=clock,
    )


async def _visit(session: object, household_id: int, helper_id: int, day: date) -> None:
    at = datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
    session.add(  # type: ignore[attr-defined]
        Visit(
            household_id=household_id,
            helper_id=helper_id,
            visited_at=at,
            period=day.year * 100 + day.month,
            local_day=day,
            idempotency_key=f"v:{household_id}:{day}:{os.urandom(4).hex()}",
        )
    )


async def _county(sessions: SessionFactory) -> dict[str, int]:
    """Three helpers: one done, one short, one short and blocked; an office user."""
    ids: dict[str, int] = {}
    async with sessions() as session, session.begin():
        village = await make_village(session)
        done = await make_user(session, "完成", telegram_id=9001)
        short = await make_user(session, "落後", telegram_id=9002)
        gone = await make_user(session, "封鎖", telegram_id=9003)
        office = await make_user(session, "辦公室", role=Role.OFFICE, telegram_id=9004)
        hh_done = await make_household(session, village, "甲", helper=done)
        hh_short = await make_household(session, village, "乙", helper=short)
        await make_household(session, village, "丙", helper=short)
        await make_household(session, village, "丁", helper=gone)
        await _visit(session, hh_done.id, done.id, date(2026, 11, 3))
        await _visit(session, hh_done.id, done.id, date(2026, 11, 5))
        # Two visits on one day count once: still short.
        await _visit(session, hh_short.id, short.id, date(2026, 11, 4))
        await _visit(session, hh_short.id, short.id, date(2026, 11, 4))
        ids.update(done=done.id, short=short.id, gone=gone.id, office=office.id)
    return ids


async def test_a_stage_goes_to_exactly_the_helpers_behind_and_never_twice(
    sessions: SessionFactory, uows: Uows, tmp_path: Path
) -> None:
    ids = await _county(sessions)
    messenger = FakeMessenger(blocked=frozenset({9003}))
    clock = Clock(datetime(2026, 11, 20, 10, 0))
    service = _service(uows, messenger, clock, tmp_path)
    first = await service.tick()
    assert [(r.stage, r.sent, r.blocked, r.skipped) for r in first] == [(Stage.FIRM, 1, 1, 0)]
    assert [m.chat_id for m in messenger.sent] == [9002]
    # One message listing both households still short, in the helper's language.
    text = messenger.sent[0].text
    assert "乙 · 東村: 1/2" in text and "丙 · 東村: 0/2" in text and "还差 3 次走访" in text
    # A re-run, and a second process at the same moment, send nothing again.
    again = await asyncio.gather(service.tick(), _service(uows, messenger, clock, tmp_path).tick())
    assert [(r.sent, r.skipped) for runs in again for r in runs] == [(0, 2), (0, 2)]
    assert len(messenger.sent) == 1
    async with sessions() as session:
        outcomes = dict((await session.execute(select(Nudge.user_id, Nudge.outcome))).all())
        unreachable = await session.scalar(select(Unreachable.user_id))
    assert outcomes == {ids["short"]: Outcome.SENT, ids["gone"]: Outcome.BLOCKED}
    assert unreachable == ids["gone"]


async def test_two_processes_at_once_send_each_nudge_once(
    sessions: SessionFactory, uows: Uows, tmp_path: Path
) -> None:
    async with sessions() as session, session.begin():
        village = await make_village(session)
        for n in range(12):
            helper = await make_user(session, f"助{n}", telegram_id=9100 + n)
            await make_household(session, village, f"戶{n}", helper=helper)
    clock = Clock(datetime(2026, 11, 28, 10, 0))
    one, two = FakeMessenger(), FakeMessenger()
    reports = await asyncio.gather(
        _service(uows, one, clock, tmp_path).run_stage(Stage.URGENT),
        _service(uows, two, clock, tmp_path).run_stage(Stage.URGENT),
    )
    chats = [m.chat_id for m in one.sent + two.sent]
    assert sorted(chats) == list(range(9100, 9112))
    assert sum(r.sent for r in reports) == 12 and sum(r.skipped for r in reports) == 12
    # The urgent stage has a deep-link button per household still short. Which process sent
    # which nudges is a race: one of them may have sent all twelve.
    sent = one.sent + two.sent
    assert all(m.buttons[0].url.startswith("https://t.me/bangfu_bot?start=visit_") for m in sent)


async def test_a_restart_mid_stage_sends_the_rest_only(
    sessions: SessionFactory, uows: Uows, tmp_path: Path
) -> None:
    async with sessions() as session, session.begin():
        village = await make_village(session)
        for n in range(5):
            helper = await make_user(session, f"助{n}", telegram_id=9200 + n)
            await make_household(session, village, f"戶{n}", helper=helper)
        # Two nudges went out before the process died.
        for user_id in await session.scalars(select(User.id).order_by(User.id).limit(2)):
            session.add(Nudge(user_id=user_id, period=202611, stage=Stage.FIRM, outcome="sent"))
    messenger = FakeMessenger()
    clock = Clock(datetime(2026, 11, 20, 15, 0))
    report = await _service(uows, messenger, clock, tmp_path).run_stage(Stage.FIRM)
    assert (report.sent, report.skipped) == (3, 2)
    assert sorted(m.chat_id for m in messenger.sent) == [9202, 9203, 9204]


async def test_quiet_hours_send_nothing(
    sessions: SessionFactory, uows: Uows, tmp_path: Path
) -> None:
    await _county(sessions)
    messenger = FakeMessenger()
    service = _service(uows, messenger, Clock(datetime(2026, 11, 20, 21, 30)), tmp_path)
    assert await service.tick() == []
    assert messenger.sent == []


async def test_the_digest_reports_who_missed_and_who_was_unreachable(
    sessions: SessionFactory, uows: Uows, tmp_path: Path
) -> None:
    ids = await _county(sessions)
    async with sessions() as session, session.begin():
        session.add(Unreachable(user_id=ids["gone"], reason="403"))
    messenger = FakeMessenger()
    service = _service(uows, messenger, Clock(datetime(2026, 12, 1, 9, 0)), tmp_path)
    [report] = await service.tick()
    assert (report.stage, report.period, report.sent) == (Stage.DIGEST, 202611, 1)
    [digest] = messenger.sent
    assert digest.chat_id == 9004 and digest.photo is not None
    assert digest.photo.startswith(b"\x89PNG")
    assert "3 名帮扶人中有 2 名未完成" in digest.text
    assert "落後：差 3 次走访" in digest.text and "无法送达：封鎖" in digest.text


async def test_standings_take_a_fixed_number_of_queries(
    sessions: SessionFactory, uows: Uows
) -> None:
    async def count_for(helpers: int) -> int:
        async with sessions() as session, session.begin():
            village = await make_village(session)
            for n in range(helpers):
                helper = await make_user(session, f"數{n}")
                await make_household(session, village, f"戶{n}", helper=helper)
        statements: list[str] = []
        uow = uows()
        async with uow:
            sync_engine = uow.session.bind.sync_engine  # type: ignore[union-attr]

            def seen(*args: object) -> None:
                statements.append(str(args[2]))

            event.listen(sync_engine, "before_cursor_execute", seen)
            try:
                chosen = await standings(uow, 202611, 2)
                await with_short_households(uow, 202611, 2, chosen)
            finally:
                event.remove(sync_engine, "before_cursor_execute", seen)
        return len(statements)

    assert await count_for(2) == await count_for(30) == 2


def _key(h: HouseholdMonth) -> int:
    return h.household_id


async def test_the_sql_shortfall_is_the_quota_rule_on_random_data(
    sessions: SessionFactory, uows: Uows
) -> None:
    rng = random.Random(20261201)
    period, default = 202611, 2
    async with sessions() as session, session.begin():
        village = await make_village(session)
        helpers = [await make_user(session, f"隨{n}") for n in range(8)]
        households = []
        for n in range(40):
            household = await make_household(session, village, f"戶{n:02d}")
            household.visit_quota = rng.choice([None, None, None, 0, 1, 3, -1])
            households.append(household)
        await session.flush()
        current: dict[int, int] = {}  # household -> helper, of the pairings not ended
        for household in households:
            if rng.random() < 0.15:
                continue  # never paired
            if rng.random() < 0.3:  # an earlier pairing that ended counts for nobody
                session.add(
                    Pairing(
                        helper_id=rng.choice(helpers).id,
                        household_id=household.id,
                        started_on=date(2026, 1, 1),
                        ended_on=date(2026, 6, 30),
                    )
                )
            if rng.random() < 0.9:
                helper = rng.choice(helpers)
                session.add(
                    Pairing(
                        helper_id=helper.id, household_id=household.id, started_on=date(2026, 7, 1)
                    )
                )
                current[household.id] = helper.id
        days: dict[int, set[date]] = {h.id: set() for h in households}
        for _ in range(150):
            household = rng.choice(households)
            day = date(2026, rng.choice([10, 11, 11, 11, 12]), rng.randint(1, 28))
            await _visit(session, household.id, rng.choice(helpers).id, day)
            if day.month == 11:
                days[household.id].add(day)
    # The rule in plain Python, straight from bot.domain.quota.
    expected: dict[int, HelperMonth] = {}
    for helper in helpers:
        lines = [
            HouseholdMonth(
                h.id, h.head_name, "東村", len(days[h.id]), quota_for(h.visit_quota, default)
            )
            for h in households
            if current.get(h.id) == helper.id
        ]
        expected[helper.id] = HelperMonth(period, tuple(lines))
    async with uows() as uow:
        got = await standings(uow, period, default)
        named = await with_short_households(uow, period, default, got)
    assert {s.helper_id: s.totals for s in got} == {k: m.totals for k, m in expected.items()}
    assert any(not m.totals.met for m in expected.values())
    assert any(h.quota != default for m in expected.values() for h in m.households)
    for s in named:
        short = sorted((h for h in expected[s.helper_id].households if not h.met), key=_key)
        assert sorted(s.short, key=_key) == short, s.name


async def test_housekeeping_removes_old_orphans_and_expired_invites(
    sessions: SessionFactory, uows: Uows, tmp_path: Path
) -> None:
    now = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    photos = tmp_path / "photos" / "ab" / "cd"
    photos.mkdir(parents=True)
    old, fresh = photos / "old.jpg", photos / "fresh.jpg"
    old.write_bytes(b"x" * 10)
    fresh.write_bytes(b"y")
    ten_days_ago = (now - timedelta(days=10)).timestamp()
    os.utime(old, (ten_days_ago, ten_days_ago))
    os.utime(fresh, (now.timestamp(), now.timestamp()))
    async with sessions() as session, session.begin():
        session.add(Invite(code="old", role=Role.HELPER, expires_at=now - timedelta(hours=1)))
        session.add(Invite(code="new", role=Role.HELPER, expires_at=now + timedelta(hours=1)))
    clock = Clock(datetime(2026, 11, 20, 11, 0))
    clock.now = now
    service = _service(uows, FakeMessenger(), clock, tmp_path)
    report = await service.housekeeping()
    assert (report.photos_deleted, report.bytes_freed, report.invites_purged) == (1, 10, 1)
    assert not old.exists() and fresh.exists()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Invite)) == 1


class FlakyMessenger(FakeMessenger):
    """Fails every send while `down` (a Bot API outage that outlasted the retries)."""

    down = True

    async def send(self, message: Outgoing) -> Delivered:
        if self.down:
            return Delivered(Delivery.FAILED, "gave up after 4 attempts (NetworkError)")
        return await super().send(message)


async def test_a_nudge_lost_to_an_outage_goes_out_on_a_later_tick_once(
    sessions: SessionFactory, uows: Uows, tmp_path: Path
) -> None:
    async with sessions() as session, session.begin():
        village = await make_village(session)
        helper = await make_user(session, "斷網", telegram_id=9300)
        await make_household(session, village, "戊", helper=helper)
    messenger = FlakyMessenger()
    clock = Clock(datetime(2026, 11, 20, 10, 0))
    service = _service(uows, messenger, clock, tmp_path)
    assert [r.failed for r in await service.tick()] == [1]
    messenger.down = False
    # Not at once (another sender may still be at it), but after the stale-claim pause.
    assert [r.sent for r in await service.tick()] == [0]
    clock.now += timedelta(minutes=11)
    assert [r.sent for r in await service.tick()] == [1]
    clock.now += timedelta(minutes=11)
    assert [r.sent for r in await service.tick()] == [0]
    assert [m.chat_id for m in messenger.sent] == [9300]


async def test_a_nudge_that_keeps_failing_is_given_up_after_three_tries(
    sessions: SessionFactory, uows: Uows, tmp_path: Path
) -> None:
    async with sessions() as session, session.begin():
        village = await make_village(session)
        helper = await make_user(session, "總斷", telegram_id=9301)
        await make_household(session, village, "己", helper=helper)
    messenger = FlakyMessenger()
    clock = Clock(datetime(2026, 11, 20, 10, 0))
    service = _service(uows, messenger, clock, tmp_path)
    failures = []
    for _ in range(5):
        failures += [r.failed for r in await service.tick()]
        clock.now += timedelta(minutes=11)
    assert sum(failures) == 3


async def test_a_helper_not_signed_up_is_counted_apart_and_nudged_once_they_are(
    sessions: SessionFactory, uows: Uows, tmp_path: Path
) -> None:
    async with sessions() as session, session.begin():
        village = await make_village(session)
        helper = await make_user(session, "未登", telegram_id=None)
        await make_household(session, village, "庚", helper=helper)
        helper_id = helper.id
    messenger = FakeMessenger()
    clock = Clock(datetime(2026, 11, 20, 10, 0))
    service = _service(uows, messenger, clock, tmp_path)
    [report] = await service.tick()
    assert (report.not_signed_up, report.failed, report.sent) == (1, 0, 0)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Nudge)) == 0
    async with sessions() as session, session.begin():
        (await session.get_one(User, helper_id)).telegram_id = 9302
    clock.now += timedelta(minutes=5)
    [report] = await service.tick()
    assert (report.not_signed_up, report.sent) == (0, 1)
    assert [m.chat_id for m in messenger.sent] == [9302]


async def test_housekeeping_keeps_old_photos_a_stored_draft_still_names(
    sessions: SessionFactory, uows: Uows, tmp_path: Path
) -> None:
    now = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    photos = tmp_path / "photos" / "ab" / "cd"
    photos.mkdir(parents=True)
    kept, thumb, orphan = photos / "kept.jpg", photos / "kept.t.jpg", photos / "orphan.jpg"
    for path in (kept, thumb, orphan):
        path.write_bytes(b"x")
        ten_days_ago = (now - timedelta(days=10)).timestamp()
        os.utime(path, (ten_days_ago, ten_days_ago))
    draft = StoredPhoto(Path("photos/ab/cd/kept.jpg"), Path("photos/ab/cd/kept.t.jpg"))
    async with sessions() as session, session.begin():
        data = StateCodec([StoredPhoto]).dumps({"visit": {"photos": [draft]}})
        session.add(UserState(user_id=77, data=data, updated_at=now - timedelta(days=6)))
        session.add(ChatState(chat_id=78, data="not json", updated_at=now))
    clock = Clock(datetime(2026, 11, 20, 11, 0))
    clock.now = now
    service = _service(uows, FakeMessenger(), clock, tmp_path)
    report = await service.housekeeping()
    assert report.photos_deleted == 1
    assert kept.exists() and thumb.exists() and not orphan.exists()
