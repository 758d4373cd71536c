"""The archive search: is a saved photo a copy of a photo of another visit, by any helper?

Two stages, both against the index in the database (shared by every process, nothing held in
memory): the fingerprint stage looks up the photo's fingerprint chunks and lets the full
crop-tolerant distance decide; the geometric stage looks up the visual words of its local
features and verifies the few photos sharing most words on their pixels.

The fingerprint stage also runs inside the save itself (`fingerprint_priors`), as fast as the
old in-memory scan was. Everything else runs after the visit has committed, in a background
task of the bot (`ArchiveSearch.schedule`), and again from a periodic catch-up for visits
saved while no bot ran or whose search failed (`photos.searched_at` is NULL until it is done).
Each search files its own photos and commits BEFORE it looks: of two helpers saving the same
picture at the same instant, the one whose photos were filed second searches after the other's
were committed, and so finds them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image

from bot.domain.vocabulary import FlagKind
from bot.evidence import (
    EvidenceRules,
    Flag,
    PhotoEvidence,
    PriorPhoto,
    VisitEvidence,
    geometric_reuse_flag,
    prior_names,
    reuse_flags,
)
from bot.evidence.geometric import GeometricMatch, verify
from bot.photos import Fingerprint, near_duplicate_distance
from bot.photos.feature_store import load_picture, query_descriptors, stored_features
from bot.photos.search_keys import (
    QUERY_DESCRIPTORS,
    STORED_DESCRIPTORS,
    descriptor_words,
    fingerprint_chunks,
)
from bot.services.visit_records import flag_rows
from storage.queries.photo_search import ArchivePhoto, PendingPhoto
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

UnitsOfWork = Callable[[], UnitOfWork]
_REUSE_KINDS = frozenset({str(FlagKind.DUPLICATE_PHOTO), str(FlagKind.NEAR_DUPLICATE_PHOTO)})


@dataclass(frozen=True)
class SearchRules:
    """What the search after the save needs: where the photos are, and how hard to look."""

    data_dir: Path
    evidence: EvidenceRules
    # Photos sharing most words that are verified on their pixels, per photo searched.
    candidates: int = 8
    # A visit saved this long ago and still not searched is the catch-up's to do.
    grace: timedelta = timedelta(minutes=2)
    batch: int = 50


def prior_of(row: ArchivePhoto) -> PriorPhoto:
    """A stored photo of the archive as the evidence rules see it."""
    fp = Fingerprint.parse(row.fingerprint)
    return PriorPhoto(
        sha256=row.sha256,
        phash=fp.phash,
        visit_id=row.visit_id,
        helper_id=row.helper_id,
        household_id=row.household_id,
        dhash=fp.dhash,
        centre_phash=fp.centre_phash,
        centre_dhash=fp.centre_dhash,
        local_day=row.local_day,
        helper_name=row.helper_name,
        household_name=row.household_name,
    )


def within(sha256: str, fingerprint: Fingerprint, distance: int) -> Callable[[str, str], bool]:
    """Whether a stored photo (sha256, encoded fingerprint) is the same file as this one or
    within the evidence rule's fingerprint distance of it: the only priors the rule flags."""

    def keep(other_sha256: str, other: str) -> bool:
        if other_sha256 == sha256:
            return True
        return near_duplicate_distance(fingerprint, Fingerprint.parse(other)) <= distance

    return keep


async def fingerprint_priors(
    uow: UnitOfWork,
    sha256: str,
    fingerprint: Fingerprint,
    exclude_visit: int | None = None,
    distance: int | None = None,
) -> list[PriorPhoto]:
    """Stored photos with the same bytes or a shared fingerprint chunk; with `distance`,
    only those the reuse rule can flag (same bytes, or a fingerprint that near)."""
    keep = None if distance is None else within(sha256, fingerprint, distance)
    rows = await uow.photo_search.by_fingerprint(
        sha256, fingerprint_chunks(fingerprint), exclude_visit, keep
    )
    return [prior_of(row) for row in rows]


@dataclass
class _Probe:
    """One photo of the visit on its way through the search."""

    index: int
    photo: PendingPhoto
    words: list[int]
    query_words: list[int]
    picture: Image.Image | None = None
    candidates: Sequence[ArchivePhoto] = ()


def _read_photo(rules: SearchRules, probe: _Probe) -> None:
    """Decode the photo, store its features if new, and compute its words (blocking)."""
    picture = load_picture(rules.data_dir, probe.photo.file_path)
    probe.picture = picture
    if picture is None:
        return
    stored = stored_features(rules.data_dir, probe.photo.file_path, picture)
    if stored is not None:
        probe.words = descriptor_words(stored.descriptors, STORED_DESCRIPTORS)
    words: set[int] = set()
    for features in query_descriptors(picture):
        words.update(descriptor_words(features.descriptors, QUERY_DESCRIPTORS))
    probe.query_words = sorted(words)


def _verify_first(
    rules: SearchRules, probe: _Probe, priors: dict[int, PriorPhoto]
) -> tuple[PriorPhoto, GeometricMatch] | None:
    """The first candidate (most shared words first) that verifies as the same picture."""
    if probe.picture is None:
        return None
    mine = stored_features(rules.data_dir, probe.photo.file_path, probe.picture)
    if mine is None:
        return None
    for row in probe.candidates:
        picture = load_picture(rules.data_dir, row.file_path)
        if picture is None:
            continue
        theirs = stored_features(rules.data_dir, row.file_path, picture)
        if theirs is None:
            continue
        match = verify(theirs, mine, picture, probe.picture)
        if match is not None:
            return priors[row.photo_id], match
    return None


async def search_visit(uows: UnitsOfWork, visit_id: int, rules: SearchRules, now: datetime) -> int:
    """File a saved visit's photos in the index, search the archive, flag copies; how many."""
    async with uows() as uow:
        photos = await uow.photo_search.of_visit(visit_id)
    probes = [_Probe(i, p, [], []) for i, p in enumerate(photos)]
    for probe in probes:
        await asyncio.to_thread(_read_photo, rules, probe)
    async with uows() as uow:
        for probe in probes:
            photo = probe.photo
            await uow.photo_search.add_chunks(
                photo.photo_id, fingerprint_chunks(Fingerprint.parse(photo.fingerprint))
            )
            await uow.photo_search.add_words(photo.photo_id, probe.words)
        await uow.photo_search.mark_indexed([p.photo_id for p in photos], now)
        await uow.commit()
    # Filed and committed: from here on a concurrent save of the same picture sees ours.
    async with uows() as uow:
        flagged = {
            int(numbers.get("photo_index", -1))
            for kind, _, numbers in await uow.visits.flags_of(visit_id)
            if kind in _REUSE_KINDS
        }
        todo = [p for p in probes if p.index not in flagged]
        priors: dict[int, PriorPhoto] = {}
        for probe in todo:
            photo = probe.photo
            fingerprint = Fingerprint.parse(photo.fingerprint)
            for row in await uow.photo_search.by_fingerprint(
                photo.sha256,
                fingerprint_chunks(fingerprint),
                visit_id,
                within(photo.sha256, fingerprint, rules.evidence.near_duplicate_distance),
            ):
                priors[row.photo_id] = prior_of(row)
        by_fingerprint = _fingerprint_flags(photos, list(priors.values()), rules, visit_id, now)
        done = {int(f.numbers["photo_index"]) for f in by_fingerprint}
        seen: dict[int, PriorPhoto] = {}
        for probe in todo:
            if probe.index in done or not probe.query_words:
                continue
            ids = await uow.photo_search.by_words(
                probe.query_words, rules.candidates + len(photos), min_hits=1
            )
            rows = {r.photo_id: r for r in await uow.photo_search.archive_photos(ids)}
            probe.candidates = [
                rows[i] for i in ids if i in rows and rows[i].visit_id != visit_id
            ][: rules.candidates]
            seen.update((r.photo_id, prior_of(r)) for r in probe.candidates)
    flags = [f for f in by_fingerprint if int(f.numbers["photo_index"]) not in flagged]
    for probe in todo:
        if probe.index in done or not probe.candidates:
            continue
        found = await asyncio.to_thread(_verify_first, rules, probe, seen)
        if found is not None:
            prior, match = found
            flag = geometric_reuse_flag(probe.index, prior, match)
            # Named, so the office reads who used the picture where and when.
            flags.append(Flag(flag.kind, flag.reason, {**flag.numbers, **prior_names(prior)}))
    async with uows() as uow:
        uow.visits.add_evidence([], flag_rows(visit_id, flags))
        await uow.photo_search.mark_searched([p.photo_id for p in photos], now)
        await uow.commit()
    return len(flags)


def _fingerprint_flags(
    photos: Sequence[PendingPhoto],
    priors: list[PriorPhoto],
    rules: SearchRules,
    visit_id: int,
    now: datetime,
) -> list[Flag]:
    """The reuse flags the evidence rules raise for stored photos against these priors."""
    evidence = VisitEvidence(
        visited_at=now,
        home=None,
        location=None,
        photos=[
            PhotoEvidence.from_stored(p.sha256, Fingerprint.parse(p.fingerprint)) for p in photos
        ],
        prior_photos=priors,
        neighbours=[],
        visit_id=visit_id,
    )
    return reuse_flags(evidence, rules.evidence)


class ArchiveSearch:
    """Runs the search after each save in the background, and catches up on missed ones."""

    def __init__(
        self, uows: UnitsOfWork, rules: SearchRules, clock: Callable[[], datetime]
    ) -> None:
        self._uows = uows
        self._rules = rules
        self._clock = clock
        self._tasks: set[asyncio.Task[None]] = set()
        self._running: set[int] = set()
        # Verification is CPU work: one search at a time keeps the bot responsive.
        self._one = asyncio.Lock()

    def schedule(self, visit_id: int) -> None:
        """Search for a just-committed visit's photos soon, without making anyone wait."""
        task = asyncio.get_running_loop().create_task(self._run(visit_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, visit_id: int) -> None:
        if visit_id in self._running:
            return
        self._running.add(visit_id)
        try:
            async with self._one:
                await search_visit(self._uows, visit_id, self._rules, self._clock())
        except Exception:
            # The photos stay unsearched, so the catch-up tries again later.
            log.exception("archive search of visit %s failed", visit_id)
        finally:
            self._running.discard(visit_id)

    async def catch_up(self) -> int:
        """Search visits saved a while ago whose search never ran or failed; how many."""
        before = self._clock() - self._rules.grace
        async with self._uows() as uow:
            visits = await uow.photo_search.unsearched_visits(before, self._rules.batch)
        for visit_id in visits:
            await self._run(visit_id)
        return len(visits)

    async def drain(self) -> None:
        """Wait for the searches in flight (at shutdown, and in tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def _stored_words(data_dir: Path, photo: PendingPhoto) -> list[int]:
    """The words a stored photo is filed under (its features stored if new); blocking."""
    features = stored_features(data_dir, photo.file_path)
    if features is None:
        return []
    return descriptor_words(features.descriptors, STORED_DESCRIPTORS)


async def reindex(
    uows: UnitsOfWork,
    data_dir: Path,
    now: datetime,
    *,
    batch: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """File photos stored before the index existed, a batch per transaction; how many.

    Resumable: each batch commits with the photos marked indexed, so a rerun goes on where
    an interrupted one stopped. Nothing is flagged: these photos were compared with the
    archive when they were saved.
    """
    async with uows() as uow:
        total = await uow.photo_search.count_unindexed()
    done = after = 0
    while True:
        async with uows() as uow:
            photos = await uow.photo_search.unindexed(after, batch)
        if not photos:
            return done
        words = [await asyncio.to_thread(_stored_words, data_dir, p) for p in photos]
        async with uows() as uow:
            for photo, filed in zip(photos, words, strict=True):
                chunks = fingerprint_chunks(Fingerprint.parse(photo.fingerprint))
                await uow.photo_search.add_chunks(photo.photo_id, chunks)
                await uow.photo_search.add_words(photo.photo_id, filed)
            await uow.photo_search.mark_indexed([p.photo_id for p in photos], now)
            await uow.commit()
        after = photos[-1].photo_id
        done += len(photos)
        if progress is not None:
            progress(done, total)
