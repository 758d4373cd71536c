"""Evidence flags as sentences people read: one per flag kind, with its numbers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.domain.vocabulary import FlagKind
from bot.i18n import N_, Translate

Numbers = Mapping[str, object]

_SENTENCES: Mapping[tuple[FlagKind, str], str] = {
    (FlagKind.NO_LOCATION, ""): N_("No location was shared and the photos carry no GPS."),
    (FlagKind.NO_HOME_LOCATION, ""): N_("The household has no home location on file."),
    (FlagKind.NO_HOME_LOCATION, "proposed"): N_(
        "The household has no home location on file; this visit's location is proposed as "
        "its home."
    ),
    (FlagKind.FAR_FROM_HOME, "location"): N_(
        "The shared location is about {distance} from the household's home (threshold "
        "{threshold})."
    ),
    (FlagKind.FAR_FROM_HOME, "photo"): N_(
        "Photo {photo} was taken about {distance} from the household's home (threshold "
        "{threshold})."
    ),
    (FlagKind.GPS_MISMATCH, ""): N_(
        "Photo {photo} was taken about {distance} from the shared location (threshold "
        "{threshold})."
    ),
    (FlagKind.POOR_ACCURACY, ""): N_(
        "The shared location was imprecise: ±{accuracy} (threshold {threshold})."
    ),
    (FlagKind.FORWARDED_LOCATION, ""): N_(
        "The location was forwarded rather than shared directly."
    ),
    (FlagKind.FORWARDED_PHOTO, ""): N_(
        "Photo {photo} was forwarded rather than taken and sent directly."
    ),
    (FlagKind.PHOTO_WITHOUT_GPS, ""): N_(
        "Photo {photo} was sent as a file but carries no GPS position."
    ),
    (FlagKind.STALE_PHOTO, ""): N_(
        "Photo {photo} was taken {hours} hours before the visit (threshold {threshold} hours)."
    ),
    (FlagKind.PHOTO_AFTER_VISIT, ""): N_(
        "Photo {photo} was taken {hours} hours after the visit time (tolerance {threshold} hours)."
    ),
    (FlagKind.DUPLICATE_PHOTO, ""): N_("Photo {photo} is identical to a photo of visit #{other}."),
    (FlagKind.NEAR_DUPLICATE_PHOTO, ""): N_(
        "Photo {photo} looks the same as a photo of visit #{other} (difference {difference}, "
        "threshold {threshold})."
    ),
    (FlagKind.DUPLICATE_PHOTO, "named"): N_(
        "Photo {photo} is the very file of the photo of {helper}'s visit to {household} on "
        "{day} ({how})."
    ),
    (FlagKind.NEAR_DUPLICATE_PHOTO, "named"): N_(
        "Photo {photo} is the same picture as the photo of {helper}'s visit to {household} on "
        "{day} ({how})."
    ),
    (FlagKind.IMPOSSIBLE_TRAVEL, ""): N_(
        "From or to visit #{other}: {distance} in {minutes} minutes, about {speed} km/h "
        "(threshold {threshold} km/h)."
    ),
}


def _float(numbers: Numbers, *keys: str) -> float | None:
    for key in keys:
        value = numbers.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def distance_text(metres: float | None, t: Translate) -> str:
    """A short distance: metres below 1 km, else km with one decimal."""
    if metres is None:
        return "?"
    if metres < 1000:
        return t("{n} m").format(n=f"{metres:.0f}")
    return t("{n} km").format(n=f"{metres / 1000:.1f}")


def _plain(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:g}"


def _day(iso: object, t: Translate) -> str:
    try:
        day = date.fromisoformat(str(iso))
    except ValueError:
        return "?"
    return t("{month}/{day}").format(month=day.month, day=day.day)


def _how(numbers: Numbers, t: Translate) -> str:
    """What changed between the two copies and how sure the match is, in words."""
    parts: list[str] = []
    crop = _float(numbers, "crop_percent", "crop_pct")
    scale = _float(numbers, "scale")
    turned = _float(numbers, "rotation_degrees")
    matches = _float(numbers, "inliers")
    if crop is not None and crop >= 1:
        parts.append(t("cropped about {percent}%").format(percent=f"{crop:.0f}"))
    if scale is not None and abs(scale - 1) >= 0.05:
        parts.append(t("scaled to about {percent}%").format(percent=f"{scale * 100:.0f}"))
    if turned is not None and abs(turned) >= 5:
        parts.append(t("turned by {degrees}°").format(degrees=f"{turned:.0f}"))
    if numbers.get("mirrored"):
        parts.append(t("mirrored"))
    if matches is not None:
        parts.append(t("{count} matching points").format(count=_plain(matches)))
    elif (difference := _float(numbers, "distance")) is not None and difference > 0:
        text = t("fingerprint difference {difference}")
        parts.append(text.format(difference=_plain(difference)))
    parts.append(t("visit #{other}").format(other=numbers.get("other_visit_id", "?")))
    return t("; ").join(parts)


def _variant(kind: FlagKind, numbers: Numbers) -> str:
    if kind in (FlagKind.DUPLICATE_PHOTO, FlagKind.NEAR_DUPLICATE_PHOTO) and numbers.get(
        "other_day"
    ):
        return "named"
    if kind == FlagKind.FAR_FROM_HOME:
        return "photo" if numbers.get("source") == "photo" else "location"
    if kind == FlagKind.NO_HOME_LOCATION and "latitude" in numbers:
        return "proposed"
    return ""


def flag_sentence(kind: FlagKind | str, numbers: Numbers, t: Translate) -> str:
    """One flag as a translated sentence with its numbers (photos counted from 1)."""
    try:
        kind = FlagKind(kind)
    except ValueError:
        return str(kind)
    template = _SENTENCES[(kind, _variant(kind, numbers))]
    photo_index = _float(numbers, "photo_index")
    threshold = _float(
        numbers, "threshold_m", "threshold_h", "tolerance_h", "threshold", "threshold_kmh"
    )
    metres_threshold = "threshold_m" in numbers
    return t(template).format(
        photo=int(photo_index) + 1 if photo_index is not None else "?",
        distance=distance_text(_float(numbers, "distance_m"), t),
        accuracy=distance_text(_float(numbers, "accuracy_m"), t),
        threshold=distance_text(threshold, t) if metres_threshold else _plain(threshold),
        hours=_plain(_float(numbers, "age_h", "after_h")),
        other=numbers.get("other_visit_id", "?"),
        difference=_plain(_float(numbers, "distance")),
        minutes=_plain(_float(numbers, "elapsed_min")),
        speed=_plain(_float(numbers, "speed_kmh")),
        helper=numbers.get("other_helper", "?"),
        household=numbers.get("other_household", "?"),
        day=_day(numbers.get("other_day"), t),
        how=_how(numbers, t) if "other_day" in numbers else "",
    )
