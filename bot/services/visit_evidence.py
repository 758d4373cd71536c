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
from bot.services.photo_index import PhotoIndex
from storage.models import Household
from storage.uow import UnitOfWork


async def _priors(
    uow: UnitOfWork, draft: VisitDraft, index: PhotoIndex, threshold: int
) -> list[PriorPhoto]:
    await index.refresh(uow)
    priors: dict[int, PriorPhoto] = {}
    for photo in draft.photos:
        for match in index.matches(photo.facts.sha256, photo.facts.fingerprint, threshold):
            fp = match.fingerprint
            priors[match.photo_id] = PriorPhoto(
                sha256=match.sha256,
                phash=fp.phash,
                visit_id=match.visit_id,
                helper_id=match.helper_id,
                household_id=match.household_id,
                dhash=fp.dhash,
                centre_phash=fp.centre_phash,
                centre_dhash=fp.centre_dhash,
            )
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
    index: PhotoIndex,
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
        prior_photos=await _priors(uow, draft, index, rules.near_duplicate_distance),
        neighbours=[
            NeighbourVisit(visit_id=i, at=at, point=GeoPoint(lat, lon))
            for i, at, lat, lon in await uow.visits.neighbours(helper_id, visited_at)
        ],
    )
    return evidence, check_visit(evidence, rules)
