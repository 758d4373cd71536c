"""Varied case records for the demo county, so that every view of /household has something
to show: households exit-ready, one guarantee short, exited and slipping back, and benefits
in every state."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.domain.households import CaseRules, Guarantee, months_before
from bot.domain.vocabulary import BenefitStatus, HouseholdStatus
from storage.db import SessionFactory
from storage.queries import demo

ALL = tuple(Guarantee)


def _money(value: float) -> Decimal:
    return Decimal(str(round(value / 10) * 10))


def _guarantees(
    day: date, failing: Guarantee | None = None, note: str | None = None, skip: int = 0
) -> tuple[tuple[str, bool, str | None, date], ...]:
    items = ALL[: len(ALL) - skip]
    return tuple((str(g), g != failing, note if g == failing else None, day) for g in items)


def case_seed(index: int, rules: CaseRules, today: date) -> demo.CaseSeed:
    """The demo records of the index-th paired household: six scenarios in turn."""
    line, watch = rules.income_line, rules.monitoring_line
    earlier = months_before(today, rules.months_between + 1)
    recent = today - timedelta(days=7 + index % 20)
    policies = rules.policies
    pick = [policies[(index + k) % len(policies)] for k in range(4)]
    benefits = (
        (pick[0], BenefitStatus.ENROLLED, months_before(today, 10), None),
        (pick[1], BenefitStatus.ELIGIBLE, None, None),
        (pick[2], BenefitStatus.NOT_ELIGIBLE, None, "家中无符合条件的成员"),
        (pick[3], BenefitStatus.NOT_ASSESSED, None, None),
    )
    scenario = index % 6
    plan = ("年底前人均纯收入稳定超过标准线", "发展养殖产业；推荐家庭成员就近务工")
    given = (("industry", "发放鸡苗 50 只", Decimal("600"), recent),)
    if scenario == 0:  # exit-ready
        return demo.CaseSeed(
            HouseholdStatus.POOR,
            incomes=(
                (_money(line * 1.08), earlier, "务工"),
                (_money(line * 1.15), recent, "务工、养殖"),
            ),
            guarantees=_guarantees(recent),
            benefits=benefits,
            plan=plan,
            assistance=given,
        )
    if scenario == 1:  # one guarantee short: the helper can bring it to exit-ready
        return demo.CaseSeed(
            HouseholdStatus.POOR,
            incomes=(
                (_money(line * 1.05), earlier, "务农"),
                (_money(line * 1.12), recent, "务农、公益性岗位"),
            ),
            guarantees=_guarantees(recent, Guarantee.HOUSING, "屋顶漏雨，待危房改造"),
            benefits=(benefits[1], benefits[3]),
            plan=plan,
        )
    if scenario == 2:  # exited and slipping back
        return demo.CaseSeed(
            HouseholdStatus.EXITED,
            incomes=(
                (_money(watch * 1.2), earlier, "务工"),
                (_money(watch * 0.9), recent, "务工（停工两个月）"),
            ),
            guarantees=_guarantees(recent, Guarantee.MEDICAL, "大病住院，自付费用高"),
            benefits=(benefits[0], benefits[2]),
            assistance=(("health", "协助申请医疗救助", None, recent),),
        )
    if scenario == 3:  # exited and stable
        return demo.CaseSeed(
            HouseholdStatus.EXITED,
            incomes=((_money(watch * 1.3), recent, "经营农家乐"),),
            guarantees=_guarantees(recent),
            benefits=(benefits[0],),
        )
    if scenario == 4:  # still far from the line, some items not yet assessed
        return demo.CaseSeed(
            HouseholdStatus.POOR,
            incomes=((_money(line * 0.7), recent, "务农"),),
            guarantees=_guarantees(recent, Guarantee.EDUCATION, "子女辍学在家", skip=2),
            benefits=benefits,
            plan=plan,
            assistance=given,
        )
    return demo.CaseSeed(HouseholdStatus.POOR)  # nothing recorded yet


async def seed_case_records(sessions: SessionFactory, rules: CaseRules, today: date) -> int:
    """Give every paired demo household its scenario; returns how many were given records."""
    async with sessions() as session, session.begin():
        paired = await demo.paired_households(session)
        for index, (household_id, helper_id) in enumerate(paired):
            await demo.add_case_records(
                session, household_id, helper_id, case_seed(index, rules, today)
            )
    return len(paired)
