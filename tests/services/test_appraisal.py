"""Appraisal use cases on both databases: scores from real rows, adjustment, the final lock,
rectifications and the leader-approved re-pairing with its history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.appraisal import default_rules
from bot.domain.errors import (
    AnnualNeedsLeader,
    AppraisalFinal,
    BadScore,
    HelperNotFound,
    HouseholdNotFound,
    PeriodNotStarted,
    RepairDecided,
)
from bot.domain.spotcheck import SpotCheckDraft
from bot.domain.visits import VisitRules
from bot.domain.vocabulary import AppraisalStatus, CheckMethod, Grade, Role
from bot.services.appraisal import (
    adjust_appraisal,
    appraisal_page,
    finalise_appraisal,
    my_appraisals,
    run_appraisal,
)
from bot.services.oversight_summary import helper_oversight
from bot.services.rectification import rectification_round
from bot.services.repairing import decide_repair, propose_repair
from bot.services.spotcheck import record_spot_check
from storage.models import AuditEntry, Pairing, RepairRequest, SpotCheck
from storage.uow import UnitOfWork
from tests.admin.world import NOW, World, build_world

Uows = Callable[[], UnitOfWork]
RULES = default_rules()
VISITS = VisitRules(tz=UTC, late_days=7, default_quota=2)
TODAY = date(2026, 11, 20)


@pytest.fixture
async def world(session: AsyncSession) -> World:
    return await build_world(session)


async def _lines(
    uows: Uows, world: World, period: str
) -> dict[str, tuple[float | None, Grade | None]]:
    page = await appraisal_page(uows(), world.actor(Role.OFFICE), period, limit=10)
    return {line.helper_name: (line.total, line.grade) for line in page.lines}


async def test_a_monthly_draft_scores_the_criteria_from_the_records(
    uows: Uows, world: World
) -> None:
    page = await run_appraisal(
        uows(), world.actor(Role.OFFICE), "2026-11", now=NOW, rules=RULES, visits=VISITS
    )
    lines = {line.helper_name: line for line in page.lines}
    good, idle = lines["甲幫扶"], lines["乙幫扶"]
    # Two visit days of two: full compliance; records without location or photo.
    assert good.parts == {"work": 80.0, "results": 100.0, "policy": 100.0, "satisfaction": None}
    assert (good.total, good.grade) == (90.6, Grade.EXCELLENT)
    # No visits, a poor household, nothing eligible, no checks.
    assert idle.parts == {"work": 0.0, "results": 30.0, "policy": None, "satisfaction": None}
    assert (idle.total, idle.grade) == (12.9, Grade.INCOMPETENT)
    assert not page.final


async def test_scoring_in_chunks_of_helpers_gives_the_same_drafts(
    uows: Uows, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = world.actor(Role.OFFICE)
    await run_appraisal(uows(), office, "2026", now=NOW, rules=RULES, visits=VISITS)
    whole = await _lines(uows, world, "2026")
    monkeypatch.setattr("bot.services.appraisal.CHUNK", 1)
    await run_appraisal(uows(), office, "2026", now=NOW, rules=RULES, visits=VISITS)
    assert await _lines(uows, world, "2026") == whole
    assert len(whole) == 2


async def test_a_period_that_has_not_begun_is_refused(uows: Uows, world: World) -> None:
    with pytest.raises(PeriodNotStarted):
        await run_appraisal(
            uows(), world.actor(Role.OFFICE), "2026-12", now=NOW, rules=RULES, visits=VISITS
        )


async def test_an_adjustment_needs_a_reason_survives_a_rerun_and_is_audited(
    uows: Uows, world: World, session: AsyncSession
) -> None:
    office = world.actor(Role.OFFICE)
    page = await run_appraisal(uows(), office, "2026-11", now=NOW, rules=RULES, visits=VISITS)
    target = next(line for line in page.lines if line.helper_name == "甲幫扶")
    with pytest.raises(BadScore):
        await adjust_appraisal(
            uows(), office, appraisal_id=target.id, total=70, reason=" ", rules=RULES
        )
    with pytest.raises(BadScore):
        await adjust_appraisal(
            uows(), office, appraisal_id=target.id, total=101, reason="x", rules=RULES
        )
    line = await adjust_appraisal(
        uows(), office, appraisal_id=target.id, total=74.96, reason="台賬不全", rules=RULES
    )
    assert (line.total, line.grade, line.computed) == (75.0, Grade.COMPETENT, 90.6)
    await run_appraisal(uows(), office, "2026-11", now=NOW, rules=RULES, visits=VISITS)
    assert (await _lines(uows, world, "2026-11"))["甲幫扶"] == (75.0, Grade.COMPETENT)
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "appraisal.adjust"))
    assert entry is not None and entry.detail["reason"] == "台賬不全"
    assert entry.detail["before"]["total"] == 90.6 and entry.detail["after"]["total"] == 75.0


async def test_the_annual_appraisal_is_final_once_a_leader_confirms_it(
    uows: Uows, world: World
) -> None:
    office, leader = world.actor(Role.OFFICE), world.actor(Role.LEADER)
    await run_appraisal(uows(), office, "2026", now=NOW, rules=RULES, visits=VISITS)
    with pytest.raises(AnnualNeedsLeader):
        await finalise_appraisal(uows(), office, "2026", now=NOW, today=TODAY, rules=RULES)
    done = await finalise_appraisal(uows(), leader, "2026", now=NOW, today=TODAY, rules=RULES)
    assert (done.count, done.rectifications) == (2, 1)
    before = await _lines(uows, world, "2026")
    page = await appraisal_page(uows(), office, "2026")
    assert page.final
    target = page.lines[0]
    with pytest.raises(AppraisalFinal):
        await adjust_appraisal(
            uows(), office, appraisal_id=target.id, total=1, reason="x", rules=RULES
        )
    with pytest.raises(AppraisalFinal):
        await finalise_appraisal(uows(), leader, "2026", now=NOW, today=TODAY, rules=RULES)
    # A rerun after more work shows the final results unchanged.
    await record_spot_check(
        uows(),
        office,
        SpotCheckDraft("t1", world.helper_a.id, "甲幫扶", CheckMethod.FIELD, satisfaction=1),
        now=NOW,
    )
    rerun = await run_appraisal(uows(), office, "2026", now=NOW, rules=RULES, visits=VISITS)
    assert rerun.final and await _lines(uows, world, "2026") == before
    mine = await my_appraisals(uows(), world.helper_a)
    assert [(m.period, m.status) for m in mine] == [("2026", AppraisalStatus.FINAL)]


async def test_a_spot_check_is_stored_once_and_feeds_satisfaction(
    uows: Uows, world: World, session: AsyncSession
) -> None:
    office = world.actor(Role.OFFICE)
    draft = SpotCheckDraft(
        "tok", world.helper_a.id, "甲幫扶", CheckMethod.PHONE, world.household_a, "李一", 5, "好"
    )
    first = await record_spot_check(uows(), office, draft, now=NOW)
    assert await record_spot_check(uows(), office, draft, now=NOW) == first
    assert len((await session.scalars(select(SpotCheck))).all()) == 1
    with pytest.raises(HouseholdNotFound):
        await record_spot_check(
            uows(),
            office,
            SpotCheckDraft(
                "t2", world.helper_a.id, "甲幫扶", CheckMethod.PHONE, world.household_b
            ),
            now=NOW,
        )
    page = await run_appraisal(uows(), office, "2026-11", now=NOW, rules=RULES, visits=VISITS)
    good = next(line for line in page.lines if line.helper_name == "甲幫扶")
    assert good.parts["satisfaction"] == 100.0
    card = await helper_oversight(uows(), world.actor(Role.MEMBER), world.helper_a.id)
    assert [(c.method, c.satisfaction, c.findings) for c in card.checks] == [("phone", 5, "好")]
    assert card.appraisal is None  # drafts are not shown on the card


async def test_an_expired_rectification_fails_and_flags_replacement(
    uows: Uows, world: World
) -> None:
    office = world.actor(Role.OFFICE)
    await run_appraisal(uows(), office, "2026-11", now=NOW, rules=RULES, visits=VISITS)
    await finalise_appraisal(uows(), office, "2026-11", now=NOW, today=TODAY, rules=RULES)
    digest = await rectification_round(uows(), today=date(2026, 12, 20))
    county_office = next(n for n in digest.office if n.failed == [] and n.open)
    assert [r.helper_name for r in county_office.open] == ["乙幫扶"]
    assert county_office.open[0].due_on == date(2026, 12, 20)
    later = await rectification_round(uows(), today=date(2026, 12, 21))
    failed = [r.helper_name for n in later.office for r in n.failed]
    assert "乙幫扶" in failed and all(not n.open for n in later.office)
    card = await helper_oversight(uows(), office, world.helper_b.id)
    assert card.rectification is not None and card.rectification.status == "failed"
    assert card.appraisal is not None and card.appraisal.grade == Grade.INCOMPETENT
    # Failed once: the next round has nothing left to say.
    assert (await rectification_round(uows(), today=date(2026, 12, 22))).office == []


async def test_re_pairing_waits_for_a_leader_and_keeps_both_pairings(
    uows: Uows, world: World, session: AsyncSession
) -> None:
    office, leader = world.actor(Role.OFFICE), world.actor(Role.LEADER, "township")
    proposal = await propose_repair(
        uows(),
        office,
        household_id=world.household_a,
        helper_id=world.helper_b.id,
        reason="整改未完成",
        now=NOW,
    )
    assert proposal.request.from_helper == "甲幫扶" and proposal.request.to_helper == "乙幫扶"
    # Every leader whose scope covers the village hears of it: county, township, village.
    assert len(proposal.leaders) == 3
    view = await decide_repair(
        uows(), leader, request_id=proposal.request.id, approve=True, today=TODAY, now=NOW
    )
    assert view.status == "approved"
    with pytest.raises(RepairDecided):
        await decide_repair(
            uows(), leader, request_id=proposal.request.id, approve=False, today=TODAY, now=NOW
        )
    pairings = (
        await session.scalars(
            select(Pairing).where(Pairing.household_id == world.household_a).order_by(Pairing.id)
        )
    ).all()
    assert [(p.helper_id, p.ended_on) for p in pairings] == [
        (world.helper_a.id, TODAY),
        (world.helper_b.id, None),
    ]
    assert pairings[1].approved_by_id == leader.id and pairings[1].reason == "整改未完成"
    request = await session.get(RepairRequest, proposal.request.id)
    assert request is not None
    assert (request.proposed_by_id, request.decided_by_id) == (office.id, leader.id)


async def test_the_new_helper_may_be_named_but_only_unambiguously(
    uows: Uows, world: World
) -> None:
    office = world.actor(Role.OFFICE)
    with pytest.raises(HelperNotFound):  # 甲幫扶 and 乙幫扶 both match
        await propose_repair(
            uows(), office, household_id=world.household_a, helper_name="幫扶", reason="x", now=NOW
        )
    proposal = await propose_repair(
        uows(), office, household_id=world.household_a, helper_name="乙", reason="x", now=NOW
    )
    assert proposal.request.to_helper == "乙幫扶"


async def test_a_rejected_re_pairing_changes_nothing(
    uows: Uows, world: World, session: AsyncSession
) -> None:
    proposal = await propose_repair(
        uows(),
        world.actor(Role.OFFICE),
        household_id=world.household_a,
        helper_id=world.helper_b.id,
        reason="x",
        now=NOW,
    )
    await decide_repair(
        uows(),
        world.actor(Role.LEADER),
        request_id=proposal.request.id,
        approve=False,
        today=TODAY,
        now=NOW,
    )
    pairings = (
        await session.scalars(select(Pairing).where(Pairing.household_id == world.household_a))
    ).all()
    assert [(p.helper_id, p.ended_on) for p in pairings] == [(world.helper_a.id, None)]
