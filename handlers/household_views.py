"""How a household's case record looks in the chat: the card, its parts, its keyboards."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import tzinfo
from decimal import Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.casefile import BenefitLine, CoverageReport, HistoryLine, HouseholdCard
from bot.domain.households import (
    BENEFIT_CHOICES,
    GUARANTEE_LABELS,
    Coverage,
    Gap,
    GapKind,
    Guarantee,
    Risk,
    RiskKind,
    kind_label,
)
from bot.domain.vocabulary import BenefitStatus, HouseholdStatus
from bot.i18n import N_, Translate
from handlers.pager import paginate

PAGE_LIMIT = 3500  # a card page stays well under Telegram's 4,096, leaving room to grow

STATUS_LABELS: Mapping[HouseholdStatus, str] = {
    HouseholdStatus.APPLIED: N_("applied"),
    HouseholdStatus.POOR: N_("registered poor"),
    HouseholdStatus.EXIT_PENDING: N_("exit pending"),
    HouseholdStatus.EXITED: N_("exited"),
    HouseholdStatus.RELAPSE_RISK: N_("exited, under watch"),
}
# One letter per benefit state in callback data.
BENEFIT_CODES: Mapping[BenefitStatus, str] = {
    BenefitStatus.NOT_ASSESSED: "n",
    BenefitStatus.ELIGIBLE: "e",
    BenefitStatus.ENROLLED: "y",
    BenefitStatus.NOT_ELIGIBLE: "x",
}
BENEFIT_BY_CODE = {code: status for status, code in BENEFIT_CODES.items()}
BENEFIT_BUTTONS: Mapping[BenefitStatus, str] = {
    BenefitStatus.NOT_ASSESSED: N_("❔ Not assessed"),
    BenefitStatus.ELIGIBLE: N_("🟡 Eligible, not enrolled"),
    BenefitStatus.ENROLLED: N_("✅ Enrolled"),
    BenefitStatus.NOT_ELIGIBLE: N_("➖ Not eligible…"),
}


def money(amount: float | Decimal) -> str:
    """Yuan without needless decimals: 4200, 350.5."""
    text = f"{Decimal(str(amount)).quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def benefit_state(line: BenefitLine, t: Translate) -> str:
    """A benefit's state in words (HTML-escaped)."""
    if line.status == BenefitStatus.ENROLLED:
        since = line.since.isoformat() if line.since else "?"
        return t("enrolled since {date}").format(date=since)
    if line.status in (BenefitStatus.ELIGIBLE, BenefitStatus.APPLIED):
        return t("eligible, not enrolled")
    if line.status == BenefitStatus.NOT_ELIGIBLE:
        return t("not eligible ({reason})").format(reason=html.escape(line.note or "—"))
    return t("not assessed")


def gap_sentence(gap: Gap, card_line: float, months: int, t: Translate) -> str:
    """What one gap of the exit standard means."""
    item = t(GUARANTEE_LABELS[gap.guarantee]) if gap.guarantee else ""
    if gap.kind == GapKind.NO_INCOME:
        return t("No income per person recorded yet.")
    if gap.kind == GapKind.INCOME_BELOW_LINE:
        return t("Income per person {amount} CNY is below the line of {line} CNY.").format(
            amount=money(gap.amount or 0), line=money(card_line)
        )
    if gap.kind == GapKind.NO_EARLIER_INCOME:
        return t(
            "An earlier income record from {date} or before is needed (two records "
            "{months} months apart)."
        ).format(date=gap.on.isoformat() if gap.on else "?", months=months)
    if gap.kind == GapKind.EARLIER_INCOME_BELOW_LINE:
        return t("The earlier income of {amount} CNY ({date}) was below the line.").format(
            amount=money(gap.amount or 0), date=gap.on.isoformat() if gap.on else "?"
        )
    if gap.kind == GapKind.GUARANTEE_NOT_ASSESSED:
        return t("{item}: not assessed yet.").format(item=item)
    return t("{item}: not met.").format(item=item)


def risk_sentence(risk: Risk, monitoring_line: float, t: Translate) -> str:
    """Why the watch flags the household."""
    if risk.kind == RiskKind.INCOME_BELOW_MONITORING:
        return t(
            "Income per person {amount} CNY is below the monitoring line of {line} CNY."
        ).format(amount=money(risk.amount or 0), line=money(monitoring_line))
    item = t(GUARANTEE_LABELS[risk.guarantee]) if risk.guarantee else ""
    return t("{item} is no longer met.").format(item=item)


def coverage_text(coverage: Coverage, t: Translate) -> str:
    """Enrolled over eligible, with the percentage when there is any."""
    if coverage.ratio is None:
        return t("no eligible benefits yet")
    return f"{coverage.enrolled}/{coverage.eligible} ({coverage.ratio:.0%})"


def card_text(
    card: HouseholdCard, t: Translate, tz: tzinfo, *, months: int, monitoring_line: float
) -> str:
    """The whole card (HTML), to be split into pages."""
    e = html.escape
    lines = [
        f"<b>🏠 {e(card.head_name)}</b> · {e(card.village)} (#{card.household_id})",
        t("Members: {n} · Status: {status}").format(
            n=card.members, status=t(STATUS_LABELS.get(card.status, card.status))
        ),
        t("Causes of poverty: {causes}").format(causes=e("、".join(card.causes) or "—")),
        t("Helpers: {names}").format(names=e("、".join(card.helpers) or "—")),
        "",
        t("<b>Income per person</b> (line {line} CNY)").format(line=money(card.income_line)),
    ]
    if card.incomes:
        for record in card.incomes[-3:][::-1]:
            mark = "✅" if record.per_capita >= card.income_line else "⬇️"
            lines.append(
                f"{mark} {money(record.per_capita)} · {record.recorded_on.isoformat()} · "
                f"{e(record.source)}"
            )
    else:
        lines.append(t("No income per person recorded yet."))
    lines += ["", t("<b>Two no-worries, three guarantees</b>")]
    for item in Guarantee:
        state = card.guarantees.get(item)
        label = t(GUARANTEE_LABELS[item])
        if state is None:
            lines.append(f"❔ {label}: " + t("not assessed"))
        else:
            note = f" — {e(state.note)}" if state.note else ""
            lines.append(f"{'✅' if state.met else '❌'} {label}{note}")
    lines += ["", t("<b>Exit standard</b>")]
    if card.readiness.ready:
        lines.append(t("✅ Exit-ready: every condition is met."))
    else:
        lines.append(t("⏳ Not ready yet. Missing:"))
        lines += [f"• {gap_sentence(g, card.income_line, months, t)}" for g in card.readiness.gaps]
    if card.risks:
        lines += ["", t("<b>⚠️ Return-to-poverty watch</b>")]
        lines += [f"• {risk_sentence(r, monitoring_line, t)}" for r in card.risks]
    lines += [
        "",
        t("<b>Policy benefits</b> (coverage {coverage})").format(
            coverage=coverage_text(card.coverage, t)
        ),
    ]
    lines += [f"• {e(t(kind_label(b.policy)))}: {benefit_state(b, t)}" for b in card.benefits]
    lines += ["", t("<b>Help plan</b>")]
    if card.plan is None:
        lines.append(t("No help plan written yet."))
    else:
        lines.append(t("Goals: {text}").format(text=e(card.plan.goals)))
        lines.append(t("Measures: {text}").format(text=e(card.plan.measures)))
    lines += ["", t("<b>Last visits</b>")]
    if not card.visits:
        lines.append(t("No visits yet."))
    for visit in card.visits:
        when = visit.visited_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        flags = " 🚩" * len(visit.flags)
        lines.append(f"• {when} · {e(visit.helper)}{flags}")
    lines += ["", t("<b>Assistance</b>")]
    if not card.assistance:
        lines.append(t("No assistance recorded yet."))
    for given in card.assistance:
        amount = f" ({money(given.amount)} CNY)" if given.amount is not None else ""
        photo = " 📷" if given.photo_path else ""
        kind = e(t(kind_label(given.kind or "other")))
        lines.append(
            f"• {given.given_on.isoformat()} {kind}: {e(given.description)}{amount}{photo}"
        )
    return "\n".join(lines)


def card_pages(
    card: HouseholdCard, t: Translate, tz: tzinfo, *, months: int, monitoring_line: float
) -> list[str]:
    """The card split into pages that Telegram accepts."""
    return paginate(
        card_text(card, t, tz, months=months, monitoring_line=monitoring_line), PAGE_LIMIT
    )


def _nav(prefix: str, page: int, pages: int) -> list[InlineKeyboardButton]:
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀", callback_data=f"{prefix}:{page - 1}"))
    if pages > 1:
        nav.append(InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=f"{prefix}:{page}"))
    if page < pages - 1:
        nav.append(InlineKeyboardButton("▶", callback_data=f"{prefix}:{page + 1}"))
    return nav


def card_keyboard(
    household_id: int, can_edit: bool, page: int, pages: int, t: Translate
) -> InlineKeyboardMarkup:
    """The card's actions (editing ones for its helper only) and page navigation."""
    h = household_id
    rows = []
    if can_edit:
        rows += [
            [
                InlineKeyboardButton(t("➕ Assistance"), callback_data=f"hh:as:{h}"),
                InlineKeyboardButton(t("🎁 Benefits"), callback_data=f"hh:ben:{h}"),
            ],
            [
                InlineKeyboardButton(t("🛡 Guarantees"), callback_data=f"hh:gu:{h}"),
                InlineKeyboardButton(t("💰 Income"), callback_data=f"hh:inc:{h}"),
            ],
            [
                InlineKeyboardButton(t("📝 Help plan"), callback_data=f"hh:plan:{h}"),
                InlineKeyboardButton(t("🕘 History"), callback_data=f"hh:hist:{h}:0"),
            ],
        ]
    else:
        rows.append([InlineKeyboardButton(t("🕘 History"), callback_data=f"hh:hist:{h}:0")])
    rows.append([InlineKeyboardButton(t("📥 Handbook (.xlsx)"), callback_data=f"hh:xls:{h}")])
    nav = _nav(f"hh:v:{h}", page, pages)
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def back_button(household_id: int, t: Translate) -> InlineKeyboardButton:
    """Back to the card's first page."""
    return InlineKeyboardButton(t("◀ Back to the card"), callback_data=f"hh:v:{household_id}:0")


def benefits_view(card: HouseholdCard, t: Translate) -> tuple[str, InlineKeyboardMarkup]:
    """Every policy's state, one button per policy to change it."""
    lines = [
        t("<b>Policy benefits of {name}</b> (coverage {coverage})").format(
            name=html.escape(card.head_name), coverage=coverage_text(card.coverage, t)
        ),
        t("Press a policy to change its state."),
    ]
    rows = []
    for index, line in enumerate(card.benefits):
        label = t(kind_label(line.policy))
        lines.append(f"• {html.escape(label)}: {benefit_state(line, t)}")
        rows.append(
            [InlineKeyboardButton(label, callback_data=f"hh:bp:{card.household_id}:{index}")]
        )
    rows.append([back_button(card.household_id, t)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def policy_view(card: HouseholdCard, index: int, t: Translate) -> tuple[str, InlineKeyboardMarkup]:
    """One policy with a button per state."""
    line = card.benefits[index]
    text = t("<b>{policy}</b> for {name}: {state}").format(
        policy=html.escape(t(kind_label(line.policy))),
        name=html.escape(card.head_name),
        state=benefit_state(line, t),
    )
    h = card.household_id
    rows = [
        [
            InlineKeyboardButton(
                t(BENEFIT_BUTTONS[status]),
                callback_data=f"hh:bs:{h}:{index}:{BENEFIT_CODES[status]}",
            )
        ]
        for status in BENEFIT_CHOICES
    ]
    rows.append([InlineKeyboardButton(t("◀ Back"), callback_data=f"hh:ben:{h}")])
    return text, InlineKeyboardMarkup(rows)


def guarantees_view(card: HouseholdCard, t: Translate) -> tuple[str, InlineKeyboardMarkup]:
    """The five items with their state, a met / not met button pair per item."""
    lines = [
        t("<b>Two no-worries, three guarantees: {name}</b>").format(
            name=html.escape(card.head_name)
        ),
        t("Press ✅ or ❌ to record an item; you can add a note next."),
    ]
    rows = []
    for item in Guarantee:
        state = card.guarantees.get(item)
        label = t(GUARANTEE_LABELS[item])
        mark = "❔" if state is None else "✅" if state.met else "❌"
        note = f" — {html.escape(state.note)}" if state and state.note else ""
        lines.append(f"{mark} {label}{note}")
        rows.append(
            [
                InlineKeyboardButton(
                    f"✅ {label}", callback_data=f"hh:gs:{card.household_id}:{item}:1"
                ),
                InlineKeyboardButton(
                    f"❌ {label}", callback_data=f"hh:gs:{card.household_id}:{item}:0"
                ),
            ]
        )
    rows.append([back_button(card.household_id, t)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def record_label(record: str, t: Translate) -> str:
    """Which record a history line is about, in words."""
    kind, _, key = record.partition(":")
    if kind == "benefit":
        return t("Benefit: {policy}").format(policy=t(kind_label(key)))
    if kind == "guarantee" and key in {g.value for g in Guarantee}:
        return t("Guarantee: {item}").format(item=t(GUARANTEE_LABELS[Guarantee(key)]))
    labels = {
        "income": N_("Income per person"),
        "plan": N_("Help plan"),
        "assistance": N_("Assistance"),
    }
    return t(labels[kind]) if kind in labels else record


def history_text(name: str, lines: Sequence[HistoryLine], t: Translate, tz: tzinfo) -> str:
    """Changes of the record: when, who, what, old → new (HTML)."""
    out = [t("<b>Changes to the record of {name}</b>").format(name=html.escape(name))]
    if not lines:
        out.append(t("No changes recorded yet."))
    for line in lines:
        when = line.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        out.append(
            f"• {when} · {html.escape(line.who)} · {html.escape(record_label(line.record, t))}"
        )
        out.append(f"   {html.escape(line.before or '—')} → {html.escape(line.after or '—')}")
    return "\n".join(out)


def history_keyboard(
    household_id: int, page: int, pages: int, t: Translate
) -> InlineKeyboardMarkup:
    """History pages and the way back."""
    rows = []
    nav = _nav(f"hh:hist:{household_id}", page, pages)
    if nav:
        rows.append(nav)
    rows.append([back_button(household_id, t)])
    return InlineKeyboardMarkup(rows)


def coverage_report_text(report: CoverageReport, t: Translate) -> str:
    """Coverage of the scope and per village (HTML)."""
    lines = [
        t("<b>Benefit coverage</b> (enrolled / eligible): {coverage}").format(
            coverage=coverage_text(report.total, t)
        )
    ]
    lines += [
        f"• {html.escape(name)}: {coverage_text(c, t)}"
        + (t(", {n} waiting").format(n=c.waiting) if c.waiting else "")
        for name, c in report.villages
    ]
    return "\n".join(lines)
