"""Scoring and grading of helpers: the formulas, their edge cases and the periods."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.appraisal import (
    AppraisalRules,
    HelperFacts,
    default_rules,
    grade_of,
    parse_period,
    parse_thresholds,
    parse_weights,
    rectification_due,
    score,
)
from bot.domain.households import Coverage
from bot.domain.quota import HelperMonth, HouseholdMonth, MonthTotals
from bot.domain.vocabulary import AppraisalKind, Grade

RULES = default_rules()


def _month(*days_and_quotas: tuple[int, int], period: int = 202611) -> MonthTotals:
    return HelperMonth(
        period=period,
        households=tuple(
            HouseholdMonth(i, f"户{i}", "東村", days, quota)
            for i, (days, quota) in enumerate(days_and_quotas)
        ),
    ).totals


def _perfect(**changes: object) -> HelperFacts:
    base: dict[str, object] = {
        "months": [_month((2, 2), (3, 2))],
        "visits": 5,
        "complete_visits": 5,
        "late_visits": 0,
        "households": 2,
        "exited": 2,
        "coverage": Coverage(enrolled=4, eligible=4),
        "satisfaction": (5, 5),
    }
    base.update(changes)
    return HelperFacts(**base)  # type: ignore[arg-type]


def test_a_perfect_helper_scores_100_and_is_excellent() -> None:
    result = score(_perfect(), RULES)
    assert result.as_dict() == {
        "work": 100.0,
        "results": 100.0,
        "policy": 100.0,
        "satisfaction": 100.0,
    }
    assert result.total == 100.0 and result.grade == Grade.EXCELLENT


def test_the_quota_caps_each_household_and_late_or_incomplete_records_cost() -> None:
    # 3 visit days where 2 count: compliance (2 + 0) / 4 = 0.5; half complete, a quarter late.
    facts = _perfect(months=[_month((3, 2), (0, 2))], visits=4, complete_visits=2, late_visits=1)
    assert score(facts, RULES).work == pytest.approx(100 * (0.6 * 0.5 + 0.2 * 0.5 + 0.2 * 0.75))


def test_open_flags_and_substantiated_complaints_lower_work_but_not_below_zero() -> None:
    rules = AppraisalRules(RULES.weights, RULES.thresholds, flag_penalty=2, complaint_penalty=10)
    assert score(_perfect(open_flags=3, substantiated=1), rules).work == 84.0
    assert score(_perfect(open_flags=100), rules).work == 0.0


def test_no_households_leaves_only_satisfaction_to_judge() -> None:
    facts = HelperFacts(months=[_month()], satisfaction=(3,))
    result = score(facts, RULES)
    assert (result.work, result.results, result.policy) == (None, None, None)
    assert result.satisfaction == 50.0 and result.total == 50.0
    assert result.grade == Grade.INCOMPETENT


def test_no_households_and_no_spot_checks_is_no_grade_at_all() -> None:
    result = score(HelperFacts(months=[]), RULES)
    assert result.total is None and result.grade is None


def test_without_spot_checks_the_other_weights_are_renormalised() -> None:
    facts = _perfect(satisfaction=(), exited=0, exit_pending=0)
    result = score(facts, RULES)
    # results: no progress, none returned → 30; weights 40/30/15 over 85.
    assert result.satisfaction is None and result.results == 30.0
    assert result.total == round((40 * 100 + 30 * 30 + 15 * 100) / 85, 1)


def test_returns_to_poverty_cost_results() -> None:
    assert score(_perfect(exited=1, returned=1), RULES).results == 100 * (0.7 * 0.5 + 0.3 * 0.5)


def test_nothing_eligible_means_policy_is_not_judged() -> None:
    assert score(_perfect(coverage=Coverage()), RULES).policy is None


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (90.0, Grade.EXCELLENT),
        (89.99, Grade.EXCELLENT),  # rounded to one decimal first: 90.0
        (89.9, Grade.COMPETENT),
        (75.0, Grade.COMPETENT),
        (74.9, Grade.BASIC),
        (60.0, Grade.BASIC),
        (59.9, Grade.INCOMPETENT),
        (0.0, Grade.INCOMPETENT),
    ],
)
def test_a_total_on_a_threshold_earns_the_higher_grade(total: float, grade: Grade) -> None:
    assert grade_of(total, RULES) == grade


def test_thresholds_and_weights_are_configurable() -> None:
    rules = AppraisalRules(
        parse_weights("work=1,results=0,policy=0,satisfaction=0"),
        parse_thresholds("excellent=95,competent=80,basic=50"),
    )
    facts = _perfect(satisfaction=(1,))
    assert score(facts, rules).total == 100.0
    assert grade_of(94.9, rules) == Grade.COMPETENT


@pytest.mark.parametrize(
    "text",
    [
        "work=40",
        "work=40,results=30,policy=15,satisfaction=x",
        "work=0,results=0,policy=0,satisfaction=0",
        "work=101,results=0,policy=0,satisfaction=0",
        "work=1,work=2,results=1,policy=1,satisfaction=1",
    ],
)
def test_bad_weights_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_weights(text)


def test_thresholds_must_descend() -> None:
    with pytest.raises(ValueError):
        parse_thresholds("excellent=75,competent=75,basic=60")


@pytest.mark.parametrize(
    ("text", "label", "months", "kind"),
    [
        ("2026-11", "2026-11", (202611,), AppraisalKind.REGULAR),
        ("2026q4", "2026Q4", (202610, 202611, 202612), AppraisalKind.REGULAR),
        ("2026", "2026", tuple(202600 + m for m in range(1, 13)), AppraisalKind.ANNUAL),
    ],
)
def test_periods(text: str, label: str, months: tuple[int, ...], kind: AppraisalKind) -> None:
    period = parse_period(text)
    assert (period.label, period.months, period.kind) == (label, months, kind)


def test_period_days() -> None:
    assert parse_period("2026-02").last_day == date(2026, 2, 28)
    assert parse_period("2026Q4").first_day == date(2026, 10, 1)
    assert parse_period("2026").last_day == date(2026, 12, 31)


@pytest.mark.parametrize("text", ["2026-13", "26-11", "2026Q5", "1999", "next year"])
def test_bad_periods(text: str) -> None:
    with pytest.raises(ValueError):
        parse_period(text)


def test_rectification_deadline() -> None:
    assert rectification_due(date(2026, 12, 31), RULES) == date(2027, 1, 30)
