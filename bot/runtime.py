"""What every handler and job needs at hand: settings, units of work, rules, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.domain.appraisal import AppraisalRules, parse_thresholds, parse_weights
from bot.domain.households import CaseRules
from bot.domain.visits import VisitRules
from bot.evidence import EvidenceRules
from bot.offload import Offload
from bot.services.archive_queue import ArchiveSearch
from bot.services.archive_search import SearchRules
from bot.services.archive_worker import open_worker
from bot.services.visits import VisitRulebook
from storage.db import SessionFactory, create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import UnitOfWork


def _utcnow() -> datetime:
    return datetime.now(UTC)


def rulebook_from(settings: Settings) -> VisitRulebook:
    """The visit and evidence rules of the deployment's settings."""
    return VisitRulebook(
        visits=VisitRules(
            tz=settings.tz, late_days=settings.late_days, default_quota=settings.visit_quota
        ),
        evidence=EvidenceRules(
            max_distance_m=settings.max_distance_m,
            max_photo_age=timedelta(hours=settings.max_photo_age_hours),
            max_accuracy_m=settings.max_accuracy_m,
            max_speed_kmh=settings.max_speed_kmh,
            near_duplicate_distance=settings.near_duplicate_distance,
        ),
    )


def case_rules_from(settings: Settings) -> CaseRules:
    """The exit standard, the watch and the configured lists of the deployment's settings."""
    return CaseRules(
        income_line=settings.income_line,
        monitoring_line=settings.monitoring_line,
        months_between=settings.exit_months,
        policies=settings.policies,
        assistance_types=settings.assistance_types,
    )


def appraisal_rules_from(settings: Settings) -> AppraisalRules:
    """The appraisal weights, grade thresholds, penalties and rectification deadline."""
    return AppraisalRules(
        weights=parse_weights(settings.appraisal_weights),
        thresholds=parse_thresholds(settings.appraisal_grades),
        flag_penalty=settings.appraisal_flag_penalty,
        complaint_penalty=settings.appraisal_complaint_penalty,
        rectification_days=settings.rectification_days,
    )


@dataclass
class Runtime:
    """The application's shared services, built once by the composition root."""

    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    clock: Callable[[], datetime] = field(default=_utcnow)
    rules: VisitRulebook = field(init=False)
    cases: CaseRules = field(init=False)
    appraisal: AppraisalRules = field(init=False)
    archive: ArchiveSearch = field(init=False)
    # Set once the database is migrated and the caches are warm (see bot.app.prepare).
    prepared: bool = False

    def __post_init__(self) -> None:
        self.rules = rulebook_from(self.settings)
        self.cases = case_rules_from(self.settings)
        self.appraisal = appraisal_rules_from(self.settings)
        search = SearchRules(self.settings.data_dir, self.rules.evidence)
        worker = None
        if self.settings.archive_search == "process":
            worker = Offload(
                setup=open_worker,
                setup_args=(
                    self.settings.effective_database_url,
                    search,
                    self.settings.log_level,
                ),
            )
        self.archive = ArchiveSearch(self.uow, search, self.now, worker)

    def now(self) -> datetime:
        """Current time in UTC (a fixed clock in tests)."""
        return self.clock()

    def uow(self) -> UnitOfWork:
        """A new unit of work on the application's database."""
        return UnitOfWork(self.sessions)


def build_runtime(settings: Settings) -> Runtime:
    """Engine and sessions for the configured database (no connection is opened yet)."""
    engine = create_engine(settings.effective_database_url)
    return Runtime(settings=settings, engine=engine, sessions=session_factory(engine))


async def migrate(runtime: Runtime) -> None:
    """Create or upgrade every table (local days are derived in the bureau's time zone)."""
    await upgrade(runtime.engine, timezone=runtime.settings.timezone)
