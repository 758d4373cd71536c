"""Evidence rules: pure checks that make doubtful visit evidence visible to the office."""

from bot.domain.vocabulary import FlagKind
from bot.evidence.geo import haversine_m, speed_kmh
from bot.evidence.model import (
    FLAG_ORDER,
    REUSE_DISTANCE,
    EvidenceRules,
    Flag,
    NeighbourVisit,
    PhotoEvidence,
    PriorPhoto,
    SharedLocation,
    VisitEvidence,
)
from bot.evidence.rules import (
    accuracy_credit,
    check_visit,
    geometric_reuse_flag,
    prior_names,
    reuse_flags,
    visit_point,
)

__all__ = [
    "FLAG_ORDER",
    "REUSE_DISTANCE",
    "EvidenceRules",
    "Flag",
    "FlagKind",
    "NeighbourVisit",
    "PhotoEvidence",
    "PriorPhoto",
    "SharedLocation",
    "VisitEvidence",
    "accuracy_credit",
    "check_visit",
    "geometric_reuse_flag",
    "haversine_m",
    "prior_names",
    "reuse_flags",
    "speed_kmh",
    "visit_point",
]
