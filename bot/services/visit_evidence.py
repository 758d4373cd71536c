"""The evidence of a visit being saved: earlier photos that look the same, neighbouring
visits, and the flags the rules raise."""

from __future__ import annotations

from datetime import datetime

from bot.domain.visits import VisitDraft
from bot.evidence import (
    EvidenceRules,
    Flag,
    NeighbourVisit,
    PhotoEvidence,
    PriorPhoto,
    SharedLocation,
    VisitEvidence,
    check_visit,
)
from bot.photos import GeoPoint
from bot.services.archive_search import fingerprint_priors
from storage.models import Household
from storage.uow import UnitOfWork


async def _priors(uow: UnitOfWork, draft: VisitDraft, distance: int) -> list[PriorPhoto]:
    # Only the fingerprint stage runs while the helper waits; the geometric stage runs once
    # the visit is committed (bot.services.archive_search).
    priors: dict[tuple[int, str], PriorPhoto] = {}
    for photo in draft.photos:
        facts = photo.facts
        found = await fingerprint_priors(uow, facts.sha256, facts.fingerprint, distance=distance)
        for prior in found:
            priors[(prior.visit_id, prior.sha256 + prior.fingerprint.encode())] = prior
    return list(priors.values())


def _shared(draft: VisitDraft) -> SharedLocation | None:
    loc = draft.location
    if loc is None:
        return None
    return SharedLocation(
        point=GeoPoint(loc.latitude, loc.longitude),
        horizontal_accuracy=loc.accuracy_m,
        live=loc.live,
        forwarded=loc.forwarded,
        sent_at=loc.sent_at,
    )


async def judge_visit(
    uow: UnitOfWork,
    *,
    helper_id: int,
    draft: VisitDraft,
    household: Household,
    visited_at: datetime,
    rules: EvidenceRules,
) -> tuple[VisitEvidence, list[Flag]]:
    """Everything the checks need about this visit, and the flags they raise."""
    home = (
        GeoPoint(household.home_lat, household.home_lon)
        if household.home_lat is not None and household.home_lon is not None
        else None
    )
    evidence = VisitEvidence(
        visited_at=visited_at,
        home=home,
        location=_shared(draft),
        photos=[
            PhotoEvidence.from_facts(p.facts, forwarded=p.forwarded, as_document=p.as_document)
            for p in draft.photos
        ],
        prior_photos=await _priors(uow, draft, rules.near_duplicate_distance),
        neighbours=[
            NeighbourVisit(visit_id=i, at=at, point=GeoPoint(lat, lon))
            for i, at, lat, lon in await uow.visits.neighbours(helper_id, visited_at)
        ],
    )
    return evidence, check_visit(evidence, rules)
