"""The archive search on both databases: copies are found, other photos are not, the cost in
queries does not grow with the archive and nothing of the archive stays in memory."""

from __future__ import annotations

import gc
import logging
import sqlite3
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from PIL import Image
from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.domain.visits import DraftLocation, DraftPhoto, VisitDraft
from bot.evidence import REUSE_DISTANCE
from bot.offload import Offload
from bot.photos import Fingerprint, GeoPoint, process_photo
from bot.photos.search_keys import fingerprint_chunks
from bot.photos.synthetic import camera_jpeg, make_scene
from bot.runtime import rulebook_from
from bot.services.archive_queue import ArchiveSearch
from bot.services.archive_search import (
    SearchRules,
    reindex,
    search_visit,
    within,
)
from bot.services.archive_worker import open_worker
from bot.services.housekeeping import _sweep
from bot.services.visits import save_visit
from storage.db import SessionFactory
from storage.models import Photo, PhotoHashChunk, PhotoWord, Visit, VisitFlag
from storage.uow import UnitOfWork
from tests.factories import make_household, make_user, make_village

Uows = Callable[[], UnitOfWork]

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
HOME = (26.58, 106.71)


def _photo(settings: Settings, image: Image.Image) -> DraftPhoto:
    data = camera_jpeg(0, gps=GeoPoint(*HOME), taken_at=NOW - timedelta(minutes=20), image=image)
    facts, stored = process_photo(data, settings.data_dir, now=NOW)
    return DraftPhoto(facts=facts, stored=stored, forwarded=False, as_document=False, sent_at=NOW)


def _cropped(image: Image.Image, share: float) -> Image.Image:
    w, h = image.size
    return image.crop((round(w * share), round(h * share), w, h))


async def _helper(sessions: SessionFactory, name: str, head: str) -> tuple[int, int]:
    async with sessions() as session, session.begin():
        village = await make_village(session)
        helper = await make_user(session, name)
        household = await make_household(session, village, head, helper=helper, home=HOME)
    return helper.id, household.id


async def _save(
    uows: Uows, settings: Settings, helper: tuple[int, int], image: Image.Image, token: str
) -> int:
    location = DraftLocation(*HOME, 10.0, live=False, forwarded=False, sent_at=NOW)
    draft = VisitDraft(
        helper[1], "x", location=location, photos=[_photo(settings, image)], token=token
    )
    saved = await save_visit(
        uows(), helper_id=helper[0], draft=draft, now=NOW, rules=rulebook_from(settings)
    )
    return saved.visit_id


def _rules(settings: Settings) -> SearchRules:
    return SearchRules(settings.data_dir, rulebook_from(settings).evidence)


async def _reuse_flags(sessions: SessionFactory, visit_id: int) -> list[dict[str, Any]]:
    async with sessions() as session:
        rows = await session.scalars(
            select(VisitFlag.numbers).where(
                VisitFlag.visit_id == visit_id,
                VisitFlag.kind.in_(["duplicate_photo", "near_duplicate_photo"]),
            )
        )
        return [dict(n) for n in rows]


async def _original_and_cropped_copy(
    sessions: SessionFactory, settings: Settings, uows: Uows
) -> tuple[int, int]:
    """Two helpers' visits: a photo, and later a 15 % crop of it; their ids."""
    scene = make_scene(41, (1024, 768))
    original = await _save(uows, settings, await _helper(sessions, "王建國", "李家"), scene, "a")
    copy = await _save(
        uows, settings, await _helper(sessions, "張三", "趙家"), _cropped(scene, 0.15), "b"
    )
    return original, copy


@pytest.mark.parametrize("where", ["in the bot", "in the worker process"])
async def test_a_cropped_copy_is_flagged_after_the_save_with_the_other_visit_named(
    sessions: SessionFactory, settings: Settings, uows: Uows, where: str
) -> None:
    original, copy = await _original_and_cropped_copy(sessions, settings, uows)
    # Nobody searched after the saves (no bot running): the catch-up does it later.
    # (Photos carry the real time they were stored at.)
    later = datetime.now(UTC) + timedelta(minutes=10)
    worker = None
    if where == "in the worker process":
        # As the bot runs it: the search, queries included, in a child with its own engine.
        setup = (settings.effective_database_url, _rules(settings), "WARNING")
        worker = Offload(setup=open_worker, setup_args=setup)
    search = ArchiveSearch(uows, _rules(settings), lambda: later, worker)
    try:
        assert await search.catch_up() == 2
        assert await _reuse_flags(sessions, original) == []
        (flag,) = await _reuse_flags(sessions, copy)
        assert flag["stage"] == "geometric" and flag["other_visit_id"] == original
        assert (flag["other_helper"], flag["other_household"]) == ("王建國", "李家")
        assert 20 <= flag["crop_percent"] <= 35 and flag["inliers"] >= 10
        async with sessions() as session:
            pending = await session.scalar(
                select(func.count()).select_from(Photo).where(Photo.searched_at.is_(None))
            )
        assert pending == 0
        assert await search.catch_up() == 0  # nothing left, nothing flagged twice
        assert len(await _reuse_flags(sessions, copy)) == 1
    finally:
        await search.close()


async def test_the_periodic_catch_up_queues_its_searches_and_returns(
    sessions: SessionFactory, settings: Settings, uows: Uows
) -> None:
    original, copy = await _original_and_cropped_copy(sessions, settings, uows)
    later = datetime.now(UTC) + timedelta(minutes=10)
    search = ArchiveSearch(uows, _rules(settings), lambda: later)
    # The job's round returns with both visits queued, not searched.
    assert await search.catch_up(wait=False) == 2
    assert search.pending() == 2
    await search.drain()
    assert search.pending() == 0
    (flag,) = await _reuse_flags(sessions, copy)
    assert flag["other_visit_id"] == original


@pytest.mark.parametrize("alteration", ["resized", "cropped"])
@pytest.mark.parametrize("original_searched_first", [True, False])
async def test_the_flag_goes_on_the_later_visit_whichever_search_runs_first(
    sessions: SessionFactory,
    settings: Settings,
    uows: Uows,
    alteration: str,
    original_searched_first: bool,
) -> None:
    # Two helpers save a picture at nearly the same instant: neither save sees the other, but
    # each search files its photos and commits before it looks, so the one that looks second
    # finds the first; either way the copy (saved later) carries the flag.
    scene = make_scene(42, (1024, 768))
    altered = scene.resize((800, 600)) if alteration == "resized" else _cropped(scene, 0.15)
    original = await _save(uows, settings, await _helper(sessions, "甲", "一家"), scene, "a")
    copy = await _save(uows, settings, await _helper(sessions, "乙", "二家"), altered, "b")
    rules = _rules(settings)
    order = [original, copy] if original_searched_first else [copy, original]
    for visit in order:
        await search_visit(uows, visit, rules, NOW)
    assert await _reuse_flags(sessions, original) == []
    (flag,) = await _reuse_flags(sessions, copy)
    assert flag["other_visit_id"] == original and flag["photo_index"] == 0
    assert (flag["other_helper"], flag["other_household"]) == ("甲", "一家")
    assert flag["stage"] == ("fingerprint" if alteration == "resized" else "geometric")
    for visit in order:  # a search run again (a retry, a second process) adds nothing
        assert await search_visit(uows, visit, rules, NOW) == 0
    assert len(await _reuse_flags(sessions, copy)) == 1


class _Locked:
    """A unit of work that fails as SQLite does when another writer holds the lock."""

    async def __aenter__(self) -> UnitOfWork:
        raise OperationalError(
            "INSERT INTO visit_flags (numbers) VALUES (?)",
            ({"other_helper": "甲"},),
            sqlite3.OperationalError("database is locked"),
        )

    async def __aexit__(self, *exc: object) -> None:
        return None


def _failing(uows: Uows, times: int) -> Uows:
    """Units of work whose first `times` fail on entry."""
    left = [times]

    def make() -> UnitOfWork:
        if left[0] > 0:
            left[0] -= 1
            return cast(UnitOfWork, _Locked())
        return uows()

    return make


async def test_a_failed_search_is_retried_soon_and_still_flags_the_later_visit(
    sessions: SessionFactory, settings: Settings, uows: Uows, caplog: pytest.LogCaptureFixture
) -> None:
    scene = make_scene(43, (1024, 768))
    original = await _save(uows, settings, await _helper(sessions, "甲", "一家"), scene, "a")
    copy = await _save(
        uows, settings, await _helper(sessions, "乙", "二家"), _cropped(scene, 0.15), "b"
    )
    rules = replace(_rules(settings), retry_delays=(0.05, 0.05))
    search = ArchiveSearch(_failing(uows, 1), rules, lambda: NOW)
    with caplog.at_level(logging.WARNING, logger="bot.services.archive_search"):
        # The original's search fails first; the copy's runs while it waits to try again and
        # cannot see the unfiled original; the retry finds the copy and flags it.
        search.schedule(original)
        search.schedule(copy)
        await search.drain()
    assert await _reuse_flags(sessions, original) == []
    (flag,) = await _reuse_flags(sessions, copy)
    assert flag["other_visit_id"] == original and flag["other_helper"] == "甲"
    (warning,) = [r.getMessage() for r in caplog.records]
    assert f"visit {original} failed (attempt 1)" in warning and "database is locked" in warning
    assert "甲" not in warning  # the statement's parameters (people's names) are left out
    async with sessions() as session:
        left = await session.scalar(
            select(func.count()).select_from(Photo).where(Photo.searched_at.is_(None))
        )
    assert left == 0


async def test_a_search_that_keeps_failing_leaves_a_trace_and_the_catch_up_finishes_it(
    sessions: SessionFactory, settings: Settings, uows: Uows, caplog: pytest.LogCaptureFixture
) -> None:
    scene = make_scene(44, (1024, 768))
    original = await _save(uows, settings, await _helper(sessions, "甲", "一家"), scene, "a")
    await search_visit(uows, original, _rules(settings), NOW)
    copy = await _save(
        uows, settings, await _helper(sessions, "乙", "二家"), _cropped(scene, 0.15), "b"
    )
    rules = replace(_rules(settings), retry_delays=(0.01,))
    with caplog.at_level(logging.WARNING, logger="bot.services.archive_search"):
        failing = ArchiveSearch(_failing(uows, 2), rules, lambda: NOW)
        failing.schedule(copy)
        await failing.drain()
    assert await _reuse_flags(sessions, copy) == []
    levels = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert [level for level, _ in levels] == [logging.WARNING, logging.ERROR]
    assert f"visit {copy} failed 2 time(s)" in levels[1][1] and "乙" not in levels[1][1]
    later = datetime.now(UTC) + timedelta(minutes=10)
    assert await ArchiveSearch(uows, rules, lambda: later).catch_up() == 1
    assert [f["other_visit_id"] for f in await _reuse_flags(sessions, copy)] == [original]


async def test_different_pictures_are_not_flagged(
    sessions: SessionFactory, settings: Settings, uows: Uows
) -> None:
    rules = _rules(settings)
    visits = []
    for seed in (51, 52, 53):
        helper = await _helper(sessions, f"幫扶{seed}", f"戶{seed}")
        visit = await _save(uows, settings, helper, make_scene(seed, (800, 600)), str(seed))
        await search_visit(uows, visit, rules, NOW)
        visits.append(visit)
    for visit in visits:
        assert await _reuse_flags(sessions, visit) == []


async def _grow_archive(sessions: SessionFactory, photos: int) -> None:
    """File many more photos in the index, as a large archive would have them."""
    async with sessions() as session, session.begin():
        village = await make_village(session)
        helper = await make_user(session, "檔案")
        household = await make_household(session, village, "舊戶", helper=helper, home=HOME)
        visit = Visit(
            household_id=household.id,
            helper_id=helper.id,
            visited_at=NOW - timedelta(days=40),
            period=202610,
            local_day=(NOW - timedelta(days=40)).date(),
            idempotency_key="archive",
        )
        session.add(visit)
        await session.flush()
        result = await session.execute(
            insert(Photo).returning(Photo.id),
            [
                {
                    "visit_id": visit.id,
                    "sha256": f"{i:064x}",
                    "phash": f"{i * 7919:016x}"[-16:],
                    "fingerprint": f"{i * 7919:016x}"[-16:] + ":" + f"{i * 104729:016x}"[-16:],
                    "format": "JPEG",
                    "width": 1,
                    "height": 1,
                    "size_bytes": 1,
                    "file_path": f"photos/none/{i}.jpg",
                    "thumb_path": f"photos/none/{i}.t.jpg",
                    "searched_at": NOW,
                    "created_at": NOW,
                }
                for i in range(photos)
            ],
        )
        ids = list(result.scalars())
        words = [{"word": (i * 2654435761) % (1 << 24), "photo_id": i} for i in ids]
        await session.execute(insert(PhotoWord), words)


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement the engine sends while the test runs."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_search_cost_and_memory_do_not_grow_with_the_archive(
    sessions: SessionFactory, settings: Settings, uows: Uows, statements: list[str]
) -> None:
    rules = _rules(settings)
    helper = await _helper(sessions, "丙", "三家")
    small = await _save(uows, settings, helper, make_scene(61, (800, 600)), "a")
    statements.clear()
    await search_visit(uows, small, rules, NOW)
    with_few = len(statements)
    await _grow_archive(sessions, 3000)
    large = await _save(uows, settings, helper, make_scene(62, (800, 600)), "b")
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        statements.clear()
        await search_visit(uows, large, rules, NOW)
        with_many = len(statements)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert with_many == with_few
    # The in-memory index this replaced kept ~900 bytes per photo: 2.7 MB for these.
    assert kept < 500_000


async def test_reindex_files_older_photos_in_batches_and_resumes(
    sessions: SessionFactory, settings: Settings, uows: Uows
) -> None:
    scene = make_scene(71, (800, 600))
    helper = await _helper(sessions, "丁", "四家")
    old = [
        await _save(uows, settings, helper, image, token)
        for token, image in (("a", scene), ("b", make_scene(72, (800, 600))))
    ]
    async with sessions() as session, session.begin():
        # As before the index existed: nothing filed.
        await session.execute(delete(PhotoHashChunk))
    seen: list[tuple[int, int]] = []
    assert await reindex(uows, settings.data_dir, NOW, batch=1, progress=lambda *p: seen.append(p))
    assert seen == [(1, 2), (2, 2)]
    assert await reindex(uows, settings.data_dir, NOW) == 0  # resumable: nothing left
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(PhotoWord)) > 0
        filed = await session.scalar(select(func.count(func.distinct(PhotoHashChunk.photo_id))))
    assert filed == 2
    copy = await _save(
        uows, settings, await _helper(sessions, "戊", "五家"), _cropped(scene, 0.2), "c"
    )
    await search_visit(uows, copy, _rules(settings), NOW)
    assert [f["other_visit_id"] for f in await _reuse_flags(sessions, copy)] == [old[0]]


def test_the_photo_sweep_keeps_features_while_their_original_is_kept(tmp_path: Path) -> None:
    kept = tmp_path / "photos" / "ab" / "cd"
    kept.mkdir(parents=True)
    for name in ("abcd1.jpg", "abcd1.lf", "abcd1.ld", "abcd2.lf", "abcd2.ld"):
        (kept / name).write_bytes(b"x")
    deleted, _ = _sweep(tmp_path, {"photos/ab/cd/abcd1.jpg"}, older_than=time.time() + 60)
    assert deleted == 2
    assert sorted(p.name for p in kept.iterdir()) == ["abcd1.jpg", "abcd1.ld", "abcd1.lf"]


async def test_the_fingerprint_lookup_joins_only_the_photos_the_rule_can_flag(
    sessions: SessionFactory, uows: Uows
) -> None:
    base = Fingerprint("0123456789abcdef", "fedcba9876543210")
    near = Fingerprint("0123456789abcdee", "fedcba9876543211")  # 1 bit off in each hash
    # The lowest 16 bits of each hash shared, everything else inverted: a chunk in common,
    # far beyond the rule's distance.
    far = Fingerprint("fedcba987654cdef", "0123456789ab3210")
    unrelated = Fingerprint("5555555555555555", "aaaaaaaaaaaaaaaa")
    helper = await _helper(sessions, "丁", "四家")
    async with sessions() as session, session.begin():
        visit = Visit(
            household_id=helper[1],
            helper_id=helper[0],
            visited_at=NOW,
            period=202611,
            local_day=NOW.date(),
            idempotency_key="lookup",
        )
        session.add(visit)
        await session.flush()
        stored = {"near": (near, "1"), "far": (far, "2"), "same bytes": (unrelated, "query")}
        ids: dict[str, int] = {}
        for name, (fp, sha) in stored.items():
            photo = Photo(
                visit_id=visit.id,
                sha256=sha.ljust(64, "0"),
                phash=fp.phash,
                fingerprint=fp.encode(),
                format="JPEG",
                width=1,
                height=1,
                size_bytes=1,
                file_path=f"photos/{name}.jpg",
                thumb_path=f"photos/{name}.t.jpg",
                created_at=NOW,
            )
            session.add(photo)
            await session.flush()
            ids[name] = photo.id
    async with uows() as uow:
        for name, (fp, _) in stored.items():
            await uow.photo_search.add_chunks(ids[name], fingerprint_chunks(fp))
        await uow.commit()
    sha = "query".ljust(64, "0")
    async with uows() as uow:
        every = await uow.photo_search.by_fingerprint(sha, fingerprint_chunks(base), None)
        kept = await uow.photo_search.by_fingerprint(
            sha, fingerprint_chunks(base), None, within(sha, base, REUSE_DISTANCE)
        )
    assert {r.photo_id for r in every} == set(ids.values())
    assert {r.photo_id for r in kept} == {ids["near"], ids["same bytes"]}
    assert {r.helper_name for r in kept} == {"丁"}
