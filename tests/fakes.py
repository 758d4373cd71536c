"""A unit of work without a database, for rule-level tests of use cases.

It keeps rows in lists and answers the few queries those use cases ask; integration tests
on both real databases cover the queries themselves.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from bot.domain.people import Actor, Scope
from bot.domain.review import OpenFlag
from storage.models import Household, Visit
from storage.queries.households import PairedRow


class FakeHouseholds:
    """Paired households with their month's visit days, as the query would return them."""

    def __init__(self, rows: list[PairedRow] | None = None) -> None:
        self.rows = rows or []
        self.households: dict[int, Household] = {}

    async def paired_with_days(self, helper_id: int, period: int) -> list[PairedRow]:
        return list(self.rows)

    async def paired(self, helper_id: int, household_id: int) -> Household | None:
        return self.households.get(household_id)

    async def get(self, household_id: int) -> Household | None:
        return self.households.get(household_id)


class FakeVisits:
    """Visits by idempotency key."""

    def __init__(self) -> None:
        self.by_keys: dict[str, Visit] = {}

    async def by_key(self, key: str) -> Visit | None:
        return self.by_keys.get(key)

    async def flags_of(self, visit_id: int) -> list[tuple[str, str, dict[str, Any]]]:
        return []

    async def household_days(self, household_id: int, period: int) -> int:
        return 0


class FakeReview:
    """Open flags, filtered by scope the way the real query filters by org path."""

    def __init__(self, flags: list[tuple[str, OpenFlag]] | None = None) -> None:
        self.flags = flags or []  # (org path of the household's village, flag)

    async def open_flags(
        self, scope: Scope, *, offset: int, limit: int
    ) -> tuple[list[OpenFlag], int]:
        seen = [f for path, f in self.flags if scope.covers_org(path)]
        return seen[offset : offset + limit], len(seen)


class FakeUnitOfWork:
    """Enough of storage.uow.UnitOfWork for the use cases under test; counts commits."""

    def __init__(self) -> None:
        self.households = FakeHouseholds()
        self.visits = FakeVisits()
        self.review = FakeReview()
        self.commits = 0
        self.audit: list[tuple[Actor | str, str]] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        self.commits += 1

    def record(self, actor: Actor | str, action: str, **detail: Any) -> None:
        self.audit.append((actor, action))
