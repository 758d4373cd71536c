"""The scheduler's work, the same in the running bot and in `bangfu reminders`.

A tick asks the schedule which stages are due now and runs them; every nudge is claimed in
the database before it is sent, so ticks may repeat, overlap or run in two processes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.domain.reminders import ReminderRules, Stage, due_stages, is_quiet, stage_period
from bot.services.housekeeping import HousekeepingReport, housekeeping
from bot.services.reminder_text import ReminderTexts
from bot.services.reminders import (
    STALE_CLAIM,
    Messenger,
    StageReport,
    UowFactory,
    deliver,
    plan_stage,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChoreRules:
    """Housekeeping: how old an unreferenced photo file must be before it is deleted."""

    data_dir: Path
    photo_age: timedelta
    hour: int


class ReminderService:
    """Runs reminder stages and housekeeping against one database and one messenger."""

    def __init__(
        self,
        uows: UowFactory,
        messenger: Messenger,
        rules: ReminderRules,
        *,
        default_quota: int,
        default_language: str,
        chores: ChoreRules,
        clock: Callable[[], datetime],
        stale_after: timedelta = STALE_CLAIM,
    ) -> None:
        self.uows = uows
        self.messenger = messenger
        self.rules = rules
        self.default_quota = default_quota
        self.default_language = default_language
        self.chores = chores
        self.clock = clock
        self.stale_after = stale_after
        # Ticks of one process take turns; other processes are kept apart by the claims.
        self._lock = asyncio.Lock()

    def today(self) -> date:
        """The bureau's local date now."""
        return self.clock().astimezone(self.rules.tz).date()

    def quiet_now(self) -> bool:
        """Whether now is inside the quiet hours."""
        return is_quiet(self.clock(), self.rules)

    async def run_stage(self, stage: Stage) -> StageReport:
        """Send a stage for today's month (the digest: last month) to whoever it is due."""
        today = self.today()
        period = stage_period(stage, today)
        texts = ReminderTexts(self.default_language, today)
        targets = await plan_stage(
            self.uows,
            self.messenger,
            stage,
            period,
            today,
            self.default_quota,
            texts.helper,
            texts.digest,
        )
        report = await deliver(
            self.uows,
            self.messenger,
            stage,
            period,
            targets,
            self.clock,
            stale_after=self.stale_after,
        )
        log.info(
            "reminder stage %s for %s: %d sent, %d skipped, %d failed, %d blocked, "
            "%d not signed up",
            stage.value,
            period,
            report.sent,
            report.skipped,
            report.failed,
            report.blocked,
            report.not_signed_up,
        )
        return report

    async def tick(self) -> list[StageReport]:
        """Run every stage due now (nothing in quiet hours, nothing twice)."""
        async with self._lock:
            due = due_stages(self.clock(), self.rules)
            return [await self.run_stage(stage) for stage, _ in due]

    async def housekeeping(self) -> HousekeepingReport:
        """Delete orphaned photo files and expired invites, and log the counts."""
        report = await housekeeping(
            self.uows(), self.chores.data_dir, self.clock(), self.chores.photo_age
        )
        log.info(
            "housekeeping: %d photo files deleted (%d bytes), %d expired invites purged",
            report.photos_deleted,
            report.bytes_freed,
            report.invites_purged,
        )
        return report
