"""Appraisal use cases: run a period's draft, review it, adjust with a reason, make it final.

The office runs and adjusts drafts and publishes regular (month, quarter) appraisals; a
leader confirms the annual one. A final appraisal is never recomputed or changed again, and
a final 不稱職 opens a rectification (限期整改).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.appraisal import (
    AppraisalLine,
    AppraisalPage,
    AppraisalRules,
    HelperFacts,
    Period,
    grade_of,
    parse_period,
    rectification_due,
    score,
    valid_adjustment,
)
from bot.domain.errors import (
    AnnualNeedsLeader,
    AppraisalFinal,
    AppraisalNotFound,
    BadPeriod,
    BadScore,
    NoAppraisalDraft,
    NotAllowed,
    PeriodNotStarted,
)
from bot.domain.households import coverage
from bot.domain.people import Actor
from bot.domain.quota import MonthTotals, counted, period_bounds, period_of, quota_for
from bot.domain.visits import VisitRules
from bot.domain.vocabulary import AppraisalKind, AppraisalStatus, Grade, Role
from storage.models import Appraisal, Rectification
from storage.queries.appraisal import VisitStats
from storage.uow import UnitOfWork

REVIEWERS = frozenset({Role.OFFICE, Role.LEADER})
MAX_REASON = 500
# Helpers scored per round of grouped queries.
CHUNK = 500


def _reviewer(actor: Actor) -> None:
    if actor.role not in REVIEWERS:
        raise NotAllowed()


def _office(actor: Actor) -> None:
    if actor.role != Role.OFFICE:
        raise NotAllowed()


def period_from(text: str) -> Period:
    """The period a user typed, or the domain error that explains the forms."""
    try:
        return parse_period(text)
    except ValueError:
        raise BadPeriod() from None


def line_of(row: Appraisal, name: str) -> AppraisalLine:
    """A stored appraisal as the views show it."""
    parts = row.facts.get("scores", {}) if isinstance(row.facts, dict) else {}
    return AppraisalLine(
        id=row.id,
        helper_id=row.helper_id,
        helper_name=name,
        period=row.period,
        status=AppraisalStatus(str(row.status)),
        parts={k: parts.get(k) for k in ("work", "results", "policy", "satisfaction")},
        computed=row.computed_score,
        total=row.total_score,
        grade=Grade(str(row.grade)) if row.grade is not None else None,
        adjust_reason=row.adjust_reason,
    )


def _totals(
    quotas: Sequence[tuple[int, int]], days: dict[tuple[int, int], int], period: int
) -> MonthTotals:
    """A helper's month in figures from (household, quota) pairs and visit days.

    The quota rule's figures without a `HouseholdMonth` per household and month: a county's
    annual appraisal would build over ten million of them.
    """
    done = sum(counted(days.get((h, period), 0), q) for h, q in quotas)
    return MonthTotals(period, len(quotas), sum(q for _, q in quotas), done)


async def facts_of(
    uow: UnitOfWork,
    helper_ids: Sequence[int],
    period: Period,
    *,
    now: datetime,
    visits: VisitRules,
) -> dict[int, HelperFacts]:
    """What the criteria need about these helpers, inside an open unit of work.

    A few grouped queries per call, whatever the number of helpers: the county's annual
    appraisal runs them per chunk of helpers rather than per helper.
    """
    # Months still to come ask nothing of the helper yet.
    current = period_of(now, visits.tz)
    months = [m for m in period.months if m <= current]
    start = period_bounds(period.months[0], visits.tz)[0]
    end = period_bounds(period.months[-1], visits.tz)[1]
    queries = uow.appraisal
    paired, days = await queries.paired_quotas_of(helper_ids, months)
    quotas: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for helper_id, household_id, own in paired:
        quotas[helper_id].append((household_id, quota_for(own, visits.default_quota)))
    stats = await queries.visit_stats_of(helper_ids, months)
    progress = await queries.progress_of(helper_ids, start, end)
    benefits = await queries.benefit_states_of(helper_ids)
    satisfaction = await queries.satisfaction_of(helper_ids, start, end)
    flags = await queries.open_flags_of(helper_ids)
    # Few helpers are ever complained about: ask the complaint rule only for those.
    substantiated = {
        h: len(await uow.complaints.substantiated(h, period.first_day, period.last_day))
        for h in await queries.complained_about(helper_ids)
    }
    found = {}
    for h in helper_ids:
        seen = stats.get(h, VisitStats(0, 0, 0))
        mine = progress[h]
        found[h] = HelperFacts(
            months=[_totals(quotas.get(h, []), days, m) for m in months],
            visits=seen.visits,
            complete_visits=seen.complete,
            late_visits=seen.late,
            households=mine.households,
            exited=mine.exited,
            exit_pending=mine.exit_pending,
            returned=mine.returned,
            coverage=coverage(benefits.get(h, [])),
            satisfaction=satisfaction.get(h, []),
            open_flags=flags.get(h, 0),
            substantiated=substantiated.get(h, 0),
        )
    return found


def _facts_json(facts: HelperFacts, parts: dict[str, float | None]) -> dict[str, object]:
    return {
        "scores": parts,
        "required": sum(m.required for m in facts.months),
        "done": sum(m.done for m in facts.months),
        "visits": facts.visits,
        "complete": facts.complete_visits,
        "late": facts.late_visits,
        "households": facts.households,
        "exited": facts.exited,
        "exit_pending": facts.exit_pending,
        "returned": facts.returned,
        "enrolled": facts.coverage.enrolled,
        "eligible": facts.coverage.eligible,
        "checks": len(facts.satisfaction),
        "open_flags": facts.open_flags,
        "substantiated": facts.substantiated,
    }


async def _page(
    uow: UnitOfWork, actor: Actor, period: Period, offset: int, limit: int
) -> AppraisalPage:
    rows, total = await uow.appraisal.appraisals(
        period.label, actor.scope, offset=max(0, offset), limit=limit
    )
    if total == 0:
        raise NoAppraisalDraft(period=period.label)
    if not rows and offset > 0:
        return await _page(uow, actor, period, 0, limit)
    final = AppraisalStatus.DRAFT not in await uow.appraisal.statuses(period.label, actor.scope)
    return AppraisalPage(
        period=period,
        lines=[line_of(a, n) for a, n in rows],
        total=total,
        offset=max(0, offset),
        final=final,
    )


async def run_appraisal(
    uow: UnitOfWork,
    actor: Actor,
    period_text: str,
    *,
    now: datetime,
    rules: AppraisalRules,
    visits: VisitRules,
    limit: int = 5,
) -> AppraisalPage:
    """Compute (or recompute) the drafts of every helper in the office's scope; audited.

    A period that is already final is shown as it stands and never recomputed.
    """
    _office(actor)
    period = period_from(period_text)
    if period.months[0] > period_of(now, visits.tz):
        raise PeriodNotStarted(period=period.label)
    async with uow:
        if AppraisalStatus.FINAL in await uow.appraisal.statuses(period.label, actor.scope):
            return await _page(uow, actor, period, 0, limit)
        helpers = await uow.appraisal.helpers(actor.scope)
        for first in range(0, len(helpers), CHUNK):
            ids = [h.id for h in helpers[first : first + CHUNK]]
            facts = await facts_of(uow, ids, period, now=now, visits=visits)
            rows = await uow.appraisal.appraisals_of(ids, period.label)
            for helper_id in ids:
                result = score(facts[helper_id], rules)
                row = rows.get(helper_id)
                if row is None:
                    row = Appraisal(
                        helper_id=helper_id,
                        kind=period.kind,
                        period=period.label,
                        status=AppraisalStatus.DRAFT,
                    )
                    uow.appraisal.add(row)
                row.work_score = result.work
                row.results_score = result.results
                row.policy_score = result.policy
                row.satisfaction_score = result.satisfaction
                row.computed_score = result.total
                row.facts = _facts_json(facts[helper_id], result.as_dict())
                row.appraised_by_id = actor.id
                if row.adjust_reason is None:  # an adjustment with its reason outlives a rerun
                    row.total_score = result.total
                    row.grade = result.grade
            await uow.flush()
        uow.record(
            actor, "appraisal.run", target_type="period", period=period.label, helpers=len(helpers)
        )
        await uow.flush()
        page = await _page(uow, actor, period, 0, limit)
        await uow.commit()
        return page


async def appraisal_page(
    uow: UnitOfWork, actor: Actor, period_text: str, *, offset: int = 0, limit: int = 5
) -> AppraisalPage:
    """A page of a period's appraisals in the reviewer's scope (office and leaders)."""
    _reviewer(actor)
    period = period_from(period_text)
    async with uow:
        return await _page(uow, actor, period, offset, limit)


async def appraisal_to_adjust(uow: UnitOfWork, actor: Actor, appraisal_id: int) -> AppraisalLine:
    """A draft appraisal in the office's scope, before asking for the new score."""
    _office(actor)
    async with uow:
        found = await uow.appraisal.appraisal(appraisal_id, actor.scope)
        if found is None:
            raise AppraisalNotFound()
        row, name = found
        if row.status == AppraisalStatus.FINAL:
            raise AppraisalFinal(period=row.period)
        return line_of(row, name)


async def adjust_appraisal(
    uow: UnitOfWork,
    actor: Actor,
    *,
    appraisal_id: int,
    total: float,
    reason: str,
    rules: AppraisalRules,
) -> AppraisalLine:
    """Set a draft's total by hand; only with a reason, never on a final one; audited."""
    _office(actor)
    reason = reason.strip()
    if not valid_adjustment(total) or not reason or len(reason) > MAX_REASON:
        raise BadScore()
    async with uow:
        found = await uow.appraisal.appraisal(appraisal_id, actor.scope)
        if found is None:
            raise AppraisalNotFound()
        row, name = found
        if row.status == AppraisalStatus.FINAL:
            raise AppraisalFinal(period=row.period)
        before = {"total": row.total_score, "grade": row.grade and str(row.grade)}
        row.total_score = round(total, 1)
        row.grade = grade_of(row.total_score, rules)
        row.adjust_reason = reason
        uow.record(
            actor,
            "appraisal.adjust",
            target_type="appraisal",
            target_id=row.id,
            before=before,
            after={"total": row.total_score, "grade": str(row.grade)},
            reason=reason,
        )
        await uow.commit()
        return line_of(row, name)


@dataclass(frozen=True)
class Finalised:
    """What making a period final did: how many became final, rectifications opened."""

    period: str
    count: int
    rectifications: int


def _may_finalise(actor: Actor, period: Period) -> None:
    if period.kind == AppraisalKind.ANNUAL:
        if actor.role == Role.OFFICE:
            raise AnnualNeedsLeader()
        if actor.role != Role.LEADER:
            raise NotAllowed()
    elif actor.role != Role.OFFICE:
        raise NotAllowed()


async def finalise_appraisal(
    uow: UnitOfWork,
    actor: Actor,
    period_text: str,
    *,
    now: datetime,
    today: date,
    rules: AppraisalRules,
) -> Finalised:
    """Make a period's drafts in the scope final (office: regular, leader: annual); audited."""
    period = period_from(period_text)
    _may_finalise(actor, period)
    async with uow:
        rows, _ = await uow.appraisal.appraisals(period.label, actor.scope)
        if not rows:
            raise NoAppraisalDraft(period=period.label)
        drafts = [a for a, _ in rows if a.status == AppraisalStatus.DRAFT]
        if not drafts:
            raise AppraisalFinal(period=period.label)
        opened = 0
        for row in drafts:
            row.status = AppraisalStatus.FINAL
            row.confirmed_by_id = actor.id
            row.confirmed_at = now
            if row.grade == Grade.INCOMPETENT:
                row.rectify_by = rectification_due(today, rules)
                uow.consequences.add(
                    Rectification(
                        helper_id=row.helper_id,
                        appraisal_id=row.id,
                        opened_on=today,
                        due_on=row.rectify_by,
                        status="open",
                    )
                )
                opened += 1
        uow.record(
            actor,
            "appraisal.confirm",
            target_type="period",
            period=period.label,
            count=len(drafts),
            rectifications=opened,
        )
        await uow.commit()
        return Finalised(period.label, len(drafts), opened)


async def my_appraisals(uow: UnitOfWork, actor: Actor, *, limit: int = 3) -> list[AppraisalLine]:
    """A helper's own final appraisals with their breakdown, newest first."""
    if actor.role != Role.HELPER:
        raise NotAllowed()
    async with uow:
        rows = await uow.appraisal.own_appraisals(actor.id, limit)
        return [line_of(row, actor.name) for row in rows]
