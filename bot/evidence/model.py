"""Value types of the evidence rules: thresholds, the evidence of one visit, and flags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.domain.vocabulary import FlagKind
from bot.photos import Fingerprint, GeoPoint, PhotoFacts

Number = float | int | str


# Stricter than the photo pipeline's pairwise NEAR_DUPLICATE_DISTANCE (18) on the same scale:
# each new photo is compared with every photo on file, so an unrelated photo falls under the
# threshold by chance ever more often as the archive grows. Measured through the pipeline
# (docs/evidence.md): re-encodes, resizes and messenger copies stay within 4 and crops of
# 2-5 % within 11, while honest photos rarely come closer than 14 to any earlier photo.
REUSE_DISTANCE = 12

# check_visit emits flags in this order (the declaration order above): place, then channel,
# then time, then reuse, then travel; within a kind, by photo index or neighbour time.
FLAG_ORDER: tuple[FlagKind, ...] = tuple(FlagKind)


@dataclass(frozen=True)
class EvidenceRules:
    """Thresholds of the evidence checks; configuration, with the bureau's defaults."""

    max_distance_m: float = 500.0
    max_photo_age: timedelta = timedelta(hours=24)
    max_accuracy_m: float = 200.0
    max_speed_kmh: float = 120.0
    near_duplicate_distance: int = REUSE_DISTANCE
    # A capture time this far after the visit time is still accepted: a visit lasts a while
    # and camera clocks drift by minutes.
    max_photo_after_visit: timedelta = timedelta(hours=2)


@dataclass(frozen=True)
class SharedLocation:
    """A location the helper shared in Telegram for the visit."""

    point: GeoPoint
    horizontal_accuracy: float | None
    live: bool
    forwarded: bool
    sent_at: datetime


@dataclass(frozen=True)
class PhotoEvidence:
    """What the checks need to know about one photo of the visit."""

    sha256: str
    phash: str
    gps: GeoPoint | None
    taken_at: datetime | None
    forwarded: bool
    as_document: bool
    # Further hashes of the photo pipeline's fingerprint; empty when unknown.
    dhash: str = ""
    centre_phash: str = ""
    centre_dhash: str = ""

    @classmethod
    def from_facts(cls, facts: PhotoFacts, *, forwarded: bool, as_document: bool) -> PhotoEvidence:
        """Return the evidence of a photo from what the photo pipeline found in it."""
        return cls(
            sha256=facts.sha256,
            phash=facts.phash,
            gps=facts.gps,
            taken_at=facts.taken_at,
            forwarded=forwarded,
            as_document=as_document,
            dhash=facts.dhash,
            centre_phash=facts.centre_phash,
            centre_dhash=facts.centre_dhash,
        )

    @classmethod
    def from_stored(cls, sha256: str, fingerprint: Fingerprint) -> PhotoEvidence:
        """Return the evidence of a stored photo as far as the reuse check needs it."""
        return cls(
            sha256=sha256,
            phash=fingerprint.phash,
            gps=None,
            taken_at=None,
            forwarded=False,
            as_document=False,
            dhash=fingerprint.dhash,
            centre_phash=fingerprint.centre_phash,
            centre_dhash=fingerprint.centre_dhash,
        )

    @property
    def fingerprint(self) -> Fingerprint:
        """Return the perceptual hashes that near-duplicate detection compares."""
        return Fingerprint(self.phash, self.dhash, self.centre_phash, self.centre_dhash)


@dataclass(frozen=True)
class PriorPhoto:
    """A photo already attached to another visit, by any helper."""

    sha256: str
    phash: str
    visit_id: int
    helper_id: int
    household_id: int
    dhash: str = ""
    centre_phash: str = ""
    centre_dhash: str = ""
    # Who used it where and when, so the office reads a name, not only a visit number.
    local_day: date | None = None
    helper_name: str = ""
    household_name: str = ""

    @property
    def fingerprint(self) -> Fingerprint:
        """Return the perceptual hashes that near-duplicate detection compares."""
        return Fingerprint(self.phash, self.dhash, self.centre_phash, self.centre_dhash)


@dataclass(frozen=True)
class NeighbourVisit:
    """One of the same helper's visits nearest in time to the visit checked."""

    visit_id: int
    at: datetime
    point: GeoPoint


@dataclass(frozen=True)
class VisitEvidence:
    """Everything the checks look at for one visit."""

    visited_at: datetime
    home: GeoPoint | None
    location: SharedLocation | None
    photos: Sequence[PhotoEvidence]
    prior_photos: Sequence[PriorPhoto]
    neighbours: Sequence[NeighbourVisit]
    # When a stored visit is checked again, its own photos and itself may come back from the
    # queries for priors and neighbours; they are skipped, not reported as reuse.
    visit_id: int | None = None


@dataclass(frozen=True)
class Flag:
    """One finding for the office: its kind, a short reason, and the numbers behind it."""

    kind: FlagKind
    reason: str
    numbers: Mapping[str, Number] = field(default_factory=dict)

    def __hash__(self) -> int:
        """Hash by content so flags can be put in sets despite the mapping field."""
        return hash((self.kind, self.reason, tuple(sorted(self.numbers.items()))))
