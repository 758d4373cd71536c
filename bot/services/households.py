"""Reading households' case records: the card, the admin lists, coverage.

A helper sees the households they are currently paired with; an admin those in their scope.
Anything else reads as "not found", whether the id came from a button or was typed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.casefile import (
    AssistanceLine,
    BenefitLine,
    CoverageReport,
    HistoryLine,
    HouseholdCard,
    ListedHousehold,
    PlanVersion,
    VisitLine,
)
from bot.domain.errors import HouseholdNotFound, NotAllowed
from bot.domain.households import (
    EXITED_STATUSES,
    CaseRules,
    Coverage,
    Guarantee,
    GuaranteeState,
    IncomeRecord,
    coverage,
    exit_readiness,
    relapse_risks,
)
from bot.domain.people import COUNTY, Actor
from bot.domain.roles import can_log_visits, is_admin
from bot.domain.script import fold
from bot.domain.vocabulary import BenefitStatus
from storage.models import AuditEntry, GuaranteeRecord, Household, IncomeEntry
from storage.queries.records import HouseholdRow
from storage.uow import UnitOfWork

CARD_VISITS = 5
CARD_ASSISTANCE = 10


async def household_for(uow: UnitOfWork, actor: Actor, household_id: int) -> Household:
    """The household if the actor may see it (inside an open unit of work)."""
    if can_log_visits(actor.role):
        found = await uow.households.paired(actor.id, household_id)
    elif is_admin(actor.role):
        found = await uow.households.in_scope(household_id, actor.scope)
    else:
        raise NotAllowed()
    if found is None:
        raise HouseholdNotFound()
    return found


def income_values(rows: Iterable[IncomeEntry]) -> list[IncomeRecord]:
    """Income rows as the rules read them."""
    return [IncomeRecord(float(r.per_capita), r.recorded_on, r.source) for r in rows]


def guarantee_values(rows: Iterable[GuaranteeRecord]) -> list[GuaranteeState]:
    """Guarantee rows (unknown items skipped) as the rules read them, oldest first."""
    known = {g.value for g in Guarantee}
    return [
        GuaranteeState(Guarantee(r.item), r.met, r.recorded_on, r.note)
        for r in rows
        if r.item in known
    ]


def current_guarantees(history: Sequence[GuaranteeState]) -> dict[Guarantee, GuaranteeState]:
    """The latest state of each item (history oldest first)."""
    return {state.item: state for state in history}


def _benefit_lines(stored: Sequence[BenefitLine], policies: Sequence[str]) -> list[BenefitLine]:
    by_policy = {b.policy: b for b in stored}
    lines = [by_policy.get(p, BenefitLine(p, BenefitStatus.NOT_ASSESSED)) for p in policies]
    # A policy dropped from the configuration still shows while the household has it.
    return lines + [b for b in stored if b.policy not in policies]


async def card_of(
    uow: UnitOfWork,
    household: Household,
    rules: CaseRules,
    *,
    can_edit: bool,
    limit: int | None = CARD_VISITS,
) -> HouseholdCard:
    """The card of a household already checked (inside an open unit of work)."""
    hid = household.id
    incomes = income_values(await uow.records.incomes(hid))
    history = guarantee_values(await uow.records.guarantees(hid))
    guarantees = current_guarantees(history)
    benefits = _benefit_lines(
        [
            BenefitLine(b.category, b.status, b.since, b.note)
            for b in await uow.records.benefits(hid)
        ],
        rules.policies,
    )
    assistance = await uow.records.assistance(hid, None if limit is None else CARD_ASSISTANCE)
    visits = await uow.records.recent_visits(hid, limit if limit is not None else 1000)
    return HouseholdCard(
        household_id=hid,
        head_name=household.head_name,
        members=household.members,
        village=await uow.records.village_name(household),
        causes=tuple(household.causes or ()),
        status=household.status,
        helpers=tuple(await uow.records.helper_names(hid)),
        incomes=tuple(incomes),
        guarantees=guarantees,
        guarantee_history=tuple(history),
        benefits=tuple(benefits),
        plans=tuple(
            PlanVersion(p.goals, p.measures, p.created_at) for p in await uow.records.plans(hid)
        ),
        visits=tuple(VisitLine(v.visited_at, v.helper_name, v.flags) for v in visits),
        assistance=tuple(
            AssistanceLine(a.category, a.description, a.amount_cny, a.given_on, "", a.photo_path)
            for a in assistance
        ),
        readiness=exit_readiness(incomes, guarantees, rules),
        risks=relapse_risks(household.status, incomes, guarantees, rules),
        coverage=coverage(b.status for b in benefits),
        income_line=rules.income_line,
        can_edit=can_edit,
    )


async def household_card(
    uow: UnitOfWork, actor: Actor, household_id: int, rules: CaseRules
) -> HouseholdCard:
    """The card of one household the actor may see."""
    async with uow:
        household = await household_for(uow, actor, household_id)
        return await card_of(uow, household, rules, can_edit=can_log_visits(actor.role))


async def household_history(
    uow: UnitOfWork, actor: Actor, household_id: int, *, limit: int = 50
) -> list[HistoryLine]:
    """The latest changes of the household's case record, newest first."""
    async with uow:
        household = await household_for(uow, actor, household_id)
        return history_of(await uow.records.history(household.id, limit))


def history_of(entries: Iterable[AuditEntry]) -> list[HistoryLine]:
    """Audit entries as history lines (the record and both values are in the detail)."""
    lines = []
    for entry in entries:
        detail = entry.detail or {}
        lines.append(
            HistoryLine(
                at=entry.at,
                who=entry.actor_label,
                record=str(detail.get("record", "")),
                before=None if detail.get("before") is None else str(detail["before"]),
                after=None if detail.get("after") is None else str(detail["after"]),
            )
        )
    return lines


def _admin(actor: Actor) -> None:
    if not is_admin(actor.role):
        raise NotAllowed()


async def find_households(uow: UnitOfWork, actor: Actor, search: str) -> list[HouseholdRow]:
    """Households in the admin's scope whose head's name contains `search` (either script)."""
    _admin(actor)
    key = fold(search.strip())
    async with uow:
        rows = await uow.records.in_scope(actor.scope)
    return [r for r in rows if key in fold(r.head_name)]


async def waiting_benefits(uow: UnitOfWork, actor: Actor) -> dict[int, int]:
    """Per household of the helper: how many benefits are eligible but not enrolled."""
    async with uow:
        return await uow.records.waiting_benefits(actor.id)


async def helper_coverage(uow: UnitOfWork, actor: Actor) -> Coverage:
    """Benefit coverage over the helper's currently paired households."""
    async with uow:
        rows = await uow.records.benefit_states(COUNTY)
    return coverage(r.status for r in rows if r.helper_id == actor.id)


async def _evaluated(
    uow: UnitOfWork, actor: Actor
) -> tuple[list[HouseholdRow], dict[int, list[IncomeRecord]], dict[int, list[GuaranteeState]]]:
    rows = await uow.records.in_scope(actor.scope)
    ids = [r.household_id for r in rows]
    incomes = {k: income_values(v) for k, v in (await uow.records.incomes_of(ids)).items()}
    guarantees = {
        k: guarantee_values(v) for k, v in (await uow.records.guarantees_of(ids)).items()
    }
    return rows, incomes, guarantees


async def exit_ready(uow: UnitOfWork, actor: Actor, rules: CaseRules) -> list[ListedHousehold]:
    """Households in the admin's scope, not yet exited, that meet the exit standard."""
    _admin(actor)
    async with uow:
        rows, incomes, guarantees = await _evaluated(uow, actor)
    ready = []
    for row in rows:
        if row.status in EXITED_STATUSES:
            continue
        current = current_guarantees(guarantees.get(row.household_id, []))
        if exit_readiness(incomes.get(row.household_id, []), current, rules).ready:
            ready.append(ListedHousehold(row.household_id, row.head_name, row.village))
    return ready


async def risk_watch(uow: UnitOfWork, actor: Actor, rules: CaseRules) -> list[ListedHousehold]:
    """Exited households in the admin's scope flagged by the return-to-poverty watch."""
    _admin(actor)
    async with uow:
        rows, incomes, guarantees = await _evaluated(uow, actor)
    flagged = []
    for row in rows:
        current = current_guarantees(guarantees.get(row.household_id, []))
        risks = relapse_risks(row.status, incomes.get(row.household_id, []), current, rules)
        if risks:
            flagged.append(ListedHousehold(row.household_id, row.head_name, row.village, risks))
    return flagged


async def scope_coverage(uow: UnitOfWork, actor: Actor) -> CoverageReport:
    """Benefit coverage (enrolled / eligible) of the admin's scope and of each village."""
    _admin(actor)
    async with uow:
        rows = await uow.records.benefit_states(actor.scope)
    by_village: dict[str, list[BenefitStatus]] = defaultdict(list)
    for row in rows:
        by_village[row.village].append(row.status)
    villages = tuple((name, coverage(states)) for name, states in sorted(by_village.items()))
    total = sum((c for _, c in villages), Coverage())
    return CoverageReport(total=total, villages=villages)


@dataclass(frozen=True)
class HandbookRecord:
    """A household's full record: the card without limits and every change."""

    card: HouseholdCard
    history: list[HistoryLine]


async def handbook_record(
    uow: UnitOfWork, actor: Actor | None, household_id: int, rules: CaseRules
) -> HandbookRecord:
    """The full record of a household the actor may see (None: the command line)."""
    async with uow:
        if actor is None:
            household = await uow.households.get(household_id)
            if household is None:
                raise HouseholdNotFound()
        else:
            household = await household_for(uow, actor, household_id)
        card = await card_of(uow, household, rules, can_edit=False, limit=None)
        history = history_of(await uow.records.history(household.id, 10_000))
    return HandbookRecord(card, history)
