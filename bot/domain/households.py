"""A household's case record: the exit standard, the return-to-poverty watch, benefit coverage.

The exit standard (脫貧標準): income per person at or above the line in the latest income
record and in an earlier one at least `months_between` months before it, and all five
guarantees (兩不愁三保障) met. The watch (防返貧監測) flags an exited household whose income
falls below the monitoring line or whose guarantee fails. Coverage (應享盡享) is enrolled
benefits over the benefits a household is eligible for (enrolled or not yet).
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.text import N_
from bot.domain.vocabulary import BenefitStatus, HouseholdStatus


class Guarantee(enum.StrEnum):
    """The five items of 兩不愁三保障, in the order the card shows them."""

    FOOD = "food"
    CLOTHING = "clothing"
    EDUCATION = "education"
    MEDICAL = "medical"
    HOUSING = "housing"


GUARANTEE_LABELS: Mapping[Guarantee, str] = {
    Guarantee.FOOD: N_("Food"),
    Guarantee.CLOTHING: N_("Clothing"),
    Guarantee.EDUCATION: N_("Compulsory education"),
    Guarantee.MEDICAL: N_("Basic medical care"),
    Guarantee.HOUSING: N_("Safe housing"),
}

# Labels of the built-in policy and assistance keys; a key configured by the bureau that is
# not here is shown as written (it is usually already a Chinese name).
KIND_LABELS: Mapping[str, str] = {
    "industry": N_("Industry"),
    "employment": N_("Employment"),
    "education": N_("Education"),
    "health": N_("Health"),
    "housing": N_("Housing"),
    "relocation": N_("Relocation"),
    "minimum_living": N_("Minimum living guarantee"),
    "microcredit": N_("Micro-credit"),
    "eco_job": N_("Ecological job"),
    "other": N_("Other"),
}

DEFAULT_POLICIES = (
    "industry",
    "employment",
    "education",
    "health",
    "housing",
    "relocation",
    "minimum_living",
    "microcredit",
    "eco_job",
)
DEFAULT_ASSISTANCE_TYPES = (*DEFAULT_POLICIES, "other")

EXITED_STATUSES = frozenset({HouseholdStatus.EXITED, HouseholdStatus.RELAPSE_RISK})
# The states a helper may set; "applied" is an old value read as eligible-not-enrolled.
BENEFIT_CHOICES = (
    BenefitStatus.NOT_ASSESSED,
    BenefitStatus.ELIGIBLE,
    BenefitStatus.ENROLLED,
    BenefitStatus.NOT_ELIGIBLE,
)


def kind_label(key: str) -> str:
    """The message id naming a policy or assistance type (the key itself when custom)."""
    return KIND_LABELS.get(key, key)


@dataclass(frozen=True)
class CaseRules:
    """The bureau's lines for the exit standard and the watch, from the settings."""

    income_line: float
    monitoring_line: float
    months_between: int
    policies: tuple[str, ...] = DEFAULT_POLICIES
    assistance_types: tuple[str, ...] = DEFAULT_ASSISTANCE_TYPES


@dataclass(frozen=True)
class IncomeRecord:
    """Income per person per year (CNY) as recorded on a day, with where it comes from."""

    per_capita: float
    recorded_on: date
    source: str = ""


@dataclass(frozen=True)
class GuaranteeState:
    """The latest assessment of one guarantee item."""

    item: Guarantee
    met: bool
    recorded_on: date
    note: str | None = None


class GapKind(enum.StrEnum):
    """Why a household does not (yet) meet the exit standard."""

    NO_INCOME = "no_income"
    INCOME_BELOW_LINE = "income_below_line"
    NO_EARLIER_INCOME = "no_earlier_income"
    EARLIER_INCOME_BELOW_LINE = "earlier_income_below_line"
    GUARANTEE_NOT_ASSESSED = "guarantee_not_assessed"
    GUARANTEE_NOT_MET = "guarantee_not_met"


@dataclass(frozen=True)
class Gap:
    """One thing missing for exit, with the numbers that say it."""

    kind: GapKind
    guarantee: Guarantee | None = None
    amount: float | None = None
    on: date | None = None


@dataclass(frozen=True)
class ExitReadiness:
    """The verdict of the exit standard: ready, or exactly what is missing."""

    gaps: tuple[Gap, ...]

    @property
    def ready(self) -> bool:
        """Nothing is missing."""
        return not self.gaps


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day if shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def latest_income(incomes: Sequence[IncomeRecord]) -> IncomeRecord | None:
    """The most recent income record (the later-recorded one on a tie)."""
    latest: IncomeRecord | None = None
    for record in incomes:
        if latest is None or record.recorded_on >= latest.recorded_on:
            latest = record
    return latest


def exit_readiness(
    incomes: Sequence[IncomeRecord],
    guarantees: Mapping[Guarantee, GuaranteeState],
    rules: CaseRules,
) -> ExitReadiness:
    """Evaluate the exit standard; incomes in the order they were recorded."""
    gaps: list[Gap] = []
    latest = latest_income(incomes)
    if latest is None:
        gaps.append(Gap(GapKind.NO_INCOME))
    else:
        if latest.per_capita < rules.income_line:
            gaps.append(Gap(GapKind.INCOME_BELOW_LINE, amount=latest.per_capita))
        cutoff = months_before(latest.recorded_on, rules.months_between)
        earlier = latest_income([r for r in incomes if r.recorded_on <= cutoff])
        if earlier is None:
            gaps.append(Gap(GapKind.NO_EARLIER_INCOME, on=cutoff))
        elif earlier.per_capita < rules.income_line:
            gaps.append(
                Gap(
                    GapKind.EARLIER_INCOME_BELOW_LINE,
                    amount=earlier.per_capita,
                    on=earlier.recorded_on,
                )
            )
    for item in Guarantee:
        state = guarantees.get(item)
        if state is None:
            gaps.append(Gap(GapKind.GUARANTEE_NOT_ASSESSED, guarantee=item))
        elif not state.met:
            gaps.append(Gap(GapKind.GUARANTEE_NOT_MET, guarantee=item))
    return ExitReadiness(tuple(gaps))


class RiskKind(enum.StrEnum):
    """Why an exited household is watched for falling back into poverty."""

    INCOME_BELOW_MONITORING = "income_below_monitoring"
    GUARANTEE_FAILED = "guarantee_failed"


@dataclass(frozen=True)
class Risk:
    """One reason for the return-to-poverty flag."""

    kind: RiskKind
    guarantee: Guarantee | None = None
    amount: float | None = None


def relapse_risks(
    status: HouseholdStatus,
    incomes: Sequence[IncomeRecord],
    guarantees: Mapping[Guarantee, GuaranteeState],
    rules: CaseRules,
) -> tuple[Risk, ...]:
    """The reasons an exited household is flagged; none for a household not exited.

    A household with no income recorded is not flagged for income: there is nothing to
    judge, and the missing record shows on the card instead.
    """
    if status not in EXITED_STATUSES:
        return ()
    risks: list[Risk] = []
    latest = latest_income(incomes)
    if latest is not None and latest.per_capita < rules.monitoring_line:
        risks.append(Risk(RiskKind.INCOME_BELOW_MONITORING, amount=latest.per_capita))
    for item in Guarantee:
        state = guarantees.get(item)
        if state is not None and not state.met:
            risks.append(Risk(RiskKind.GUARANTEE_FAILED, guarantee=item))
    return tuple(risks)


@dataclass(frozen=True)
class Coverage:
    """Benefits enrolled over benefits the households are eligible for (應享盡享)."""

    enrolled: int = 0
    eligible: int = 0

    @property
    def ratio(self) -> float | None:
        """Enrolled / eligible, or None when nothing is known to be eligible."""
        return self.enrolled / self.eligible if self.eligible else None

    @property
    def waiting(self) -> int:
        """Benefits a household is eligible for but not enrolled in."""
        return self.eligible - self.enrolled

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(self.enrolled + other.enrolled, self.eligible + other.eligible)


def coverage(statuses: Iterable[BenefitStatus]) -> Coverage:
    """Coverage of a set of benefit states: eligible = eligible-not-enrolled + enrolled."""
    enrolled = eligible = 0
    for status in statuses:
        if status == BenefitStatus.ENROLLED:
            enrolled += 1
            eligible += 1
        elif status in (BenefitStatus.ELIGIBLE, BenefitStatus.APPLIED):
            eligible += 1
    return Coverage(enrolled, eligible)
