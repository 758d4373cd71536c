"""How complaints read in the chat: categories, statuses, outcomes, the reporter's and the
office's views. User text shown back is escaped for HTML."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.complaints import ComplaintLine, ComplaintView, TrackMessage, TrackView
from bot.domain.vocabulary import (
    ComplaintCategory,
    ComplaintMessageKind,
    ComplaintOutcome,
    ComplaintStatus,
)
from bot.i18n import N_, Translate
from handlers.pager import offset_nav

CATEGORY = {
    ComplaintCategory.FALSIFICATION: N_("Falsified records or results"),
    ComplaintCategory.PERFUNCTORY: N_("Perfunctory work"),
    ComplaintCategory.CORRUPTION: N_("Corruption or embezzlement"),
    ComplaintCategory.BENEFIT_NOT_RECEIVED: N_("A benefit not received"),
    ComplaintCategory.OTHER: N_("Something else"),
}
STATUS = {
    ComplaintStatus.NEW: N_("received, not yet looked at"),
    ComplaintStatus.INVESTIGATING: N_("being investigated"),
    ComplaintStatus.RESOLVED: N_("resolved"),
    ComplaintStatus.DISMISSED: N_("dismissed"),
}
OUTCOME = {
    ComplaintOutcome.SUBSTANTIATED: N_("substantiated"),
    ComplaintOutcome.PARTLY: N_("partly substantiated"),
    ComplaintOutcome.UNSUBSTANTIATED: N_("not substantiated"),
}
KIND = {
    ComplaintMessageKind.ADDITION: N_("You added"),
    ComplaintMessageKind.REPLY: N_("The office replied"),
    ComplaintMessageKind.QUESTION: N_("The office asks"),
}
OFFICE_KIND = {
    ComplaintMessageKind.ADDITION: N_("Reporter added"),
    ComplaintMessageKind.REPLY: N_("Reply sent"),
    ComplaintMessageKind.QUESTION: N_("Question sent"),
}


def category_keyboard(t: Translate) -> InlineKeyboardMarkup:
    """One button per category."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t(label), callback_data=f"report:cat:{category}")]
            for category, label in CATEGORY.items()
        ]
    )


def _messages(
    messages: list[TrackMessage], labels: dict[ComplaintMessageKind, str], t: Translate
) -> list[str]:
    return [
        f"{m.on_day.isoformat()} · {t(labels[m.kind])}: {html.escape(m.body)}" for m in messages
    ]


def track_text(view: TrackView, t: Translate) -> str:
    """What the reporter sees for their code."""
    lines = [
        t("Complaint {ref}, filed on {day}: {category}").format(
            ref=view.case_ref, day=view.filed_on.isoformat(), category=t(CATEGORY[view.category])
        ),
        t("Status: {status}").format(status=t(STATUS[view.status])),
    ]
    if view.outcome is not None:
        lines.append(t("Finding: {outcome}").format(outcome=t(OUTCOME[view.outcome])))
    if view.closing_note:
        lines.append(
            t("Action taken / reason: {note}").format(note=html.escape(view.closing_note))
        )
    lines += _messages(view.messages, KIND, t)
    if view.is_open:
        lines.append(
            t(
                "To add information or answer a question, send it now as one message; "
                "/cancel to stop."
            )
        )
    return "\n".join(lines)


def line_text(line: ComplaintLine, t: Translate) -> str:
    """One complaint in the office's list."""
    who = line.investigator or t("nobody yet")
    return (
        f"#{line.id} [{line.case_ref}] {line.filed_on.isoformat()} · "
        f"{t(CATEGORY[line.category])} · {t(STATUS[line.status])}\n"
        f"{html.escape(line.concerns[:120])}\n"
        + t("Investigator: {who}").format(who=html.escape(who))
    )


def list_markup(
    lines: list[ComplaintLine], status: str, offset: int, total: int, page: int, t: Translate
) -> InlineKeyboardMarkup:
    """Open buttons for the listed complaints and paging."""
    rows = [
        [
            InlineKeyboardButton(
                t("Open #{id}").format(id=line.id), callback_data=f"cmp:open:{line.id}"
            )
        ]
        for line in lines
    ]
    nav = offset_nav(offset, page, total, lambda at: f"cmp:page:{status}:{at}", t)
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def complaint_text(view: ComplaintView, t: Translate) -> str:
    """Everything the office sees of one complaint."""
    line = view.line
    parts = [
        line_text(line, t),
        t("Concerns: {text}").format(text=html.escape(line.concerns)),
        t("What happened: {text}").format(text=html.escape(view.body)),
        t("Village: {name}").format(name=html.escape(view.village or "—")),
        t("About helper: {name}").format(name=html.escape(view.subject_helper or "—")),
        t("Pictures: {n}").format(n=len(view.attachments)),
    ]
    if view.outcome is not None:
        parts.append(t("Finding: {outcome}").format(outcome=t(OUTCOME[view.outcome])))
    if view.accountability:
        parts.append(t("Accountability: {text}").format(text=html.escape(view.accountability)))
    if view.resolution:
        parts.append(t("Dismissed because: {text}").format(text=html.escape(view.resolution)))
    parts += _messages(view.messages, OFFICE_KIND, t)
    parts += [
        t("Internal note by {who} ({day}): {text}").format(
            who=html.escape(n.author), day=n.on_day.isoformat(), text=html.escape(n.body)
        )
        for n in view.notes
    ]
    return "\n".join(parts)


def complaint_markup(view: ComplaintView, t: Translate) -> InlineKeyboardMarkup:
    """The office's actions on one complaint."""
    cid = view.line.id

    def button(label: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(t(label), callback_data=f"cmp:{action}:{cid}")

    rows = [[button(N_("📝 Internal note"), "note")]]
    if view.line.status in (ComplaintStatus.NEW, ComplaintStatus.INVESTIGATING):
        rows = [
            [button(N_("👤 Assign"), "assign"), button(N_("📝 Internal note"), "note")],
            [button(N_("💬 Reply"), "reply"), button(N_("❓ Ask reporter"), "ask")],
            [button(N_("🧑 About helper"), "subject"), button(N_("📍 Village"), "village")],
            [button(N_("✅ Resolve"), "resolve"), button(N_("🚫 Dismiss"), "dismiss")],
        ]
    if view.attachments:
        rows.append([button(N_("🖼 Pictures"), "pics")])
    return InlineKeyboardMarkup(rows)


def outcome_markup(complaint_id: int, t: Translate) -> InlineKeyboardMarkup:
    """Choose what the investigation found."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t(label), callback_data=f"cmp:out:{complaint_id}:{outcome}")]
            for outcome, label in OUTCOME.items()
        ]
    )
