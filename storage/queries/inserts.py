"""INSERT ... ON CONFLICT statements for rows bound at execution, built once per dialect.

Rows are passed to `session.execute(statement, rows)` rather than put in VALUES, so that
SQLAlchemy compiles each statement once instead of at every batch.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite


def _insert(table: Any, dialect: str) -> Any:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


@cache
def insert_ignoring(table: Any, dialect: str) -> Any:
    """INSERT that skips rows whose key is already there."""
    return _insert(table, dialect).on_conflict_do_nothing()


@cache
def upsert(table: Any, keys: tuple[str, ...], value: str, dialect: str) -> Any:
    """INSERT that, on a taken key, replaces `value` and `updated_at` with the new row's."""
    insert = _insert(table, dialect)
    return insert.on_conflict_do_update(
        index_elements=list(keys),
        set_={value: getattr(insert.excluded, value), "updated_at": insert.excluded.updated_at},
    )
