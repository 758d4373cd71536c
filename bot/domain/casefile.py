"""What a household's case record looks like to the core: the card and its parts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from bot.domain.households import (
    Coverage,
    ExitReadiness,
    Guarantee,
    GuaranteeState,
    IncomeRecord,
    Risk,
)
from bot.domain.vocabulary import BenefitStatus, HouseholdStatus


@dataclass(frozen=True)
class BenefitLine:
    """One policy's state for the household."""

    policy: str
    status: BenefitStatus
    since: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class AssistanceLine:
    """One piece of assistance given."""

    kind: str | None
    description: str
    amount: Decimal | None
    given_on: date
    helper: str = ""
    photo_path: str | None = None


@dataclass(frozen=True)
class PlanVersion:
    """One version of the help plan."""

    goals: str
    measures: str
    written_at: datetime


@dataclass(frozen=True)
class VisitLine:
    """One recent visit with the kinds of its open flags."""

    visited_at: datetime
    helper: str
    flags: tuple[str, ...]


@dataclass(frozen=True)
class HistoryLine:
    """One change of the case record: who, when, which record, old and new value."""

    at: datetime
    who: str
    record: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class HouseholdCard:
    """Everything the card, and the handbook, show of one household."""

    household_id: int
    head_name: str
    members: int
    village: str
    causes: tuple[str, ...]
    status: HouseholdStatus
    helpers: tuple[str, ...]
    incomes: tuple[IncomeRecord, ...]
    guarantees: Mapping[Guarantee, GuaranteeState]
    guarantee_history: tuple[GuaranteeState, ...]
    benefits: tuple[BenefitLine, ...]
    plans: tuple[PlanVersion, ...]
    visits: tuple[VisitLine, ...]
    assistance: tuple[AssistanceLine, ...]
    readiness: ExitReadiness
    risks: tuple[Risk, ...]
    coverage: Coverage
    income_line: float
    can_edit: bool

    @property
    def plan(self) -> PlanVersion | None:
        """The plan in force (the newest version)."""
        return self.plans[0] if self.plans else None


@dataclass(frozen=True)
class ListedHousehold:
    """A household in an admin's list, with why it is listed."""

    household_id: int
    head_name: str
    village: str
    risks: tuple[Risk, ...] = ()


@dataclass(frozen=True)
class CoverageReport:
    """Benefit coverage of the scope, and of each village in it."""

    total: Coverage
    villages: tuple[tuple[str, Coverage], ...]
