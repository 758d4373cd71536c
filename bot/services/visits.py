"""Logging visits: opening a draft for a paired household, and saving it once with evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import NoPhoto, NotPaired
from bot.domain.quota import HouseholdMonth, quota_for
from bot.domain.visits import (
    SavedVisit,
    VisitDraft,
    VisitRules,
    check_not_too_late,
    idempotency_key,
    visit_time,
)
from bot.domain.vocabulary import FlagKind
from bot.evidence import EvidenceRules, Flag
from bot.photos.search_keys import fingerprint_chunks
from bot.services.month import helper_month_in
from bot.services.visit_evidence import judge_visit
from bot.services.visit_records import flag_rows, photo_rows, propose_home, visit_row
from storage.models import Visit
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class VisitRulebook:
    """Every setting that saving a visit needs, built once by the composition root."""

    visits: VisitRules
    evidence: EvidenceRules


async def open_draft(uow: UnitOfWork, helper_id: int, household_id: int) -> VisitDraft:
    """A new draft for a household the helper is currently paired with."""
    async with uow:
        household = await uow.households.paired(helper_id, household_id)
        if household is None:
            raise NotPaired()
        return VisitDraft(household_id=household.id, household_name=household.head_name)


async def save_visit(
    uow: UnitOfWork,
    *,
    helper_id: int,
    draft: VisitDraft,
    now: datetime,
    rules: VisitRulebook,
) -> SavedVisit:
    """Store a confirmed visit once, with its photos and evidence flags, and report progress."""
    key = idempotency_key(helper_id, draft.token)
    async with uow:
        existing = await uow.visits.by_key(key)
        if existing is not None:
            return await _outcome(uow, existing, rules.visits, created=False, flags=None)
        if not draft.photos:
            raise NoPhoto()
        household = await uow.households.paired(helper_id, draft.household_id)
        if household is None:
            raise NotPaired()
        visited_at = visit_time(draft, now)
        check_not_too_late(visited_at, now, rules.visits)
        evidence, flags = await judge_visit(
            uow,
            helper_id=helper_id,
            draft=draft,
            household=household,
            visited_at=visited_at,
            rules=rules.evidence,
        )
        visit = visit_row(
            household_id=household.id,
            helper_id=helper_id,
            draft=draft,
            evidence=evidence,
            now=now,
            rules=rules.visits,
            key=key,
        )
        if not await uow.visits.add_once(visit):
            # The same confirmation raced in from another update or process: report that one.
            existing = await uow.visits.by_key(key)
            if existing is None:
                raise RuntimeError(f"visit {key} neither stored nor found")
            return await _outcome(uow, existing, rules.visits, created=False, flags=None)
        photos = photo_rows(visit.id, draft)
        uow.visits.add_evidence(photos, flag_rows(visit.id, flags))
        propose_home(household, visit)
        await uow.visits.flush()
        for photo, sent in zip(photos, draft.photos, strict=True):
            # Filed in the same transaction: the next save's fingerprint stage sees it.
            await uow.photo_search.add_chunks(photo.id, fingerprint_chunks(sent.facts.fingerprint))
        saved = await _outcome(uow, visit, rules.visits, created=True, flags=flags)
        await uow.commit()
        return saved


async def _outcome(
    uow: UnitOfWork, visit: Visit, rules: VisitRules, *, created: bool, flags: list[Flag] | None
) -> SavedVisit:
    if flags is None:
        flags = [
            Flag(kind=FlagKind(k), reason=r, numbers=n)
            for k, r, n in await uow.visits.flags_of(visit.id)
        ]
    month = await helper_month_in(uow, visit.helper_id, visit.period, rules.default_quota)
    line = month.household(visit.household_id)
    if line is None:  # no longer paired: report the household's own count all the same
        household = await uow.households.get(visit.household_id)
        line = HouseholdMonth(
            household_id=visit.household_id,
            head_name=household.head_name if household else "",
            village="",
            days=await uow.visits.household_days(visit.household_id, visit.period),
            quota=quota_for(household.visit_quota if household else None, rules.default_quota),
        )
    return SavedVisit(
        visit_id=visit.id,
        created=created,
        late=visit.late,
        visited_at=visit.visited_at,
        flags=flags,
        household=line,
        month=month,
    )


async def saved_visit_by_token(
    uow: UnitOfWork, helper_id: int, token: str, rules: VisitRules
) -> SavedVisit | None:
    """A visit already stored for a draft token (a repeated or late confirmation)."""
    async with uow:
        visit = await uow.visits.by_key(idempotency_key(helper_id, token))
        if visit is None:
            return None
        return await _outcome(uow, visit, rules, created=False, flags=None)
