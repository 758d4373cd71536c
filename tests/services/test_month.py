"""The save receipt and /myvisits read one rule, so they agree on every month."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.config import Settings
from bot.domain.visits import DraftLocation, DraftPhoto, VisitDraft
from bot.photos import GeoPoint, process_photo
from bot.photos.synthetic import camera_jpeg
from bot.runtime import rulebook_from
from bot.services.month import helper_month, matching
from bot.services.visits import save_visit
from storage.db import SessionFactory
from storage.models import Household
from storage.uow import UnitOfWork
from tests.factories import make_household, make_user, make_village

Uows = Callable[[], UnitOfWork]
HOME = (26.58, 106.71)


def _draft(settings: Settings, household_id: int, seed: int, at: datetime) -> VisitDraft:
    data = camera_jpeg(seed, (320, 240), gps=GeoPoint(*HOME), taken_at=at)
    facts, stored = process_photo(data, settings.data_dir, now=at)
    photo = DraftPhoto(facts=facts, stored=stored, forwarded=False, as_document=True, sent_at=at)
    location = DraftLocation(*HOME, 10.0, live=False, forwarded=False, sent_at=at)
    return VisitDraft(household_id, "x", location=location, photos=[photo])


async def test_receipt_and_month_agree_across_day_and_month_edges(
    sessions: SessionFactory, settings: Settings, uows: Uows
) -> None:
    async with sessions() as session, session.begin():
        village = await make_village(session)
        helper = await make_user(session)
        first = await make_household(session, village, "劉芳", helper=helper, home=HOME)
        second = await make_household(session, village, "陳明", helper=helper, home=HOME)
        (await session.get(Household, second.id)).visit_quota = 3  # type: ignore[union-attr]
    rules = rulebook_from(settings)
    # 31 October 23:30 and 23:50 in Shanghai (15:30 and 15:50 UTC): one day of October;
    # then 1 November 00:10 locally, still 31 October in UTC: November's.
    moments = [
        datetime(2026, 10, 31, 15, 30, tzinfo=UTC),
        datetime(2026, 10, 31, 15, 50, tzinfo=UTC),
        datetime(2026, 10, 31, 16, 10, tzinfo=UTC),
    ]
    receipts = []
    for seed, at in enumerate(moments):
        draft = _draft(settings, first.id, seed + 10, at)
        receipts.append(
            await save_visit(
                uows(),
                helper_id=helper.id,
                draft=draft,
                now=at + timedelta(minutes=1),
                rules=rules,
            )
        )
    assert [r.household.days for r in receipts] == [1, 1, 1]
    assert [r.month.period for r in receipts] == [202610, 202610, 202611]
    for receipt, at in zip(receipts, moments, strict=True):
        month = await helper_month(uows(), helper.id, at + timedelta(minutes=1), rules.visits)
        assert month == receipt.month  # /myvisits and the receipt: the same numbers
    october = receipts[1].month
    assert october.required == 2 + 3  # the second household carries its own quota
    assert october.done == 1
    line = october.household(second.id)
    assert line is not None and line.quota == 3 and line.days == 0
    # The search folds scripts: 刘芳 finds 劉芳.
    assert [h.head_name for h in matching(october, "刘")] == ["劉芳"]
