"""Queries of the helpers and households imports and of `bangfu admin grant`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.vocabulary import OrgKind, Role
from storage.models import (
    AuditEntry,
    Department,
    Household,
    HouseholdStatusChange,
    OrgUnit,
    Pairing,
    User,
)

__all__ = [
    "AsyncSession",
    "add_audit_entry",
    "add_department",
    "add_org_unit",
    "add_user",
    "all_departments",
    "all_households",
    "all_org_units",
    "all_users",
    "flush",
    "insert_households",
    "insert_pairings",
    "insert_status_changes",
    "open_pairings",
    "transaction",
    "user_by_phone",
]

_HOUSEHOLDS = cast(Table, Household.__table__)
_PAIRINGS = cast(Table, Pairing.__table__)
_STATUS_CHANGES = cast(Table, HouseholdStatusChange.__table__)


@asynccontextmanager
async def transaction(session: AsyncSession) -> AsyncIterator[None]:
    """A transaction of its own, or a savepoint inside the caller's (who then commits)."""
    if session.in_transaction():
        async with session.begin_nested():
            yield
    else:
        async with session.begin():
            yield


async def flush(session: AsyncSession) -> None:
    """Send pending changes, so that new rows get their ids."""
    await session.flush()


async def all_users(session: AsyncSession) -> Sequence[User]:
    """Every user, active or not."""
    return (await session.scalars(select(User))).all()


async def user_by_phone(session: AsyncSession, phone: str) -> User | None:
    """The user with that normalised phone number."""
    return await session.scalar(select(User).where(User.phone == phone))


def add_user(session: AsyncSession, *, phone: str, name: str, role: Role, **fields: Any) -> User:
    """A new user, added to the session (written on the next flush)."""
    user = User(phone=phone, name=name, role=role, **fields)
    session.add(user)
    return user


async def all_org_units(session: AsyncSession) -> Sequence[OrgUnit]:
    """Every unit of the organisation tree."""
    return (await session.scalars(select(OrgUnit))).all()


async def add_org_unit(
    session: AsyncSession, parent: OrgUnit | None, kind: OrgKind, name: str
) -> OrgUnit:
    """A new unit under `parent`, written now: its id is part of its materialised path."""
    unit = OrgUnit(kind=kind, name=name, parent_id=parent.id if parent else None)
    session.add(unit)
    await session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


async def all_departments(session: AsyncSession) -> Sequence[Department]:
    """Every department."""
    return (await session.scalars(select(Department))).all()


async def add_department(session: AsyncSession, name: str) -> Department:
    """A new department, written now so that users can refer to its id."""
    department = Department(name=name)
    session.add(department)
    await session.flush()
    return department


async def all_households(session: AsyncSession) -> Sequence[Household]:
    """Every household."""
    return (await session.scalars(select(Household))).all()


async def open_pairings(session: AsyncSession) -> Sequence[Pairing]:
    """Every pairing that has not ended."""
    return (await session.scalars(select(Pairing).where(Pairing.ended_on.is_(None)))).all()


def _new_key(id_hash: str | None, village_id: int, head_name: str) -> object:
    # Unique among one import's new rows: the file check refuses shared ID numbers, and a row
    # without one shares its village and head's name with no other row.
    return id_hash if id_hash is not None else (village_id, head_name)


async def insert_households(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert new households in bulk; their ids in the order of `rows`."""
    if not rows:
        return []
    # Core executemany with RETURNING batches on both databases (the ORM's ordered form does
    # not on SQLite); rows come back in any order and are matched by their key.
    table = _HOUSEHOLDS
    statement = insert(table).returning(
        table.c.id, table.c.id_hash, table.c.village_id, table.c.head_name
    )
    result = await session.execute(statement, [dict(r) for r in rows])
    ids = {_new_key(h, v, n): i for i, h, v, n in result.all()}
    return [ids[_new_key(r["id_hash"], r["village_id"], r["head_name"])] for r in rows]


async def insert_pairings(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert new pairings in bulk."""
    if rows:
        await session.execute(insert(_PAIRINGS), [dict(r) for r in rows])


async def insert_status_changes(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert household status history in bulk."""
    if rows:
        await session.execute(insert(_STATUS_CHANGES), [dict(r) for r in rows])


def add_audit_entry(
    session: AsyncSession,
    *,
    actor_label: str,
    action: str,
    detail: Mapping[str, Any],
    target_type: str | None = None,
    target_id: int | None = None,
) -> None:
    """Record an admin action in the audit log (written with the transaction)."""
    session.add(
        AuditEntry(
            actor_label=actor_label,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=dict(detail),
        )
    )
