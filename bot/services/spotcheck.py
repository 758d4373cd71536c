"""Spot checks (平時考核): the office records a check on a helper's work; audited."""

from __future__ import annotations

from datetime import datetime

from bot.domain.appraisal import HelperRow
from bot.domain.errors import HelperNotFound, HouseholdNotFound, NotAllowed
from bot.domain.people import Actor
from bot.domain.spotcheck import MAX_FINDINGS, SpotCheckDraft, valid_satisfaction
from bot.domain.vocabulary import Role
from storage.models import SpotCheck
from storage.uow import UnitOfWork

MAX_CHOICES = 8


def _office(actor: Actor) -> None:
    if actor.role != Role.OFFICE:
        raise NotAllowed()


def may_spot_check(role: Role) -> bool:
    """Regular appraisal is the office's work."""
    return role == Role.OFFICE


async def find_helpers(uow: UnitOfWork, actor: Actor, text: str) -> list[HelperRow]:
    """Helpers in the office's scope whose name contains the text (a few, for buttons)."""
    _office(actor)
    async with uow:
        return await uow.appraisal.helpers_named(text.strip(), actor.scope, MAX_CHOICES)


async def helper_households(
    uow: UnitOfWork, actor: Actor, helper_id: int
) -> tuple[HelperRow, list[tuple[int, str]]]:
    """A helper in the scope with their paired households (forged ids read as missing)."""
    _office(actor)
    async with uow:
        helper = await uow.appraisal.helper(helper_id, actor.scope)
        if helper is None:
            raise HelperNotFound()
        return helper, await uow.appraisal.paired_households(helper_id)


async def record_spot_check(
    uow: UnitOfWork, actor: Actor, draft: SpotCheckDraft, *, now: datetime
) -> int:
    """Save the check once (a repeated Save finds the first); audited. Returns its id."""
    _office(actor)
    if draft.method is None or not valid_satisfaction(draft.satisfaction):
        raise NotAllowed()
    findings = (draft.findings or "").strip()[:MAX_FINDINGS] or None
    key = f"spot:{actor.id}:{draft.token}"
    async with uow:
        earlier = await uow.consequences.check_by_key(key)
        if earlier is not None:
            return earlier.id
        if await uow.appraisal.helper(draft.helper_id, actor.scope) is None:
            raise HelperNotFound()
        if draft.household_id is not None and (
            await uow.consequences.household_of_helper(draft.helper_id, draft.household_id) is None
        ):
            raise HouseholdNotFound()
        check = SpotCheck(
            helper_id=draft.helper_id,
            household_id=draft.household_id,
            method=draft.method,
            checked_by_id=actor.id,
            checked_at=now,
            satisfaction=draft.satisfaction,
            note=findings,
            idempotency_key=key,
        )
        uow.consequences.add(check)
        await uow.consequences.flush()
        uow.record(
            actor,
            "spotcheck.record",
            target_type="spot_check",
            target_id=check.id,
            helper_id=draft.helper_id,
            household_id=draft.household_id,
            method=str(draft.method),
            satisfaction=draft.satisfaction,
            findings=findings,
        )
        await uow.commit()
        return check.id
