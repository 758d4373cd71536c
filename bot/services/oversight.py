"""Summaries, helpers and drill-down for the bureau's overseers, always within their scope.

The month's standings come from `bot.services.reminders.scoped_standings` (the one quota rule);
exit readiness and the watch from `bot.domain.households`. Anything outside the reader's
scope reads as "not found", whether it was typed or came from a forged button.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.domain.errors import AreaNotFound, NotAllowed, RecordNotFound
from bot.domain.households import (
    EXITED_STATUSES,
    CaseRules,
    coverage,
    exit_readiness,
    relapse_risks,
)
from bot.domain.oversight import (
    Compliance,
    HelperEntry,
    ListedName,
    NamedShare,
    Summary,
    by_helper,
    by_village,
    can_oversee,
    household_compliance,
    narrowed,
    recent_periods,
)
from bot.domain.people import Actor, Scope
from bot.domain.quota import HelperMonth, HouseholdMonth, period_of, quota_for
from bot.domain.script import fold
from bot.domain.vocabulary import HouseholdStatus, OrgKind
from bot.services.households import current_guarantees, guarantee_values, income_values
from bot.services.oversight_summary import HelperOversight, helper_oversight
from bot.services.reminders import households_within, scoped_standings
from storage.queries.oversight import UnitRow
from storage.uow import UnitOfWork

MAX_LISTED = 30
MAX_BARS = 20


def check_overseer(actor: Actor) -> None:
    """Refuse anyone but office staff, leaders and department heads."""
    if not can_oversee(actor.role):
        raise NotAllowed()


@dataclass(frozen=True)
class Area:
    """The part of the reader's scope a command is about: the scope and its name."""

    scope: Scope
    name: str | None


async def area_in(uow: UnitOfWork, actor: Actor, name: str) -> Area:
    """The org unit named `name` (either script) inside the actor's scope (inside a uow)."""
    if not name:
        return Area(actor.scope, None)
    key = fold(name)
    for unit in await uow.oversight.units(actor.scope):
        if fold(unit.name) == key:
            return Area(narrowed(actor.scope, unit.path), unit.name)
    raise AreaNotFound(name=name)


async def _months(
    uow: UnitOfWork, scope: Scope, period: int, default_quota: int
) -> list[tuple[str, HelperMonth]]:
    """Each helper's month, cut to the scope (helpers with nothing in it left out)."""
    out = []
    for lines in await scoped_standings(uow, period, default_quota):
        kept = households_within(lines, scope)
        if kept:
            out.append((lines.standing.name, HelperMonth(period=period, households=kept)))
    return out


async def _watch(
    uow: UnitOfWork, scope: Scope, rules: CaseRules
) -> tuple[int, list[ListedName], list[ListedName]]:
    rows = await uow.records.in_scope(scope)
    ids = [r.household_id for r in rows]
    incomes = {k: income_values(v) for k, v in (await uow.records.incomes_of(ids)).items()}
    history = {k: guarantee_values(v) for k, v in (await uow.records.guarantees_of(ids)).items()}
    ready, risky = [], []
    for row in rows:
        current = current_guarantees(history.get(row.household_id, []))
        own = incomes.get(row.household_id, [])
        listed = ListedName(row.household_id, row.head_name, row.village)
        if row.status not in EXITED_STATUSES and exit_readiness(own, current, rules).ready:
            ready.append(listed)
        if relapse_risks(row.status, own, current, rules):
            risky.append(listed)
    return len(rows), ready, risky


async def month_summary(
    uow: UnitOfWork,
    actor: Actor,
    *,
    period: int,
    area: str,
    default_quota: int,
    rules: CaseRules,
) -> Summary:
    """The month of the actor's scope, or of an area inside it: every figure of /summary."""
    check_overseer(actor)
    async with uow:
        where = await area_in(uow, actor, area)
        months = await _months(uow, where.scope, period, default_quota)
        households, ready, risky = await _watch(uow, where.scope, rules)
        benefits = await uow.records.benefit_states(where.scope)
        _, flags = await uow.review.open_flags(where.scope, offset=0, limit=1)
        complaints = await uow.oversight.open_complaints(where.scope)
        earlier = recent_periods(period)[:-1]
        days = await uow.oversight.visit_days(earlier)
    # Past months with the same households in scope: one query of days, not six standings.
    paired = {h.household_id: h for _, m in months for h in m.households}.values()
    trend = []
    for past in earlier:
        lines = tuple(
            HouseholdMonth(
                h.household_id,
                h.head_name,
                h.village,
                days.get((h.household_id, past), 0),
                h.quota,
            )
            for h in paired
        )
        trend.append((past, household_compliance([HelperMonth(past, lines)]).ratio))
    compliance = household_compliance(m for _, m in months)
    trend.append((period, compliance.ratio))
    villages = by_village(m for _, m in months)
    bars: list[NamedShare]
    bars_by = "village"
    if len(villages) >= 2:
        bars = villages
    else:
        bars, bars_by = by_helper(months), "helper"
    behind = sorted(
        ((name, m.short) for name, m in months if m.households and not m.met),
        key=lambda x: (-x[1], x[0]),
    )
    return Summary(
        period=period,
        area=where.name,
        households=households,
        compliance=compliance,
        helpers_on_track=sum(1 for _, m in months if m.households and m.met),
        helpers_behind=tuple(behind),
        coverage=coverage(b.status for b in benefits),
        exit_ready=tuple(ready),
        at_risk=tuple(risky),
        open_flags=flags,
        open_complaints=complaints,
        bars=tuple(bars[:MAX_BARS]),
        bars_by=bars_by,
        trend=tuple(trend),
    )


async def find_helpers(uow: UnitOfWork, actor: Actor, search: str) -> list[HelperEntry]:
    """Helpers in the actor's scope whose name (either script) or area matches `search`."""
    check_overseer(actor)
    async with uow:
        key = fold(search.strip())
        if not key:
            return await uow.oversight.helpers(actor.scope)
        everyone = await uow.oversight.helpers(actor.scope)
        by_name = [h for h in everyone if key in fold(h.name)]
        if by_name:
            return by_name
        try:
            where = await area_in(uow, actor, search.strip())
        except AreaNotFound:
            return []
        return await uow.oversight.helpers(where.scope)


@dataclass(frozen=True)
class HelperCard:
    """A helper as an overseer sees them: households this month, open flags, oversight."""

    helper_id: int
    name: str
    department: str | None
    month: HelperMonth
    flags: tuple[str, ...]
    # Last spot checks, the latest final appraisal and a pending rectification.
    oversight: HelperOversight


async def helper_card(
    uow: UnitOfWork, actor: Actor, helper_id: int, *, period: int, default_quota: int
) -> HelperCard:
    """One helper in the actor's scope with their month, flags and oversight section."""
    check_overseer(actor)
    async with uow:
        found = await uow.oversight.helpers(actor.scope, helper_id)
        if not found:
            raise RecordNotFound()
        helper = found[0]
        rows = await uow.oversight.helper_households(helper_id, period, actor.scope)
        flags = await uow.oversight.open_flag_kinds(helper_id, actor.scope)
    oversight = await helper_oversight(uow, actor, helper_id)
    month = HelperMonth(
        period=period,
        households=tuple(
            HouseholdMonth(
                r.household_id,
                r.head_name,
                r.village,
                r.days,
                quota_for(r.quota_override, default_quota),
            )
            for r in rows
        ),
    )
    return HelperCard(
        helper.helper_id, helper.name, helper.department, month, tuple(flags), oversight
    )


# ------------------------------------------------------------------------------ drill-down


@dataclass(frozen=True)
class AreaView:
    """One org unit of the drill-down: its figures and what lies below it."""

    unit_id: int | None
    name: str | None
    kind: OrgKind | None
    households: int
    compliance: Compliance
    children: tuple[tuple[int, str], ...]  # org units below (id, name)
    household_list: tuple[tuple[int, str], ...]  # at a village: its households (id, head)
    parent_id: int | None


def _below(units: Sequence[UnitRow], parent_id: int) -> list[tuple[int, str]]:
    """The units directly under one (groups are part of their village, not a level)."""
    return [
        (u.unit_id, u.name) for u in units if u.parent_id == parent_id and u.kind != OrgKind.GROUP
    ]


def _top(units: Sequence[UnitRow], scope: Scope) -> list[tuple[int, str]]:
    """What the drill-down starts with: the units under the reader's own unit."""
    if scope.org_path is not None:
        own = [u for u in units if u.path == scope.org_path]
        return _below(units, own[0].unit_id) if own else []
    roots = [u for u in units if u.parent_id is None]
    if len(roots) == 1:
        return _below(units, roots[0].unit_id)
    return [(u.unit_id, u.name) for u in roots]


async def area_view(
    uow: UnitOfWork,
    actor: Actor,
    unit_id: int | None,
    *,
    period: int,
    default_quota: int,
) -> AreaView:
    """An org unit in the actor's scope (None: the top of the scope) for the drill-down."""
    check_overseer(actor)
    async with uow:
        units = await uow.oversight.units(actor.scope)
        unit: UnitRow | None = None
        if unit_id is not None:
            unit = await uow.oversight.unit(unit_id, actor.scope)
            if unit is None:
                raise RecordNotFound()
            scope = narrowed(actor.scope, unit.path)
        else:
            scope = actor.scope
        months = await _months(uow, scope, period, default_quota)
        households = len(await uow.records.in_scope(scope))
        listed: list[tuple[int, str]] = []
        if unit is not None and unit.kind == OrgKind.VILLAGE:
            listed = await uow.oversight.village_households(unit.unit_id, actor.scope)
    children = _top(units, actor.scope) if unit is None else _below(units, unit.unit_id)
    return AreaView(
        unit_id=unit.unit_id if unit else None,
        name=unit.name if unit else None,
        kind=unit.kind if unit else None,
        households=households,
        compliance=household_compliance(m for _, m in months),
        children=tuple(children),
        household_list=tuple(listed[:MAX_LISTED]),
        parent_id=unit.parent_id if unit else None,
    )


@dataclass(frozen=True)
class HouseholdView:
    """One household at the bottom of the drill-down."""

    household_id: int
    head_name: str
    village: str
    village_id: int
    status: HouseholdStatus
    days: int
    quota: int
    helpers: tuple[str, ...]
    open_flags: int


async def household_view(
    uow: UnitOfWork, actor: Actor, household_id: int, *, period: int, default_quota: int
) -> HouseholdView:
    """A household in the actor's scope with its month, helpers and open flags."""
    check_overseer(actor)
    async with uow:
        found = await uow.oversight.household_line(household_id, period, actor.scope)
        if found is None:
            raise RecordNotFound()
        household, village, days, helpers, flags = found
        # Read the row while its session is open: leaving the unit of work expires it.
        return HouseholdView(
            household.id,
            household.head_name,
            village,
            household.village_id,
            household.status,
            days,
            quota_for(household.visit_quota, default_quota),
            tuple(helpers),
            flags,
        )


def this_period(now: datetime, tz: tzinfo) -> int:
    """The quota month a command without a month is about."""
    return period_of(now, tz)
