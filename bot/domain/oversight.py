"""What the bureau's overseers read: who may, the month and area they ask for, the figures.

Office staff, leaders and department heads (member) run the programme; each sees their own
scope only. The figures of a summary are computed here from plain values, so the rules
(what "compliant" means, how shares round) live in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.households import Coverage
from bot.domain.people import Scope
from bot.domain.quota import HelperMonth
from bot.domain.vocabulary import Role

OVERSIGHT_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.MEMBER})
TREND_MONTHS = 6

_MONTH = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})月?$")
_YEAR = re.compile(r"^(\d{4})年?$")
_QUARTER = re.compile(r"^(\d{4})\s*[Qq]([1-4])$")


def can_oversee(role: Role) -> bool:
    """Office, leaders and department heads read summaries, helpers, exports and the audit."""
    return role in OVERSIGHT_ROLES


def parse_month(text: str) -> int | None:
    """A month written as 2026-11, 202611 or 2026年11月, as YYYYMM; None if it is not one."""
    found = _MONTH.match(text.strip())
    if found is None:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    return year * 100 + month if 1 <= month <= 12 and year >= 2000 else None


@dataclass(frozen=True)
class PeriodSpan:
    """Quota months from `first` to `last` (YYYYMM), both included."""

    first: int
    last: int

    @property
    def label(self) -> str:
        """As people write it: 2026-11, or 2026 for a whole year."""
        if self.first % 100 == 1 and self.last == self.first + 11:
            return f"{self.first // 100}"
        if self.first == self.last:
            return f"{self.first // 100:04d}-{self.first % 100:02d}"
        if self.first % 100 in (1, 4, 7, 10) and self.last == self.first + 2:
            return f"{self.first // 100}Q{(self.first % 100 + 2) // 3}"
        return f"{self.first // 100:04d}-{self.first % 100:02d}..{self.last % 100:02d}"


def parse_span(text: str) -> PeriodSpan | None:
    """A month (2026-11), quarter (2026Q4) or year (2026) as quota months; None if none."""
    month = parse_month(text)
    if month is not None and not _YEAR.match(text.strip()):
        return PeriodSpan(month, month)
    quarter = _QUARTER.match(text.strip())
    if quarter is not None and int(quarter.group(1)) >= 2000:
        first = int(quarter.group(1)) * 100 + int(quarter.group(2)) * 3 - 2
        return PeriodSpan(first, first + 2)
    year = _YEAR.match(text.strip())
    if year is not None and int(year.group(1)) >= 2000:
        first = int(year.group(1)) * 100 + 1
        return PeriodSpan(first, first + 11)
    return None


def split_arguments(args: Sequence[str]) -> tuple[str | None, str]:
    """A command's words as (period text, area name): the first word that reads as a period."""
    period: str | None = None
    rest: list[str] = []
    for word in args:
        if period is None and (parse_span(word) is not None or parse_month(word) is not None):
            period = word
        else:
            rest.append(word)
    return period, " ".join(rest).strip()


def recent_periods(last: int, count: int = TREND_MONTHS) -> list[int]:
    """The `count` quota months ending with `last`, oldest first."""
    index = (last // 100) * 12 + last % 100 - 1
    return [((i // 12) * 100 + i % 12 + 1) for i in range(index - count + 1, index + 1)]


def narrowed(scope: Scope, path: str) -> Scope:
    """The user's scope narrowed to an org unit inside it (the department limit kept)."""
    return Scope(org_path=path, department_id=scope.department_id)


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Compliance:
    """Households that had their visits this month, out of the paired ones."""

    met: int = 0
    paired: int = 0

    @property
    def ratio(self) -> float | None:
        """Share of paired households compliant (None: no household paired)."""
        return share(self.met, self.paired)


def household_compliance(months: Iterable[HelperMonth]) -> Compliance:
    """Compliant households among helpers' months (a household with two helpers counts once).

    A household shared by two helpers is compliant when its visit days reach its quota; the
    days are the household's, whoever visited, so both lines agree.
    """
    seen: dict[int, bool] = {}
    for month in months:
        for line in month.households:
            seen[line.household_id] = line.met
    return Compliance(sum(seen.values()), len(seen))


@dataclass(frozen=True)
class NamedShare:
    """One bar of the chart: a helper or village and its compliance."""

    name: str
    compliance: Compliance


def by_village(months: Iterable[HelperMonth]) -> list[NamedShare]:
    """Household compliance per village, worst first."""
    villages: dict[str, dict[int, bool]] = {}
    for month in months:
        for line in month.households:
            villages.setdefault(line.village, {})[line.household_id] = line.met
    shares = [
        NamedShare(name, Compliance(sum(seen.values()), len(seen)))
        for name, seen in villages.items()
    ]
    return sorted(shares, key=lambda s: (s.compliance.ratio or 0.0, s.name))


def by_helper(named: Iterable[tuple[str, HelperMonth]]) -> list[NamedShare]:
    """Household compliance per helper, worst first (helpers without households left out)."""
    shares = [
        NamedShare(name, Compliance(sum(h.met for h in m.households), len(m.households)))
        for name, m in named
        if m.households
    ]
    return sorted(shares, key=lambda s: (s.compliance.ratio or 0.0, s.name))


@dataclass(frozen=True)
class HelperEntry:
    """A helper as the overseer's list shows them."""

    helper_id: int
    name: str
    department: str | None
    department_id: int | None


@dataclass(frozen=True)
class ListedName:
    """A household in a list of the summary: id, head, village."""

    household_id: int
    head_name: str
    village: str


@dataclass(frozen=True)
class Summary:
    """The month of one area as the overseer reads it."""

    period: int
    area: str | None
    households: int
    compliance: Compliance
    helpers_on_track: int
    helpers_behind: tuple[tuple[str, int], ...]  # (name, visits short), most behind first
    coverage: Coverage
    exit_ready: tuple[ListedName, ...]
    at_risk: tuple[ListedName, ...]
    open_flags: int
    open_complaints: int
    bars: tuple[NamedShare, ...] = ()
    bars_by: str = "village"
    trend: tuple[tuple[int, float | None], ...] = ()
    made_at: datetime | None = field(default=None, compare=False)
