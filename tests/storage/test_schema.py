"""The schema on both databases: migrate from empty, upgrade twice, append-only audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.vocabulary import OrgKind, Role
from storage.base import Base
from storage.db import SessionFactory, create_engine
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import AuditEntry, Household, OrgUnit, Pairing, User, Visit


async def test_upgrade_from_empty_creates_every_table(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        assert await current_revision(engine) is None
        await upgrade(engine)
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert set(Base.metadata.tables) <= tables
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_upgrade_twice_is_a_no_op(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            before = await conn.run_sync(lambda c: sorted(inspect(c).get_table_names()))
        await upgrade(engine)
        async with engine.connect() as conn:
            after = await conn.run_sync(lambda c: sorted(inspect(c).get_table_names()))
        assert before == after
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_visit_indexes_exist(engine: object, db_url: str) -> None:
    eng = create_engine(db_url)
    try:
        async with eng.connect() as conn:
            names = await conn.run_sync(
                lambda c: {ix["name"] for ix in inspect(c).get_indexes("visits")}
            )
        assert {"ix_visits_household_period", "ix_visits_helper_period"} <= names
        assert "ix_visits_period_household_day" in names
    finally:
        await eng.dispose()


async def test_the_quota_scan_indexes_exist(engine: object, db_url: str) -> None:
    eng = create_engine(db_url)
    try:
        async with eng.connect() as conn:
            names = await conn.run_sync(
                lambda c: {
                    ix["name"]
                    for table in ("pairings", "households")
                    for ix in inspect(c).get_indexes(table)
                }
            )
        assert {"ix_pairings_open_helper_household", "ix_households_quota"} <= names
        assert {"ix_pairings_helper_open_household", "ix_households_own_quota"} <= names
    finally:
        await eng.dispose()


async def _village(session: AsyncSession) -> OrgUnit:
    county = OrgUnit(kind=OrgKind.COUNTY, name="示範縣")
    session.add(county)
    await session.flush()
    village = OrgUnit(kind=OrgKind.VILLAGE, name="東村", parent_id=county.id)
    session.add(village)
    await session.flush()
    return village


async def test_create_and_query_visits_by_month(sessions: SessionFactory) -> None:
    async with sessions() as session, session.begin():
        village = await _village(session)
        helper = User(name="王芳", phone="+8613800000001", role=Role.HELPER)
        household = Household(
            head_name="李四", members=4, village_id=village.id, causes=["缺技術"]
        )
        session.add_all([helper, household])
        await session.flush()
        session.add(
            Pairing(helper_id=helper.id, household_id=household.id, started_on=date(2026, 1, 1))
        )
        when = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
        for i, period in enumerate((202611, 202611, 202610)):
            session.add(
                Visit(
                    household_id=household.id,
                    helper_id=helper.id,
                    visited_at=when - timedelta(days=40 * (period == 202610)),
                    period=period,
                    local_day=(when - timedelta(days=40 * (period == 202610))).date(),
                    idempotency_key=f"k{i}",
                )
            )
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).where(Visit.household_id == household.id, Visit.period == 202611)
        )
        assert count == 2
        visit = (await session.scalars(select(Visit).order_by(Visit.id))).first()
        assert visit is not None
        assert visit.visited_at == when
        assert visit.visited_at.tzinfo is not None
        stored = await session.scalar(select(Household.causes))
        assert stored == ["缺技術"]


async def test_timestamps_come_back_in_utc(sessions: SessionFactory) -> None:
    shanghai = timezone(timedelta(hours=8))
    local = datetime(2026, 11, 28, 9, 30, tzinfo=shanghai)
    async with sessions() as session, session.begin():
        session.add(AuditEntry(actor_label="test", action="probe", at=local))
    async with sessions() as session:
        at = await session.scalar(select(AuditEntry.at))
    assert at == local
    assert at is not None and at.utcoffset() == timedelta(0)


async def test_idempotency_key_is_unique(sessions: SessionFactory) -> None:
    async with sessions() as session, session.begin():
        village = await _village(session)
        helper = User(name="張三", phone="+8613800000002", role=Role.HELPER)
        household = Household(head_name="趙六", members=2, village_id=village.id)
        session.add_all([helper, household])
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        session.add(
            Visit(
                household_id=household.id,
                helper_id=helper.id,
                visited_at=now,
                period=202611,
                local_day=now.date(),
                idempotency_key="same",
            )
        )
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            session.add(
                Visit(
                    household_id=household.id,
                    helper_id=helper.id,
                    visited_at=now,
                    period=202611,
                    local_day=now.date(),
                    idempotency_key="same",
                )
            )


async def test_audit_log_is_append_only(sessions: SessionFactory) -> None:
    async with sessions() as session, session.begin():
        session.add(AuditEntry(actor_label="cli", action="grant", detail={"role": "office"}))
    with pytest.raises(DBAPIError, match="append-only"):
        async with sessions() as session, session.begin():
            await session.execute(text("UPDATE audit_log SET action = 'forged'"))
    with pytest.raises(DBAPIError, match="append-only"):
        async with sessions() as session, session.begin():
            await session.execute(text("DELETE FROM audit_log"))
    async with sessions() as session:
        assert await session.scalar(select(AuditEntry.action)) == "grant"


async def test_complaints_have_no_reporter_columns(engine: object, db_url: str) -> None:
    eng = create_engine(db_url)
    try:
        async with eng.connect() as conn:
            columns = await conn.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("complaints")}
            )
    finally:
        await eng.dispose()
    identifying = {
        "user_id",
        "telegram_id",
        "chat_id",
        "phone",
        "reporter",
        "reporter_id",
        "created_at",
        "username",
    }
    assert columns and not (columns & identifying)


async def test_migrations_match_the_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
            )
    finally:
        await engine.dispose()
    assert diff == []
