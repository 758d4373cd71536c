"""Re-pairing a household with another helper: the office proposes, a leader decides.

The regulation keeps assignments stable: a change needs the leading group's approval. An
approval ends the old pairing and starts the new one, so the history keeps both, and the
request keeps who proposed and who approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.errors import (
    HelperNotFound,
    HouseholdNotFound,
    NotAllowed,
    RepairDecided,
    RepairInvalid,
    RepairNotFound,
)
from bot.domain.people import COUNTY, Actor, Scope
from bot.domain.vocabulary import Role
from storage.models import Pairing, RepairRequest
from storage.uow import UnitOfWork

MAX_REASON = 500
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


@dataclass(frozen=True)
class RepairView:
    """A re-pairing request as leaders and the office see it."""

    id: int
    household_id: int
    household: str
    from_helper: str | None
    to_helper: str
    reason: str
    status: str
    proposed_by: str | None


@dataclass(frozen=True)
class Proposal:
    """A new request and the leaders whose scope covers its household."""

    request: RepairView
    leaders: list[tuple[int, str | None]]  # (Telegram id, language)


async def _view(uow: UnitOfWork, row: RepairRequest) -> RepairView:
    household = await uow.households.get(row.household_id)
    names = await uow.consequences.names(
        [row.from_helper_id, row.to_helper_id, row.proposed_by_id]
    )
    return RepairView(
        id=row.id,
        household_id=row.household_id,
        household=household.head_name if household else "",
        from_helper=names.get(row.from_helper_id) if row.from_helper_id else None,
        to_helper=names.get(row.to_helper_id, ""),
        reason=row.reason,
        status=row.status,
        proposed_by=names.get(row.proposed_by_id) if row.proposed_by_id else None,
    )


async def propose_repair(
    uow: UnitOfWork,
    actor: Actor,
    *,
    household_id: int,
    helper_id: int | None = None,
    helper_name: str | None = None,
    reason: str,
    now: datetime,
) -> Proposal:
    """The office asks to pair a household in its scope with another helper (by id, or by a
    part of the name that only one active helper has); audited."""
    if actor.role != Role.OFFICE:
        raise NotAllowed()
    reason = reason.strip()[:MAX_REASON]
    async with uow:
        found = await uow.consequences.household(household_id, actor.scope)
        if found is None:
            raise HouseholdNotFound()
        _, village_path = found
        helper = None
        if helper_id is not None:
            helper = await uow.consequences.any_helper(helper_id)
        elif helper_name:
            # The new helper may work anywhere in the county: the leader's approval decides.
            named = await uow.appraisal.helpers_named(helper_name, COUNTY, 2)
            helper = named[0] if len(named) == 1 else None
        if helper is None:
            raise HelperNotFound()
        helper_id = helper.id
        current = await uow.consequences.open_pairing(household_id)
        if current is not None and current.helper_id == helper_id:
            raise RepairInvalid()
        row = RepairRequest(
            household_id=household_id,
            from_helper_id=current.helper_id if current else None,
            to_helper_id=helper_id,
            reason=reason or "-",
            proposed_by_id=actor.id,
            proposed_at=now,
            status=PENDING,
        )
        uow.consequences.add(row)
        await uow.consequences.flush()
        uow.record(
            actor,
            "repair.propose",
            target_type="repair_request",
            target_id=row.id,
            household_id=household_id,
            from_helper_id=row.from_helper_id,
            to_helper_id=helper_id,
            reason=row.reason,
        )
        view = await _view(uow, row)
        leaders = [
            (chat, language)
            for chat, language, path in await uow.consequences.leader_chats()
            if Scope(org_path=path).covers_org(village_path)
        ]
        await uow.commit()
        return Proposal(view, leaders)


async def pending_repairs(uow: UnitOfWork, actor: Actor) -> list[RepairView]:
    """Requests awaiting a decision in the scope (leaders decide, the office follows)."""
    if actor.role not in (Role.LEADER, Role.OFFICE):
        raise NotAllowed()
    async with uow:
        return [
            await _view(uow, row) for row in await uow.consequences.pending_requests(actor.scope)
        ]


async def decide_repair(
    uow: UnitOfWork,
    actor: Actor,
    *,
    request_id: int,
    approve: bool,
    today: date,
    now: datetime,
) -> RepairView:
    """A leader approves (the pairing changes) or rejects a request; audited, once."""
    if actor.role != Role.LEADER:
        raise NotAllowed()
    async with uow:
        found = await uow.consequences.repair_request(request_id, actor.scope)
        if found is None:
            raise RepairNotFound()
        row, _ = found
        if row.status != PENDING:
            raise RepairDecided()
        row.status = APPROVED if approve else REJECTED
        row.decided_by_id = actor.id
        row.decided_at = now
        if approve:
            for pairing in await uow.consequences.pairings(row.household_id):
                if pairing.ended_on is None:
                    pairing.ended_on = today
            uow.consequences.add(
                Pairing(
                    helper_id=row.to_helper_id,
                    household_id=row.household_id,
                    started_on=today,
                    approved_by_id=actor.id,
                    reason=row.reason,
                )
            )
        uow.record(
            actor,
            "repair.approve" if approve else "repair.reject",
            target_type="repair_request",
            target_id=row.id,
            household_id=row.household_id,
            before={"helper_id": row.from_helper_id},
            after={"helper_id": row.to_helper_id if approve else row.from_helper_id},
        )
        view = await _view(uow, row)
        await uow.commit()
        return view
