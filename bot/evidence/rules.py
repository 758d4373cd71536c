"""The evidence checks of one visit: pure functions from evidence and thresholds to flags."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.domain.vocabulary import FlagKind
from bot.evidence.geo import haversine_m, speed_kmh
from bot.evidence.model import (
    FLAG_ORDER,
    EvidenceRules,
    Flag,
    PhotoEvidence,
    PriorPhoto,
    SharedLocation,
    VisitEvidence,
)
from bot.photos import GeoPoint, near_duplicate_distance

if TYPE_CHECKING:
    # Only the type: importing OpenCV is left to callers that run the geometric check.
    from bot.evidence.geometric import GeometricMatch

_HOUR_S = 3600.0


def visit_point(evidence: VisitEvidence) -> GeoPoint | None:
    """Return the best location of the visit: the shared location, else the first photo GPS."""
    if evidence.location is not None:
        return evidence.location.point
    for photo in evidence.photos:
        if photo.gps is not None:
            return photo.gps
    return None


def check_visit(evidence: VisitEvidence, rules: EvidenceRules) -> list[Flag]:
    """Return every flag the visit's evidence raises, in a fixed, deterministic order."""
    flags = [
        *_check_place(evidence, rules),
        *_check_channel(evidence, rules),
        *_check_times(evidence, rules),
        *_check_reuse(evidence, rules),
        *_check_travel(evidence, rules),
    ]
    rank = {kind: index for index, kind in enumerate(FLAG_ORDER)}
    # Stable sort: within a kind the checks already emit in photo or neighbour order.
    return sorted(flags, key=lambda flag: rank[flag.kind])


def accuracy_credit(location: SharedLocation, rules: EvidenceRules) -> float:
    """Return how many metres of a distance the location's accuracy radius may explain."""
    if location.horizontal_accuracy is None or location.horizontal_accuracy <= 0:
        return 0.0
    # Capped so that a huge radius (already flagged as poor accuracy) cannot hide a far point.
    return min(location.horizontal_accuracy, rules.max_accuracy_m)


def _m(value: float) -> float:
    return round(value, 1)


def _h(seconds: float) -> float:
    return round(seconds / _HOUR_S, 2)


def _aware(moment: datetime) -> datetime:
    # Callers should pass aware times; a naive one is read as UTC rather than crashing.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _check_place(evidence: VisitEvidence, rules: EvidenceRules) -> Iterator[Flag]:
    point = visit_point(evidence)
    location = evidence.location
    if point is None:
        yield Flag(FlagKind.NO_LOCATION, "visit has no shared location and no photo GPS", {})
    if evidence.home is None:
        numbers: dict[str, float | int | str] = {}
        if point is not None:
            # The caller proposes this point as the household's home.
            numbers = {"latitude": point.latitude, "longitude": point.longitude}
        yield Flag(FlagKind.NO_HOME_LOCATION, "household has no home location on file", numbers)
    else:
        home = evidence.home
        if location is not None:
            distance = haversine_m(location.point, home)
            credit = accuracy_credit(location, rules)
            if distance - credit > rules.max_distance_m:
                yield Flag(
                    FlagKind.FAR_FROM_HOME,
                    "shared location is too far from home",
                    {
                        "source": "location",
                        "distance_m": _m(distance),
                        "accuracy_m": _m(credit),
                        "threshold_m": rules.max_distance_m,
                    },
                )
        for index, photo in enumerate(evidence.photos):
            if photo.gps is None:
                continue
            distance = haversine_m(photo.gps, home)
            if distance > rules.max_distance_m:
                yield Flag(
                    FlagKind.FAR_FROM_HOME,
                    "photo GPS is too far from home",
                    {
                        "source": "photo",
                        "photo_index": index,
                        "distance_m": _m(distance),
                        "threshold_m": rules.max_distance_m,
                    },
                )
    if location is not None:
        credit = accuracy_credit(location, rules)
        for index, photo in enumerate(evidence.photos):
            if photo.gps is None:
                continue
            distance = haversine_m(photo.gps, location.point)
            if distance - credit > rules.max_distance_m:
                yield Flag(
                    FlagKind.GPS_MISMATCH,
                    "photo GPS disagrees with the shared location",
                    {
                        "photo_index": index,
                        "distance_m": _m(distance),
                        "accuracy_m": _m(credit),
                        "threshold_m": rules.max_distance_m,
                    },
                )
        accuracy = location.horizontal_accuracy
        if accuracy is not None and accuracy > rules.max_accuracy_m:
            yield Flag(
                FlagKind.POOR_ACCURACY,
                "shared location accuracy is too poor",
                {"accuracy_m": _m(accuracy), "threshold_m": rules.max_accuracy_m},
            )


def _check_channel(evidence: VisitEvidence, rules: EvidenceRules) -> Iterator[Flag]:
    if evidence.location is not None and evidence.location.forwarded:
        yield Flag(FlagKind.FORWARDED_LOCATION, "shared location was forwarded", {})
    for index, photo in enumerate(evidence.photos):
        if photo.forwarded:
            yield Flag(FlagKind.FORWARDED_PHOTO, "photo was forwarded", {"photo_index": index})
    for index, photo in enumerate(evidence.photos):
        # Telegram strips metadata from compressed photos, so only an original file without
        # GPS says something: location tagging was off, or the picture was edited or captured.
        if photo.as_document and photo.gps is None:
            yield Flag(
                FlagKind.PHOTO_WITHOUT_GPS,
                "original photo file has no GPS",
                {"photo_index": index},
            )


def _check_times(evidence: VisitEvidence, rules: EvidenceRules) -> Iterator[Flag]:
    visited_at = _aware(evidence.visited_at)
    stale: list[Flag] = []
    after: list[Flag] = []
    for index, photo in enumerate(evidence.photos):
        if photo.taken_at is None:
            continue
        lead_s = (visited_at - _aware(photo.taken_at)).total_seconds()
        if lead_s > rules.max_photo_age.total_seconds():
            stale.append(
                Flag(
                    FlagKind.STALE_PHOTO,
                    "photo was taken too long before the visit",
                    {
                        "photo_index": index,
                        "age_h": _h(lead_s),
                        "threshold_h": _h(rules.max_photo_age.total_seconds()),
                    },
                )
            )
        elif -lead_s > rules.max_photo_after_visit.total_seconds():
            after.append(
                Flag(
                    FlagKind.PHOTO_AFTER_VISIT,
                    "photo was taken after the visit",
                    {
                        "photo_index": index,
                        "after_h": _h(-lead_s),
                        "tolerance_h": _h(rules.max_photo_after_visit.total_seconds()),
                    },
                )
            )
    yield from stale
    yield from after


def reuse_flags(evidence: VisitEvidence, rules: EvidenceRules) -> list[Flag]:
    """The duplicate and near-duplicate flags alone (the search after the save uses them)."""
    return list(_check_reuse(evidence, rules))


def _check_reuse(evidence: VisitEvidence, rules: EvidenceRules) -> Iterator[Flag]:
    priors = [p for p in evidence.prior_photos if p.visit_id != evidence.visit_id]
    for index, photo in enumerate(evidence.photos):
        found = _closest_prior(photo, priors, rules)
        if found is None:
            continue
        prior, distance, matches = found
        numbers: dict[str, float | int | str] = {
            "photo_index": index,
            "other_visit_id": prior.visit_id,
            "other_helper_id": prior.helper_id,
            "other_household_id": prior.household_id,
            "distance": distance,
            "matches": matches,
            "stage": "fingerprint",
            **prior_names(prior),
        }
        if prior.sha256 == photo.sha256:
            yield Flag(
                FlagKind.DUPLICATE_PHOTO, "photo was already used in another visit", numbers
            )
        else:
            numbers["threshold"] = rules.near_duplicate_distance
            yield Flag(
                FlagKind.NEAR_DUPLICATE_PHOTO,
                "a near copy of the photo was already used in another visit",
                numbers,
            )


def prior_names(prior: PriorPhoto) -> dict[str, float | int | str]:
    """The other visit's day, helper and household, for the office's sentence."""
    if prior.local_day is None:
        return {}
    return {
        "other_day": prior.local_day.isoformat(),
        "other_helper": prior.helper_name,
        "other_household": prior.household_name,
    }


def _closest_prior(
    photo: PhotoEvidence, priors: list[PriorPhoto], rules: EvidenceRules
) -> tuple[PriorPhoto, int, int] | None:
    """Return the best match among prior photos, its hash distance and the number of matches."""
    exact = [p for p in priors if p.sha256 == photo.sha256]
    if exact:
        # The earliest visit is the original use; ids grow with time.
        return min(exact, key=lambda p: p.visit_id), 0, len(exact)
    near: list[tuple[int, int, PriorPhoto]] = []
    for prior in priors:
        distance = near_duplicate_distance(photo.fingerprint, prior.fingerprint)
        if distance <= rules.near_duplicate_distance:
            near.append((distance, prior.visit_id, prior))
    if not near:
        return None
    distance, _, prior = min(near, key=lambda item: (item[0], item[1]))
    return prior, distance, len(near)


def geometric_reuse_flag(
    photo_index: int,
    prior: PriorPhoto,
    match: GeometricMatch,
    *,
    fingerprint_distance: int | None = None,
    threshold: int | None = None,
) -> Flag:
    """The near-duplicate flag for a photo the geometric stage confirmed as a copy of `prior`.

    `fingerprint_distance` is given when the fingerprint found the candidate (stage
    "fingerprint"); otherwise the local-feature search did (stage "geometric"). Either way the
    geometric check has confirmed it, so the numbers say how the copy was altered.
    """
    within = (
        fingerprint_distance is not None
        and threshold is not None
        and fingerprint_distance <= threshold
    )
    numbers: dict[str, float | int | str] = {
        "photo_index": photo_index,
        "other_visit_id": prior.visit_id,
        "other_helper_id": prior.helper_id,
        "other_household_id": prior.household_id,
        "stage": "fingerprint" if within else "geometric",
        "inliers": match.inliers,
        "crop_percent": round((1 - match.overlap) * 100),
        "scale": match.scale,
        "rotation_degrees": round(match.rotation_degrees),
        "mirrored": int(match.mirrored),
        "pixel_agreement": match.pixel_agreement,
    }
    if fingerprint_distance is not None:
        numbers["distance"] = fingerprint_distance
    if threshold is not None:
        numbers["threshold"] = threshold
    return Flag(
        FlagKind.NEAR_DUPLICATE_PHOTO,
        "a near copy of the photo was already used in another visit",
        numbers,
    )


def _check_travel(evidence: VisitEvidence, rules: EvidenceRules) -> Iterator[Flag]:
    point = visit_point(evidence)
    if point is None:
        return
    credit = 0.0
    if evidence.location is not None:
        credit = accuracy_credit(evidence.location, rules)
    visited_at = _aware(evidence.visited_at)
    neighbours = sorted(
        (n for n in evidence.neighbours if n.visit_id != evidence.visit_id),
        key=lambda n: (_aware(n.at), n.visit_id),
    )
    for neighbour in neighbours:
        distance = haversine_m(point, neighbour.point)
        # Only the part of the distance that GPS noise cannot explain counts, and it must be
        # more than a household's radius: visits next door a minute apart are normal.
        unexplained = distance - credit
        if unexplained <= rules.max_distance_m:
            continue
        at = _aware(neighbour.at)
        speed = speed_kmh(unexplained, visited_at, at)
        if speed > rules.max_speed_kmh:
            yield Flag(
                FlagKind.IMPOSSIBLE_TRAVEL,
                "travel from or to a neighbouring visit is impossibly fast",
                {
                    "other_visit_id": neighbour.visit_id,
                    "distance_m": _m(distance),
                    "accuracy_m": _m(credit),
                    "elapsed_min": round(abs((at - visited_at).total_seconds()) / 60, 1),
                    "speed_kmh": round(speed, 1),
                    "threshold_kmh": rules.max_speed_kmh,
                },
            )
