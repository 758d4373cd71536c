"""How summaries, helper cards and the drill-down look: HTML text and inline buttons."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.oversight import HelperEntry, Summary
from bot.domain.quota import period_label
from bot.domain.spotcheck import METHOD_NAMES
from bot.domain.vocabulary import CheckMethod
from bot.i18n import N_, Translate
from bot.services.oversight import AreaView, HelperCard, HouseholdView
from bot.services.oversight_summary import HelperOversight
from handlers.appraise import line_text

LISTED = 30
BUTTONS = 30
STATUS_LABELS = {
    "applied": N_("applied"),
    "poor": N_("poor"),
    "exit_pending": N_("exit pending"),
    "exited": N_("exited"),
    "relapse_risk": N_("exited, watched"),
}


def percent(ratio: float | None) -> str:
    """A share as people read it: 83%, or a dash when there is nothing to divide."""
    return "—" if ratio is None else f"{ratio:.0%}"


def _names(t: Translate, names: list[str], limit: int = LISTED) -> list[str]:
    shown = [f"• {html.escape(n)}" for n in names[:limit]]
    if len(names) > limit:
        shown.append(t("… and {n} more").format(n=len(names) - limit))
    return shown


def summary_text(t: Translate, s: Summary) -> str:
    """The whole summary as one HTML text (the caller splits it into messages)."""
    area = html.escape(s.area) if s.area else t("your whole area")
    c = s.compliance
    lines = [
        t("📊 <b>Summary for {month}</b> · {area}").format(
            month=period_label(s.period), area=area
        ),
        "",
        t("Households: {n}").format(n=s.households),
        t("Visits against quota: {met} of {paired} paired households compliant ({share})").format(
            met=c.met, paired=c.paired, share=percent(c.ratio)
        ),
        t("Helpers on track: {on} · behind: {behind}").format(
            on=s.helpers_on_track, behind=len(s.helpers_behind)
        ),
    ]
    if s.helpers_behind:
        lines.append(t("Furthest behind (visits short):"))
        lines += _names(t, [f"{name} ({short})" for name, short in s.helpers_behind], 15)
    cov = s.coverage
    lines += [
        "",
        t(
            "Benefit coverage: {enrolled} of {eligible} eligible benefits enrolled ({share})"
        ).format(enrolled=cov.enrolled, eligible=cov.eligible, share=percent(cov.ratio)),
        t("Ready to exit: {n}").format(n=len(s.exit_ready)),
        *_names(t, [f"{h.head_name} · {h.village}" for h in s.exit_ready]),
        t("Flagged by the return-to-poverty watch: {n}").format(n=len(s.at_risk)),
        *_names(t, [f"{h.head_name} · {h.village}" for h in s.at_risk]),
        "",
        t("Open evidence flags: {n} (/flags)").format(n=s.open_flags),
        t("Open complaints: {n} (/complaints)").format(n=s.open_complaints),
    ]
    return "\n".join(lines)


def chart_titles(t: Translate, s: Summary) -> tuple[str, str, str]:
    """The chart's title, bar panel title and trend panel title."""
    month = period_label(s.period)
    by = t("Compliance by village") if s.bars_by == "village" else t("Compliance by helper")
    return (
        t("Visits against quota, {month}").format(month=month),
        by,
        t("Households compliant, last {n} months").format(n=len(s.trend)),
    )


def drill_data(kind: str, period: int, target: int) -> str:
    """Callback data of a drill-down button: ov:<a|h|p>:<period>:<id>."""
    return f"ov:{kind}:{period}:{target}"


def parse_drill(data: str | None) -> tuple[str, int, int] | None:
    """(kind, period, id) from drill-down callback data; None when it is malformed."""
    parts = (data or "").split(":")
    if len(parts) != 4 or parts[0] != "ov" or parts[1] not in {"a", "h", "p"}:
        return None
    try:
        period, target = int(parts[2]), int(parts[3])
    except ValueError:
        return None
    if not 200001 <= period <= 999912 or target < 0:
        return None
    return parts[1], period, target


def area_keyboard(view: AreaView, period: int) -> InlineKeyboardMarkup:
    """Buttons for the units (or households) below, and a way back up."""
    rows = [
        [InlineKeyboardButton(name, callback_data=drill_data("a", period, uid))]
        for uid, name in view.children[:BUTTONS]
    ]
    rows += [
        [InlineKeyboardButton(f"🏠 {name}", callback_data=drill_data("h", period, hid))]
        for hid, name in view.household_list[:BUTTONS]
    ]
    if view.unit_id is not None:
        rows.append(
            [InlineKeyboardButton("⬆", callback_data=drill_data("a", period, view.parent_id or 0))]
        )
    return InlineKeyboardMarkup(rows)


def area_text(t: Translate, view: AreaView, period: int) -> str:
    """One unit of the drill-down: its month in two lines."""
    name = html.escape(view.name) if view.name else t("your whole area")
    c = view.compliance
    return "\n".join(
        [
            t("📍 <b>{name}</b> · {month}").format(name=name, month=period_label(period)),
            t("Households: {n}").format(n=view.households),
            t(
                "Visits against quota: {met} of {paired} paired households compliant ({share})"
            ).format(met=c.met, paired=c.paired, share=percent(c.ratio)),
        ]
    )


def household_text(t: Translate, h: HouseholdView, period: int) -> str:
    """The bottom of the drill-down: one household's month."""
    helpers = ", ".join(html.escape(n) for n in h.helpers) or t("none")
    return "\n".join(
        [
            t("🏠 <b>{name}</b> · {village}").format(
                name=html.escape(h.head_name), village=html.escape(h.village)
            ),
            t("Status: {status}").format(status=t(STATUS_LABELS.get(h.status, h.status))),
            t("{month}: visited on {days} of {quota} days").format(
                month=period_label(period), days=h.days, quota=h.quota
            ),
            t("Helpers: {names}").format(names=helpers),
            t("Open evidence flags: {n} (/flags)").format(n=h.open_flags),
        ]
    )


def household_keyboard(h: HouseholdView, period: int) -> InlineKeyboardMarkup:
    """Back up to the household's village."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("⬆", callback_data=drill_data("a", period, h.village_id))]]
    )


def helpers_text(t: Translate, helpers: list[HelperEntry], search: str) -> str:
    """The /helpers list (the buttons open each helper's card)."""
    if not helpers:
        return t("No helper matches “{search}” in your area.").format(search=html.escape(search))
    head = t("👥 Helpers: {n}").format(n=len(helpers))
    lines = [
        f"• {html.escape(h.name)}" + (f" · {html.escape(h.department)}" if h.department else "")
        for h in helpers[:LISTED]
    ]
    if len(helpers) > LISTED:
        lines.append(t("… and {n} more").format(n=len(helpers) - LISTED))
    return "\n".join([head, *lines])


def helpers_keyboard(helpers: list[HelperEntry], period: int) -> InlineKeyboardMarkup:
    """One button per listed helper, opening their card."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(h.name, callback_data=drill_data("p", period, h.helper_id))]
            for h in helpers[:BUTTONS]
        ]
    )


def helper_card_text(t: Translate, card: HelperCard) -> str:
    """A helper's card: households this month, open flags, and the oversight section."""
    month = card.month
    dept = f" · {html.escape(card.department)}" if card.department else ""
    lines = [
        t("👤 <b>{name}</b>{dept}").format(name=html.escape(card.name), dept=dept),
        t("{month}: {done} of {required} visits").format(
            month=period_label(month.period), done=month.done, required=month.required
        ),
    ]
    for h in month.households:
        mark = "✅" if h.met else "⏳"
        lines.append(
            f"{mark} {html.escape(h.head_name)} · {html.escape(h.village)} {h.days}/{h.quota}"
        )
    lines.append(t("Open evidence flags: {n} (/flags)").format(n=len(card.flags)))
    lines += oversight_lines(t, card.oversight)
    return "\n".join(lines)


def oversight_lines(t: Translate, oversight: HelperOversight) -> list[str]:
    """The card's last spot checks, latest final appraisal and pending rectification."""
    if not oversight.checks and oversight.appraisal is None and oversight.rectification is None:
        return ["", t("No spot checks or appraisals yet.")]
    lines = ["", t("Spot checks and appraisal:")]
    for check in oversight.checks:
        score = "—" if check.satisfaction is None else f"{check.satisfaction}/5"
        where = f" · {html.escape(check.household)}" if check.household else ""
        lines.append(
            f"🔎 {check.checked_at:%Y-%m-%d} {t(METHOD_NAMES[CheckMethod(check.method)])}"
            f"{where} · {score}"
        )
        if check.findings:
            lines.append("   " + html.escape(check.findings))
    if oversight.appraisal is not None:
        lines.append(
            f"📋 {html.escape(oversight.appraisal.period)} " + line_text(oversight.appraisal, t)
        )
    rect = oversight.rectification
    if rect is not None:
        text = (
            N_("⚠ Rectification failed (due {day}): to be replaced")
            if rect.status == "failed"
            else N_("⚠ Rectification open, due {day}")
        )
        lines.append(t(text).format(day=rect.due_on.isoformat()))
    return lines
