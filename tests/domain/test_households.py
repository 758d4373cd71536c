"""The exit standard, the return-to-poverty watch and benefit coverage, at their edges."""

from __future__ import annotations

from datetime import date

from bot.domain.households import (
    CaseRules,
    Coverage,
    GapKind,
    Guarantee,
    GuaranteeState,
    IncomeRecord,
    RiskKind,
    coverage,
    exit_readiness,
    months_before,
    relapse_risks,
)
from bot.domain.vocabulary import BenefitStatus, HouseholdStatus

RULES = CaseRules(income_line=4000.0, monitoring_line=4500.0, months_between=6)
DAY = date(2026, 11, 20)


def _all_met(**failing: bool) -> dict[Guarantee, GuaranteeState]:
    return {g: GuaranteeState(g, not failing.get(g.value, False), DAY) for g in Guarantee}


def _incomes(*pairs: tuple[float, date]) -> list[IncomeRecord]:
    return [IncomeRecord(amount, day, "wages") for amount, day in pairs]


def test_ready_when_both_incomes_are_exactly_at_the_line() -> None:
    incomes = _incomes((4000.0, date(2026, 5, 20)), (4000.0, DAY))
    result = exit_readiness(incomes, _all_met(), RULES)
    assert result.ready and result.gaps == ()


def test_a_yuan_below_the_line_is_named_with_the_amount() -> None:
    incomes = _incomes((4100.0, date(2026, 5, 1)), (3999.99, DAY))
    result = exit_readiness(incomes, _all_met(), RULES)
    assert [(g.kind, g.amount) for g in result.gaps] == [(GapKind.INCOME_BELOW_LINE, 3999.99)]


def test_one_guarantee_missing_is_exactly_what_is_missing() -> None:
    incomes = _incomes((4100.0, date(2026, 1, 1)), (4200.0, DAY))
    result = exit_readiness(incomes, _all_met(housing=True), RULES)
    assert [(g.kind, g.guarantee) for g in result.gaps] == [
        (GapKind.GUARANTEE_NOT_MET, Guarantee.HOUSING)
    ]


def test_missing_data_lists_every_gap() -> None:
    result = exit_readiness([], {}, RULES)
    assert result.gaps[0].kind == GapKind.NO_INCOME
    assert [g.guarantee for g in result.gaps[1:]] == list(Guarantee)
    assert {g.kind for g in result.gaps[1:]} == {GapKind.GUARANTEE_NOT_ASSESSED}


def test_previous_record_too_recent_does_not_count() -> None:
    # Five months and thirty days before the latest: one day short of six months.
    incomes = _incomes((5000.0, date(2026, 5, 21)), (5000.0, DAY))
    result = exit_readiness(incomes, _all_met(), RULES)
    assert [(g.kind, g.on) for g in result.gaps] == [
        (GapKind.NO_EARLIER_INCOME, date(2026, 5, 20))
    ]
    # Exactly six months earlier counts.
    ok = _incomes((5000.0, date(2026, 5, 20)), (5000.0, DAY))
    assert exit_readiness(ok, _all_met(), RULES).ready


def test_the_earlier_record_must_be_above_the_line_too() -> None:
    incomes = _incomes((3000.0, date(2026, 2, 1)), (4100.0, date(2026, 8, 1)), (4400.0, DAY))
    # The earlier record is the newest one at least six months before the latest.
    result = exit_readiness(incomes, _all_met(), RULES)
    assert [(g.kind, g.on) for g in result.gaps] == [
        (GapKind.EARLIER_INCOME_BELOW_LINE, date(2026, 2, 1))
    ]


def test_months_before_clamps_to_the_end_of_a_short_month() -> None:
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2026, 3, 15), 15) == date(2024, 12, 15)
    assert months_before(DAY, 0) == DAY


def test_a_household_not_exited_is_never_flagged() -> None:
    incomes = _incomes((100.0, DAY))
    assert relapse_risks(HouseholdStatus.POOR, incomes, _all_met(food=True), RULES) == ()


def test_an_exited_household_below_the_monitoring_line_is_flagged_with_the_amount() -> None:
    incomes = _incomes((4499.0, DAY))
    risks = relapse_risks(HouseholdStatus.EXITED, incomes, _all_met(), RULES)
    assert [(r.kind, r.amount) for r in risks] == [(RiskKind.INCOME_BELOW_MONITORING, 4499.0)]
    at_line = _incomes((4500.0, DAY))
    assert relapse_risks(HouseholdStatus.EXITED, at_line, _all_met(), RULES) == ()


def test_a_failed_guarantee_names_the_item() -> None:
    risks = relapse_risks(
        HouseholdStatus.RELAPSE_RISK, _incomes((9000.0, DAY)), _all_met(medical=True), RULES
    )
    assert [(r.kind, r.guarantee) for r in risks] == [
        (RiskKind.GUARANTEE_FAILED, Guarantee.MEDICAL)
    ]


def test_missing_income_of_an_exited_household_raises_no_income_flag() -> None:
    assert relapse_risks(HouseholdStatus.EXITED, [], {}, RULES) == ()


def test_coverage_counts_enrolled_over_eligible() -> None:
    states = [
        BenefitStatus.ENROLLED,
        BenefitStatus.ELIGIBLE,
        BenefitStatus.NOT_ELIGIBLE,
        BenefitStatus.NOT_ASSESSED,
        BenefitStatus.ENROLLED,
    ]
    result = coverage(states)
    assert (result.enrolled, result.eligible, result.waiting) == (2, 3, 1)
    assert result.ratio == 2 / 3
    assert coverage([BenefitStatus.NOT_ELIGIBLE]).ratio is None
    assert Coverage(1, 2) + Coverage(3, 3) == Coverage(4, 5)
