"""Use-case rules on a fake unit of work: no database, so these run in milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import NoPhoto, NotAllowed, NotPaired
from bot.domain.people import Actor, Scope
from bot.domain.review import OpenFlag
from bot.domain.visits import VisitDraft, VisitRules
from bot.domain.vocabulary import FlagKind, Role
from bot.evidence import EvidenceRules
from bot.services.month import helper_month
from bot.services.review import open_flags
from bot.services.visits import VisitRulebook, open_draft, save_visit
from storage.models import Visit
from storage.queries.households import PairedRow
from storage.uow import UnitOfWork
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
RULES = VisitRules(tz=ZoneInfo("Asia/Shanghai"), late_days=3, default_quota=2)


def _uow(fake: FakeUnitOfWork) -> UnitOfWork:
    return cast(UnitOfWork, fake)


async def test_month_applies_quota_overrides_and_caps() -> None:
    fake = FakeUnitOfWork()
    fake.households.rows = [
        PairedRow(1, "甲", "東村", None, 3),
        PairedRow(2, "乙", "東村", 4, 1),
    ]
    month = await helper_month(_uow(fake), 7, NOW, RULES)
    assert [(h.quota, h.days, h.counted) for h in month.households] == [(2, 3, 2), (4, 1, 1)]
    assert (month.done, month.required, month.period) == (3, 6, 202611)


async def test_a_draft_needs_a_pairing() -> None:
    with pytest.raises(NotPaired):
        await open_draft(_uow(FakeUnitOfWork()), 7, 99)


async def test_saving_needs_a_photo_and_stores_nothing_without_one() -> None:
    fake = FakeUnitOfWork()
    rules = VisitRulebook(visits=RULES, evidence=EvidenceRules())
    with pytest.raises(NoPhoto):
        await save_visit(
            _uow(fake),
            helper_id=7,
            draft=VisitDraft(1, "甲"),
            now=NOW,
            rules=rules,
        )
    assert fake.commits == 0


async def test_a_repeated_confirmation_reports_the_stored_visit() -> None:
    fake = FakeUnitOfWork()
    fake.households.rows = [PairedRow(1, "甲", "東村", None, 1)]
    draft = VisitDraft(1, "甲", token="abc")
    fake.visits.by_keys["visit:7:abc"] = Visit(
        id=5, household_id=1, helper_id=7, visited_at=NOW, period=202611, late=False
    )
    rules = VisitRulebook(visits=RULES, evidence=EvidenceRules())
    saved = await save_visit(_uow(fake), helper_id=7, draft=draft, now=NOW, rules=rules)
    assert not saved.created and saved.visit_id == 5 and saved.household.days == 1
    assert fake.commits == 0  # nothing new to store


def _flag(flag_id: int) -> OpenFlag:
    return OpenFlag(flag_id, FlagKind.FAR_FROM_HOME, "x", {}, 1, NOW, "甲", 1, "乙", "東村", False)


async def test_flags_are_read_within_scope_and_only_by_admins() -> None:
    fake = FakeUnitOfWork()
    fake.review.flags = [("/1/2/3/", _flag(1)), ("/1/4/5/", _flag(2))]
    township = Actor(id=1, name="辦", role=Role.OFFICE, scope=Scope(org_path="/1/2/"))
    page = await open_flags(_uow(fake), township)
    assert [f.flag_id for f in page.flags] == [1] and page.total == 1
    with pytest.raises(NotAllowed):
        await open_flags(_uow(fake), Actor(id=2, name="幫", role=Role.HELPER))
