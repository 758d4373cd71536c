"""How visit outcomes and evidence flags are worded for helpers and admins."""

from __future__ import annotations

from collections.abc import Mapping

from bot.evidence import Flag, FlagKind
from bot.i18n import N_, Translate
from bot.photos import PhotoRejected

# What the helper is told, politely, when a check noticed something. Never a refusal.
HELPER_NOTICE: Mapping[FlagKind, str] = {
    FlagKind.NO_LOCATION: N_("no location was shared and the photos carry no GPS"),
    FlagKind.NO_HOME_LOCATION: N_(
        "the household has no home location on file yet; this visit's location is proposed "
        "to the office as the home"
    ),
    FlagKind.FAR_FROM_HOME: N_("the location is about {distance} from the household's home"),
    FlagKind.GPS_MISMATCH: N_("a photo's GPS and the shared location are about {distance} apart"),
    FlagKind.POOR_ACCURACY: N_("the location was imprecise (±{accuracy})"),
    FlagKind.FORWARDED_LOCATION: N_("the location was forwarded rather than shared directly"),
    FlagKind.FORWARDED_PHOTO: N_("a photo was forwarded rather than taken and sent directly"),
    FlagKind.PHOTO_WITHOUT_GPS: N_("a photo sent as a file carries no GPS position"),
    FlagKind.STALE_PHOTO: N_("a photo was taken well before the visit"),
    FlagKind.PHOTO_AFTER_VISIT: N_("a photo's capture time is later than the visit"),
    FlagKind.DUPLICATE_PHOTO: N_("a photo is identical to one already used in another visit"),
    FlagKind.NEAR_DUPLICATE_PHOTO: N_("a photo looks the same as one used in another visit"),
    FlagKind.IMPOSSIBLE_TRAVEL: N_(
        "the distance from your previous visit is hard to cover in the time between them"
    ),
}

REJECTION: Mapping[str, str] = {
    "unsupported_type": N_(
        "This file is not a photo I can use. Please send a JPEG, PNG, WebP or HEIC picture."
    ),
    "too_large": N_("This file is larger than 20 MB. Please send a smaller photo."),
    "too_many_pixels": N_("This picture's dimensions are too large. Please send a normal photo."),
    "corrupt": N_("This photo could not be read (it may be damaged). Please send it again."),
    "empty": N_("This file is empty. Please send the photo again."),
}


def distance_text(metres: float) -> str:
    """A short distance: metres below 1 km, else km with one decimal."""
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km"


def _number(numbers: Mapping[str, float | int | str], *keys: str) -> float | None:
    for key in keys:
        value = numbers.get(key)
        if isinstance(value, int | float):
            return float(value)
    return None


def flag_notice(flag: Flag, t: Translate) -> str:
    """One flag as a polite sentence fragment for the helper."""
    distance = _number(flag.numbers, "distance_m", "separation_m")
    accuracy = _number(flag.numbers, "accuracy_m", "horizontal_accuracy_m")
    return t(HELPER_NOTICE[flag.kind]).format(
        distance=distance_text(distance) if distance is not None else "?",
        accuracy=distance_text(accuracy) if accuracy is not None else "?",
    )


def rejection_text(error: PhotoRejected, t: Translate) -> str:
    """Why a photo was refused, in the user's language."""
    return t(REJECTION.get(error.code, REJECTION["corrupt"]))
