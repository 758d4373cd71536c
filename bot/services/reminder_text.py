"""The words of the reminders, in each recipient's language (HTML for the Bot API)."""

from __future__ import annotations

import asyncio
import calendar
import html
from datetime import date

from bot.digest_chart import shortfall_chart
from bot.domain.quota import HouseholdMonth, period_label
from bot.domain.reminders import Stage, Standing
from bot.i18n import N_, Translate, pick_language, translator
from bot.services.reminders import Button, Digest, Messenger, Outgoing

MAX_BUTTONS = 12
MAX_LINES = 40
CAPTION_LIMIT = 1024

STAGE_NAMES = {
    Stage.GENTLE: N_("gentle"),
    Stage.FIRM: N_("firm"),
    Stage.URGENT: N_("urgent"),
    Stage.DIGEST: N_("digest"),
}


def _short_lines(short: tuple[HouseholdMonth, ...]) -> list[str]:
    return [
        f"⏳ {html.escape(h.head_name)} · {html.escape(h.village)}: {h.days}/{h.quota}"
        for h in short
        if not h.met
    ]


class ReminderTexts:
    """Builds each stage's message for a recipient, in their language or the default."""

    def __init__(self, default_language: str, today: date) -> None:
        self.default_language = default_language
        self.today = today

    def translator_for(self, language: str | None) -> Translate:
        """The recipient's translator."""
        return translator(pick_language(language, None, self.default_language))

    def helper(self, stage: Stage, standing: Standing, messenger: Messenger) -> Outgoing:
        """One message for a helper listing every household still short."""
        assert standing.telegram_id is not None
        t = self.translator_for(standing.language)
        month = standing.totals
        label = period_label(month.period)
        if stage == Stage.GENTLE:
            head = t(
                "<b>{month}</b>: a friendly reminder. {done} of {total} visits are done so "
                "far; these households still need theirs:"
            )
        elif stage == Stage.FIRM:
            head = t(
                "<b>{month}</b>: {short} visits are still missing. Please visit these "
                "households soon:"
            )
        else:
            head = t(
                "<b>{month}</b> ends in {days} days and {short} visits are still missing. "
                "Tap a household to log its visit:"
            )
        last = calendar.monthrange(self.today.year, self.today.month)[1]
        text = head.format(
            month=label,
            done=month.done,
            total=month.required,
            short=month.short,
            days=max(1, last - self.today.day + 1),
        )
        buttons: list[Button] = []
        if stage == Stage.URGENT:
            for h in standing.short:
                link = messenger.visit_link(h.household_id)
                if not h.met and link is not None and len(buttons) < MAX_BUTTONS:
                    buttons.append(
                        Button(t("📍 Log visit: {name}").format(name=h.head_name), link)
                    )
        lines = _short_lines(standing.short)
        return Outgoing(standing.telegram_id, "\n".join([text, *lines]), tuple(buttons))

    async def digest(self, digest: Digest, chat_id: int, language: str | None) -> Outgoing:
        """The office digest: a chart of who missed and by how much, the names in the caption."""
        t = self.translator_for(language)
        label = period_label(digest.period)
        lines = [
            t("<b>{month}</b>: {missed} of {helpers} helpers missed the visit quota.").format(
                month=label, missed=len(digest.missed), helpers=digest.helpers
            )
        ]
        lines += [
            t("{name}: {short} visits short").format(
                name=html.escape(s.name), short=s.totals.short
            )
            for s in digest.missed[:MAX_LINES]
        ]
        if len(digest.missed) > MAX_LINES:
            lines.append(t("… and {count} more").format(count=len(digest.missed) - MAX_LINES))
        if digest.unreachable:
            names = ", ".join(html.escape(s.name) for s in digest.unreachable[:MAX_LINES])
            lines.append(t("Could not be reached: {names}").format(names=names))
        text = "\n".join(lines)
        if not digest.missed:
            return Outgoing(chat_id, text)
        photo = await asyncio.to_thread(
            shortfall_chart,
            [(s.name, s.totals.short) for s in digest.missed],
            t("Visits short in {month}").format(month=label),
            t("visits short"),
        )
        # A caption holds 1024 characters; a long digest goes as a plain message instead.
        return Outgoing(chat_id, text, photo=photo if len(text) <= CAPTION_LIMIT else None)
