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

from bot.domain.quota import HouseholdMonth
from bot.domain.visits import SavedVisit, VisitDraft
from bot.i18n import N_, Translate
from bot.photos import PhotoRejected
from handlers.flag_text import flag_sentence

PAGE_SIZE = 8
SKIP_LOCATION = N_("Skip: my photos carry GPS")
PHOTOS_DONE = N_("✅ Photos done")

REJECTION: Mapping[str, str] = {
    "unsupported_type": N_(
        "This file is not a photo I can use. Please send a JPEG, PNG, WebP or HEIC picture."
    ),
    "too_large": N_("This file is larger than 20 MB. Please send a smaller photo."),
    "too_many_pixels": N_("This picture's dimensions are too large. Please send a normal photo."),
    "corrupt": N_("This photo could not be read (it may be damaged). Please send it again."),
    "empty": N_("This file is empty. Please send the photo again."),
}


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


def choice_label(choice: HouseholdMonth) -> str:
    """A household button: name, village, this month's visit days against its quota."""
    mark = "✅ " if choice.met else ""
    return f"{mark}{choice.head_name} · {choice.village} ({choice.days}/{choice.quota})"


def household_keyboard(
    choices: list[HouseholdMonth], page: int, prefix: str = "visit"
) -> InlineKeyboardMarkup:
    """One page of household buttons with page navigation (`prefix`: the feature's)."""
    pages = max(1, -(-len(choices) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    rows = [
        [InlineKeyboardButton(choice_label(c), callback_data=f"{prefix}:hh:{c.household_id}")]
        for c in choices[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀", callback_data=f"{prefix}:page:{page - 1}"))
    if pages > 1:
        nav.append(
            InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=f"{prefix}:page:{page}")
        )
    if page < pages - 1:
        nav.append(InlineKeyboardButton("▶", callback_data=f"{prefix}:page:{page + 1}"))
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


def receipt_text(saved: SavedVisit, t: Translate, name: str) -> str:
    """What a saved visit means for the month (HTML), and what the office was told."""
    line, month = saved.household, saved.month
    lines = [
        t("✅ Visit saved.") if saved.created else t("This visit was already saved."),
        t("{name}: {done}/{quota} this month.").format(
            name=html.escape(name), done=line.days, quota=line.quota
        ),
        t("Your month: {done} of {total} visits ({households} households).").format(
            done=month.done, total=month.required, households=len(month.households)
        ),
    ]
    if saved.late:
        lines.append(t("Logged late: recorded with the time it happened."))
    if saved.flags:
        lines.append("")
        lines.append(t("Noted for the office (you need not do anything):"))
        lines += [
            f"• {html.escape(flag_sentence(flag.kind, flag.numbers, t))}" for flag in saved.flags
        ]
    return "\n".join(lines)


def receipt_keyboard(saved: SavedVisit, t: Translate) -> InlineKeyboardMarkup:
    """Most assistance is given during a visit: offer to record it right away."""
    data = f"as:v:{saved.household.household_id}:{saved.visit_id}"
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("➕ Record assistance"), callback_data=data)]]
    )
