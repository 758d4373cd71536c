"""Changing a household's case record: benefits, guarantees, income, the plan, assistance.

Only the household's paired helper writes; every change is audited on the household with
the record it touched and its old and new value, so the card can show its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from bot.domain.errors import BadAmount, HouseholdNotFound, HouseholdReadOnly
from bot.domain.households import Guarantee
from bot.domain.people import Actor
from bot.domain.roles import can_log_visits, is_admin
from bot.domain.vocabulary import BenefitStatus
from bot.services.households import household_for
from storage.models import (
    Assistance,
    BenefitEnrolment,
    GuaranteeRecord,
    HelpPlan,
    Household,
    IncomeEntry,
)
from storage.uow import UnitOfWork

MAX_AMOUNT = Decimal("100000000")


def parse_amount(text: str) -> Decimal:
    """A positive amount of yuan as typed ("4,200", "350.5", "4200元"); raises BadAmount."""
    cleaned = text.strip().replace(",", "").replace("，", "").removesuffix("元").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise BadAmount() from exc
    if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
        raise BadAmount()
    return amount.quantize(Decimal("0.01"))


async def _own(uow: UnitOfWork, actor: Actor, household_id: int) -> Household:
    """The household if the actor is its paired helper; admins in scope read only."""
    if is_admin(actor.role):
        await household_for(uow, actor, household_id)
        raise HouseholdReadOnly()
    if not can_log_visits(actor.role):
        raise HouseholdNotFound()
    return await household_for(uow, actor, household_id)


def _audit(
    uow: UnitOfWork, actor: Actor, household_id: int, record: str, before: object, after: object
) -> None:
    uow.record(
        actor,
        f"household.{record.split(':', 1)[0]}",
        target_type="household",
        target_id=household_id,
        record=record,
        before=before,
        after=after,
    )


def _benefit_text(status: BenefitStatus | None, since: date | None, note: str | None) -> str:
    parts = [str(status or BenefitStatus.NOT_ASSESSED)]
    if since is not None:
        parts.append(since.isoformat())
    if note:
        parts.append(note)
    return " · ".join(parts)


async def set_benefit(
    uow: UnitOfWork,
    actor: Actor,
    *,
    household_id: int,
    policy: str,
    status: BenefitStatus,
    today: date,
    note: str | None = None,
) -> None:
    """Set one policy's state; enrolled counts from today, not eligible needs a reason."""
    async with uow:
        await _own(uow, actor, household_id)
        row = await uow.records.benefit(household_id, policy)
        before = None if row is None else _benefit_text(row.status, row.since, row.note)
        if row is None:
            row = BenefitEnrolment(household_id=household_id, category=policy, status=status)
            uow.records.add(row)
        elif row.status == status and status == BenefitStatus.ENROLLED:
            note = note or row.note
            today = row.since or today  # enrolled stays enrolled since the first day
        row.status = status
        row.since = today if status == BenefitStatus.ENROLLED else None
        row.note = note if status == BenefitStatus.NOT_ELIGIBLE else None
        row.updated_by_id = actor.id
        after = _benefit_text(row.status, row.since, row.note)
        if before != after:
            _audit(uow, actor, household_id, f"benefit:{policy}", before, after)
        await uow.commit()


async def record_guarantee(
    uow: UnitOfWork,
    actor: Actor,
    *,
    household_id: int,
    item: Guarantee,
    met: bool,
    note: str | None,
    today: date,
) -> None:
    """Record one guarantee item as met or not, with an optional note; history is kept."""
    async with uow:
        await _own(uow, actor, household_id)
        previous = [r for r in await uow.records.guarantees(household_id) if r.item == item]
        before = None
        if previous:
            last = previous[-1]
            before = ("met" if last.met else "not met") + (f" · {last.note}" if last.note else "")
        uow.records.add(
            GuaranteeRecord(
                household_id=household_id,
                item=str(item),
                met=met,
                note=note,
                recorded_on=today,
                recorded_by_id=actor.id,
            )
        )
        after = ("met" if met else "not met") + (f" · {note}" if note else "")
        _audit(uow, actor, household_id, f"guarantee:{item}", before, after)
        await uow.commit()


async def record_income(
    uow: UnitOfWork,
    actor: Actor,
    *,
    household_id: int,
    per_capita: Decimal,
    source: str,
    on: date,
) -> None:
    """Record income per person with its source and date; the household's figure follows."""
    async with uow:
        household = await _own(uow, actor, household_id)
        incomes = await uow.records.incomes(household_id)
        before = None
        if incomes:
            last = incomes[-1]
            before = f"{last.per_capita} · {last.source} · {last.recorded_on.isoformat()}"
        uow.records.add(
            IncomeEntry(
                household_id=household_id,
                per_capita=per_capita,
                source=source,
                recorded_on=on,
                recorded_by_id=actor.id,
            )
        )
        if not incomes or on >= incomes[-1].recorded_on:
            household.income_per_capita = float(per_capita)
        after = f"{per_capita} · {source} · {on.isoformat()}"
        _audit(uow, actor, household_id, "income", before, after)
        await uow.commit()


async def write_plan(
    uow: UnitOfWork, actor: Actor, *, household_id: int, goals: str, measures: str
) -> None:
    """Write a new version of the help plan; earlier versions stay as its history."""
    async with uow:
        await _own(uow, actor, household_id)
        plans = await uow.records.plans(household_id)
        before = f"{plans[0].goals} / {plans[0].measures}" if plans else None
        uow.records.add(
            HelpPlan(
                household_id=household_id, goals=goals, measures=measures, written_by_id=actor.id
            )
        )
        _audit(uow, actor, household_id, "plan", before, f"{goals} / {measures}")
        await uow.commit()


@dataclass(frozen=True)
class AssistanceDraft:
    """An assistance record the helper is about to save."""

    household_id: int
    kind: str
    description: str
    given_on: date
    amount: Decimal | None = None
    visit_id: int | None = None
    photo_sha256: str | None = None
    photo_path: str | None = None


@dataclass(frozen=True)
class AssistanceSaved:
    """The stored record: its id, whether this call stored it, and the household's name."""

    assistance_id: int
    created: bool
    head_name: str


async def record_assistance(
    uow: UnitOfWork, actor: Actor, draft: AssistanceDraft, *, token: str
) -> AssistanceSaved:
    """Store assistance once per draft token, however often Save is delivered; audited."""
    key = f"assist:{actor.id}:{token}"
    async with uow:
        household = await _own(uow, actor, draft.household_id)
        found = await uow.records.assistance_by_key(key)
        if found is not None:
            return AssistanceSaved(found.id, False, household.head_name)
        visit_id = draft.visit_id
        if visit_id is not None and await uow.records.visit_of(visit_id, household.id) is None:
            visit_id = None  # a visit of another household is not this assistance's visit
        row = Assistance(
            household_id=household.id,
            helper_id=actor.id,
            visit_id=visit_id,
            category=draft.kind,
            description=draft.description,
            amount_cny=draft.amount,
            given_on=draft.given_on,
            photo_sha256=draft.photo_sha256,
            photo_path=draft.photo_path,
            idempotency_key=key,
        )
        uow.records.add(row)
        await uow.flush()
        amount = f" · {draft.amount} CNY" if draft.amount is not None else ""
        _audit(
            uow,
            actor,
            household.id,
            "assistance",
            None,
            f"{draft.kind} · {draft.description}{amount} · {draft.given_on.isoformat()}",
        )
        saved = AssistanceSaved(row.id, True, household.head_name)
        await uow.commit()
        return saved
