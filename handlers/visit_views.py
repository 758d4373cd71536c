"""How the visit conversation looks: keyboards, the summary, the receipt, flag wording."""

from __future__ import annotations

import html
from collections.abc import Mapping

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.evidence import Flag, FlagKind
from bot.i18n import N_, Translate
from bot.photos import PhotoRejected
from bot.services.visits import HouseholdChoice, SavedVisit, VisitDraft

PAGE_SIZE = 8
SKIP_LOCATION = N_("Skip: my photos carry GPS")
PHOTOS_DONE = N_("✅ Photos done")

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


def location_keyboard(t: Translate) -> ReplyKeyboardMarkup:
    """The location button, and a way on for photos that carry GPS."""
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(t("📍 Share my location"), request_location=True)],
            [KeyboardButton(t(SKIP_LOCATION))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def photos_done_button(t: Translate, draft: VisitDraft) -> InlineKeyboardMarkup:
    """The button that ends the photo step."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(PHOTOS_DONE), callback_data=f"visit:photos:{draft.token}")]]
    )


def choice_label(choice: HouseholdChoice, quota: int) -> str:
    """A household button: name, village, this month's visits against the quota."""
    mark = "✅ " if choice.done >= quota else ""
    return f"{mark}{choice.head_name} · {choice.village} ({choice.done}/{quota})"


def household_keyboard(
    choices: list[HouseholdChoice], page: int, quota: int
) -> InlineKeyboardMarkup:
    """One page of household buttons with page navigation."""
    pages = max(1, -(-len(choices) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    rows = [
        [InlineKeyboardButton(choice_label(c, quota), callback_data=f"visit:hh:{c.household_id}")]
        for c in choices[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀", callback_data=f"visit:page:{page - 1}"))
    if pages > 1:
        nav.append(InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=f"visit:page:{page}"))
    if page < pages - 1:
        nav.append(InlineKeyboardButton("▶", callback_data=f"visit:page:{page + 1}"))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def summary(draft: VisitDraft, t: Translate) -> tuple[str, InlineKeyboardMarkup]:
    """The draft to confirm (HTML) with Save / Change note / Discard."""
    loc = draft.location
    where = (
        t("location shared (±{acc} m)").format(acc=f"{loc.accuracy_m:.0f}")
        if loc and loc.accuracy_m is not None
        else t("location shared")
        if loc
        else t("no shared location")
    )
    text = "\n".join(
        [
            t("<b>Visit summary</b>"),
            t("Household: {name}").format(name=html.escape(draft.household_name)),
            t("Location: {where}").format(where=where),
            t("Photos: {n}").format(n=len(draft.photos)),
            t("Note: {note}").format(note=html.escape(draft.note or "")),
            "",
            t("Save this visit?"),
        ]
    )
    buttons = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t("✅ Save"), callback_data=f"visit:ok:{draft.token}")],
            [
                InlineKeyboardButton(
                    t("✏️ Change note"), callback_data=f"visit:note:{draft.token}"
                ),
                InlineKeyboardButton(t("✖ Discard"), callback_data=f"visit:no:{draft.token}"),
            ],
        ]
    )
    return text, buttons


def receipt_text(saved: SavedVisit, t: Translate, quota: int, name: str) -> str:
    """What a saved visit means for the month (HTML), and what the office was told."""
    lines = [
        t("✅ Visit saved.") if saved.created else t("This visit was already saved."),
        t("{name}: {done}/{quota} this month.").format(
            name=html.escape(name), done=saved.household_done, quota=quota
        ),
        t("Your month: {done} of {total} visits ({households} households).").format(
            done=saved.helper_done,
            total=saved.helper_households * quota,
            households=saved.helper_households,
        ),
    ]
    if saved.late:
        lines.append(t("Logged late: recorded with the time it happened."))
    if saved.flags:
        lines.append("")
        lines.append(t("Noted for the office (you need not do anything):"))
        # Two sources (shared location, photo GPS) can say the same thing; say it once.
        notices = dict.fromkeys(flag_notice(flag, t) for flag in saved.flags)
        lines += [f"• {notice}" for notice in notices]
    return "\n".join(lines)
