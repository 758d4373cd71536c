"""Appraisal of helpers (考核): periods, the four criteria, the total and the grade.

Pure rules over plain numbers; the formulas are documented in docs/appraisal.md and every
weight and threshold comes from configuration (`AppraisalRules`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.households import Coverage
from bot.domain.quota import MonthTotals
from bot.domain.text import N_
from bot.domain.vocabulary import AppraisalKind, AppraisalStatus, Grade

CRITERIA = ("work", "results", "policy", "satisfaction")
DEFAULT_WEIGHTS = "work=40,results=30,policy=15,satisfaction=15"
DEFAULT_GRADES = "excellent=90,competent=75,basic=60"
GRADE_NAMES = {
    Grade.EXCELLENT: N_("Excellent (優秀)"),
    Grade.COMPETENT: N_("Competent (稱職)"),
    Grade.BASIC: N_("Basically competent (基本稱職)"),
    Grade.INCOMPETENT: N_("Incompetent (不稱職)"),
}
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|[Qq]([1-4]))?$")
# Within the work score: how much the quota weighs against the quality of the records.
COMPLIANCE_SHARE = 0.6
COMPLETENESS_SHARE = 0.2
TIMELINESS_SHARE = 0.2
# Within the results score: progress towards exit against returns to poverty.
PROGRESS_SHARE = 0.7


@dataclass(frozen=True)
class Period:
    """An appraisal period: a month (2026-11), a quarter (2026Q4) or a year (2026)."""

    label: str
    year: int
    first_month: int
    last_month: int

    @property
    def kind(self) -> AppraisalKind:
        """A year is the annual appraisal; months and quarters are regular ones."""
        whole_year = self.first_month == 1 and self.last_month == 12
        return AppraisalKind.ANNUAL if whole_year else AppraisalKind.REGULAR

    @property
    def months(self) -> tuple[int, ...]:
        """The quota months (year*100 + month) the period covers."""
        return tuple(self.year * 100 + m for m in range(self.first_month, self.last_month + 1))

    @property
    def first_day(self) -> date:
        """The period's first calendar day."""
        return date(self.year, self.first_month, 1)

    @property
    def last_day(self) -> date:
        """The period's last calendar day."""
        if self.last_month == 12:
            return date(self.year, 12, 31)
        return date.fromordinal(date(self.year, self.last_month + 1, 1).toordinal() - 1)


def parse_period(text: str) -> Period:
    """A period as people write it: 2026-11, 2026Q4 or 2026; ValueError otherwise."""
    found = _PERIOD.match(text.strip())
    if found is None:
        raise ValueError("write a month (2026-11), a quarter (2026Q4) or a year (2026)")
    year = int(found.group(1))
    if not 2000 <= year <= 2100:
        raise ValueError("the year must lie between 2000 and 2100")
    if found.group(2) is not None:
        month = int(found.group(2))
        if not 1 <= month <= 12:
            raise ValueError("a month runs from 01 to 12")
        return Period(f"{year}-{month:02d}", year, month, month)
    if found.group(3) is not None:
        quarter = int(found.group(3))
        return Period(f"{year}Q{quarter}", year, quarter * 3 - 2, quarter * 3)
    return Period(str(year), year, 1, 12)


def _pairs(text: str, keys: Sequence[str], what: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for part in text.split(","):
        key, sep, value = part.strip().partition("=")
        key = key.strip().lower()
        if not sep or key not in keys:
            raise ValueError(f"write {what} as " + ",".join(f"{k}=N" for k in keys))
        if key in found:
            raise ValueError(f"{key} is given twice")
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"{key} needs a number") from None
        if not 0 <= number <= 100:
            raise ValueError(f"{key} must lie between 0 and 100")
        found[key] = number
    missing = [k for k in keys if k not in found]
    if missing:
        raise ValueError("missing " + ", ".join(missing))
    return found


def parse_weights(text: str) -> dict[str, float]:
    """Criterion weights as work=40,results=30,policy=15,satisfaction=15."""
    weights = _pairs(text, CRITERIA, "the weights")
    if sum(weights.values()) <= 0:
        raise ValueError("at least one weight must be more than 0")
    return weights


def parse_thresholds(text: str) -> dict[Grade, float]:
    """Lowest totals of the upper three grades, as excellent=90,competent=75,basic=60."""
    keys = (Grade.EXCELLENT.value, Grade.COMPETENT.value, Grade.BASIC.value)
    found = _pairs(text, keys, "the grade thresholds")
    if not found["excellent"] > found["competent"] > found["basic"]:
        raise ValueError("excellent must be above competent, and competent above basic")
    return {Grade(k): v for k, v in found.items()}


@dataclass(frozen=True)
class AppraisalRules:
    """The configured weights, thresholds and penalties."""

    weights: Mapping[str, float]
    thresholds: Mapping[Grade, float]
    flag_penalty: float = 2.0
    complaint_penalty: float = 10.0
    rectification_days: int = 30


def default_rules() -> AppraisalRules:
    """The rules with every setting at its default."""
    return AppraisalRules(parse_weights(DEFAULT_WEIGHTS), parse_thresholds(DEFAULT_GRADES))


@dataclass(frozen=True)
class HelperFacts:
    """What a helper did in a period, as the criteria need it."""

    months: Sequence[MonthTotals]
    visits: int = 0
    complete_visits: int = 0  # with a shared location and at least one photo
    late_visits: int = 0  # logged on a later day than they happened
    households: int = 0
    exited: int = 0
    exit_pending: int = 0
    returned: int = 0  # went back from exited to poor within the period
    coverage: Coverage = field(default_factory=Coverage)
    satisfaction: Sequence[int] = ()  # spot-check scores 1..5
    open_flags: int = 0
    substantiated: int = 0


@dataclass(frozen=True)
class Score:
    """The four criteria (0..100, None when there is nothing to judge) and the result."""

    work: float | None
    results: float | None
    policy: float | None
    satisfaction: float | None
    total: float | None
    grade: Grade | None

    def as_dict(self) -> dict[str, float | None]:
        """The criteria by name (stored with the appraisal as its breakdown)."""
        return {
            "work": self.work,
            "results": self.results,
            "policy": self.policy,
            "satisfaction": self.satisfaction,
        }


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


def compliance(months: Sequence[MonthTotals]) -> float | None:
    """Visits done over visits required across the period's months (the quota rule)."""
    required = sum(m.required for m in months)
    return sum(m.done for m in months) / required if required else None


def work_score(facts: HelperFacts, rules: AppraisalRules) -> float | None:
    """Quota compliance and the records' completeness and timeliness, less open penalties."""
    share = compliance(facts.months)
    if share is None:
        return None
    complete = facts.complete_visits / facts.visits if facts.visits else 0.0
    timely = 1 - facts.late_visits / facts.visits if facts.visits else 0.0
    base = 100 * (
        COMPLIANCE_SHARE * share + COMPLETENESS_SHARE * complete + TIMELINESS_SHARE * timely
    )
    penalty = facts.open_flags * rules.flag_penalty + facts.substantiated * rules.complaint_penalty
    return _clamp(base - penalty)


def results_score(facts: HelperFacts) -> float | None:
    """Progress of the households towards exit, and none of them falling back."""
    if facts.households == 0:
        return None
    progress = (facts.exited + 0.5 * facts.exit_pending) / facts.households
    kept = 1 - min(1.0, facts.returned / facts.households)
    return _clamp(100 * (PROGRESS_SHARE * progress + (1 - PROGRESS_SHARE) * kept))


def policy_score(facts: HelperFacts) -> float | None:
    """Benefits enrolled over benefits the households are eligible for."""
    if facts.households == 0 or facts.coverage.ratio is None:
        return None
    return _clamp(100 * facts.coverage.ratio)


def satisfaction_score(facts: HelperFacts) -> float | None:
    """The mean spot-check satisfaction, 1 → 0 and 5 → 100."""
    if not facts.satisfaction:
        return None
    mean = sum(facts.satisfaction) / len(facts.satisfaction)
    return _clamp(100 * (mean - 1) / 4)


def grade_of(total: float, rules: AppraisalRules) -> Grade:
    """The grade of a total; a total exactly on a threshold earns the higher grade."""
    rounded = round(total, 1)
    for grade in (Grade.EXCELLENT, Grade.COMPETENT, Grade.BASIC):
        if rounded >= rules.thresholds[grade]:
            return grade
    return Grade.INCOMPETENT


def total_of(parts: Mapping[str, float | None], rules: AppraisalRules) -> float | None:
    """The weighted mean of the criteria that could be judged (weights renormalised)."""
    weighed = [(rules.weights[k], v) for k, v in parts.items() if v is not None]
    weight = sum(w for w, _ in weighed)
    if not weighed or weight <= 0:
        return None
    return round(sum(w * v for w, v in weighed) / weight, 1)


def score(facts: HelperFacts, rules: AppraisalRules) -> Score:
    """A helper's appraisal from their facts; no grade when nothing could be judged."""
    parts = {
        "work": work_score(facts, rules),
        "results": results_score(facts),
        "policy": policy_score(facts),
        "satisfaction": satisfaction_score(facts),
    }
    rounded = {k: None if v is None else round(v, 1) for k, v in parts.items()}
    total = total_of(rounded, rules)
    return Score(
        work=rounded["work"],
        results=rounded["results"],
        policy=rounded["policy"],
        satisfaction=rounded["satisfaction"],
        total=total,
        grade=None if total is None else grade_of(total, rules),
    )


def valid_adjustment(total: float) -> bool:
    """An adjusted total is a score like any other: 0 to 100."""
    return 0 <= total <= 100


@dataclass(frozen=True)
class AppraisalLine:
    """One helper's appraisal as the office's review and the helper's own view show it."""

    id: int
    helper_id: int
    helper_name: str
    period: str
    status: AppraisalStatus
    parts: Mapping[str, float | None]
    computed: float | None
    total: float | None
    grade: Grade | None
    adjust_reason: str | None = None


@dataclass(frozen=True)
class AppraisalPage:
    """A page of a period's appraisals in the reviewer's scope."""

    period: Period
    lines: Sequence[AppraisalLine]
    total: int
    offset: int
    final: bool


@dataclass(frozen=True)
class Rectification:
    """A 限期整改 opened by an incompetent grade: due by a day, closed or failed."""

    id: int
    helper_id: int
    helper_name: str
    due_on: date
    status: str


def rectification_due(opened: date, rules: AppraisalRules) -> date:
    """The deadline of a rectification opened on a day."""
    return date.fromordinal(opened.toordinal() + rules.rectification_days)


@dataclass(frozen=True)
class HelperRow:
    """A helper as pickers and lists show them."""

    id: int
    name: str


@dataclass(frozen=True)
class CheckRow:
    """One spot check as a helper's card shows it."""

    id: int
    method: str
    household: str | None
    satisfaction: int | None
    findings: str | None
    checked_at: datetime
