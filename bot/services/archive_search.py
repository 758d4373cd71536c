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
from bot.evidence.geometric import GeometricMatch
from bot.photos import Fingerprint, near_duplicate_distance
from bot.photos.search_keys import fingerprint_chunks
from bot.services.archive_work import Candidate, read_words, stored_words, verify_candidates
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
    # A failed search tries again after each of these pauses (seconds), then it is left to
    # the catch-up: a lock held a moment too long must not delay a flag by minutes.
    retry_delays: tuple[float, ...] = (2.0, 5.0, 15.0, 30.0)


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
    candidates: Sequence[ArchivePhoto] = ()


def _earlier(row: ArchivePhoto, than: ArchivePhoto) -> bool:
    """Whether `row`'s visit was saved before `than`'s (the visit id breaks a tie)."""
    return (row.saved_at, row.visit_id) < (than.saved_at, than.visit_id)


@dataclass(frozen=True)
class _Match:
    """A candidate that shows the same picture as a probe, and which of the two is the copy."""

    row: ArchivePhoto
    match: GeometricMatch
    # True when the candidate's visit was saved earlier: the probe is the copy.
    probe_is_copy: bool


async def _verify_candidates(
    rules: SearchRules, probe: _Probe, own: ArchivePhoto, copy_found: bool
) -> list[_Match]:
    """The candidates that verify as the same picture (of the earlier ones, the first only)."""
    wanted = [Candidate(row.file_path, _earlier(row, own)) for row in probe.candidates]
    found = await asyncio.to_thread(
        verify_candidates, rules.data_dir, probe.photo.file_path, wanted, copy_found
    )
    return [_Match(probe.candidates[i], match, wanted[i].earlier) for i, match in found]


def _photo_index(flag: Flag) -> int:
    return int(flag.numbers.get("photo_index", -1))


async def _reused_indexes(uow: UnitOfWork, visit_id: int) -> set[int]:
    """The photos of a visit that already carry a reuse flag, by their index in the visit."""
    return {
        int(numbers.get("photo_index", -1))
        for kind, _, numbers in await uow.visits.flags_of(visit_id)
        if kind in _REUSE_KINDS
    }


def _named(flag: Flag, prior: PriorPhoto) -> Flag:
    # Named, so the office reads who used the picture where and when.
    return Flag(flag.kind, flag.reason, {**flag.numbers, **prior_names(prior)})


@dataclass
class Filing:
    """A saved visit's photos with their words, ready to be filed in the index."""

    visit_id: int
    probes: list[_Probe]

    @property
    def photos(self) -> list[PendingPhoto]:
        return [p.photo for p in self.probes]


async def search_visit(uows: UnitsOfWork, visit_id: int, rules: SearchRules, now: datetime) -> int:
    """File a saved visit's photos in the index, search the archive, flag copies; how many.

    Of two visits showing the same picture the flag goes on the one saved later (the copy),
    naming the earlier one, whichever of the two searches finds the pair: a search that runs
    late (it failed and was retried, or it waited behind another) may find a copy saved and
    filed after its own visit, and then flags that copy.

    Four steps; the search worker (bot.services.archive_worker) does the first and third,
    which only read, and the bot the two that write, so that a process of the lowest
    priority never holds SQLite's write lock while it waits for a core.
    """
    filing = await prepare(uows, visit_id, rules)
    if filing is None:
        return 0
    await file_photos(uows, filing, now)
    copies = await look(uows, filing, rules, now)
    return await record(uows, filing, copies, now)


async def prepare(uows: UnitsOfWork, visit_id: int, rules: SearchRules) -> Filing | None:
    """Read a saved visit's photos and work out their words (None: the visit has none)."""
    async with uows() as uow:
        photos = await uow.photo_search.of_visit(visit_id)
    if not photos:
        return None
    probes = [_Probe(i, p, [], []) for i, p in enumerate(photos)]
    for probe in probes:
        words = await asyncio.to_thread(read_words, rules.data_dir, probe.photo.file_path)
        if words is not None:
            probe.words, probe.query_words = words.stored, words.query
    return Filing(visit_id, probes)


async def file_photos(uows: UnitsOfWork, filing: Filing, now: datetime) -> None:
    """File the photos under their chunks and words, and commit before anyone looks."""
    async with uows() as uow:
        for probe in filing.probes:
            photo = probe.photo
            await uow.photo_search.add_chunks(
                photo.photo_id, fingerprint_chunks(Fingerprint.parse(photo.fingerprint))
            )
            await uow.photo_search.add_words(photo.photo_id, probe.words)
        await uow.photo_search.mark_indexed([p.photo_id for p in filing.photos], now)
        await uow.commit()


async def look(
    uows: UnitsOfWork, filing: Filing, rules: SearchRules, now: datetime
) -> list[tuple[int, Flag]]:
    """Search the archive for the filed photos; the flags to add, by visit (reads only)."""
    visit_id, photos, probes = filing.visit_id, filing.photos, filing.probes
    # Filed and committed: from here on a concurrent save of the same picture sees ours.
    copies: list[tuple[int, Flag]] = []
    async with uows() as uow:
        own = {
            r.photo_id: r
            for r in await uow.photo_search.archive_photos([p.photo_id for p in photos])
        }
        probes = [p for p in probes if p.photo.photo_id in own]
        me = own[probes[0].photo.photo_id]
        taken = {visit_id: await _reused_indexes(uow, visit_id)}
        earlier: dict[int, PriorPhoto] = {}
        later: dict[int, list[ArchivePhoto]] = {}
        for probe in probes:
            photo = probe.photo
            fingerprint = Fingerprint.parse(photo.fingerprint)
            for row in await uow.photo_search.by_fingerprint(
                photo.sha256,
                fingerprint_chunks(fingerprint),
                visit_id,
                within(photo.sha256, fingerprint, rules.evidence.near_duplicate_distance),
            ):
                if _earlier(row, me):
                    earlier[row.photo_id] = prior_of(row)
                else:
                    later.setdefault(row.visit_id, []).append(row)
        copies += [
            (visit_id, f)
            for f in _fingerprint_flags(photos, list(earlier.values()), rules, visit_id, now)
        ]
        originals = [prior_of(own[p.photo.photo_id]) for p in probes]
        # Photos of other visits, by id: which visit and which of its photos (for a copy's flag).
        index_of: dict[int, int] = {}
        for other in later:
            theirs = await uow.photo_search.of_visit(other)
            index_of.update((p.photo_id, i) for i, p in enumerate(theirs))
            taken[other] = await _reused_indexes(uow, other)
            copies += [
                (other, f) for f in _fingerprint_flags(theirs, originals, rules, other, now)
            ]
        done = {_photo_index(f) for v, f in copies if v == visit_id} | taken[visit_id]
        for probe in probes:
            if not probe.query_words:
                continue
            ids = await uow.photo_search.by_words(
                probe.query_words, rules.candidates + len(photos), min_hits=1
            )
            rows = {r.photo_id: r for r in await uow.photo_search.archive_photos(ids)}
            candidates = [rows[i] for i in ids if i in rows and rows[i].visit_id != visit_id]
            for row in candidates:
                if row.photo_id not in index_of and not _earlier(row, me):
                    theirs = await uow.photo_search.of_visit(row.visit_id)
                    index_of.update((p.photo_id, i) for i, p in enumerate(theirs))
                    if row.visit_id not in taken:
                        taken[row.visit_id] = await _reused_indexes(uow, row.visit_id)
            pending = {(v, _photo_index(f)) for v, f in copies}
            probe.candidates = [
                row
                for row in candidates
                if _earlier(row, me)
                or (
                    index_of.get(row.photo_id, -1) not in taken[row.visit_id]
                    and (row.visit_id, index_of.get(row.photo_id, -1)) not in pending
                )
            ][: rules.candidates]
    for probe in probes:
        if not probe.candidates:
            continue
        own_row = own[probe.photo.photo_id]
        copy_found = probe.index in done
        for found in await _verify_candidates(rules, probe, own_row, copy_found):
            if found.probe_is_copy:
                prior = prior_of(found.row)
                flag = geometric_reuse_flag(probe.index, prior, found.match)
                copies.append((visit_id, _named(flag, prior)))
            else:
                prior = prior_of(own_row)
                flag = geometric_reuse_flag(index_of[found.row.photo_id], prior, found.match)
                copies.append((found.row.visit_id, _named(flag, prior)))
    return copies


async def record(
    uows: UnitsOfWork, filing: Filing, copies: list[tuple[int, Flag]], now: datetime
) -> int:
    """Add the flags not added meanwhile and mark the photos searched; how many were added."""
    visit_id, photos = filing.visit_id, filing.photos
    added = 0
    async with uows() as uow:
        for target in sorted({v for v, _ in copies}):
            # Read again: another process's search may have flagged the same copy meanwhile.
            seen = await _reused_indexes(uow, target)
            fresh: list[Flag] = []
            for v, flag in copies:
                if v == target and _photo_index(flag) not in seen:
                    seen.add(_photo_index(flag))
                    fresh.append(flag)
            uow.visits.add_evidence([], flag_rows(target, fresh))
            added += len(fresh)
        await uow.photo_search.mark_searched([p.photo_id for p in photos], now)
        await uow.commit()
    if added:
        targets = sorted({v for v, _ in copies})
        log.info(
            "archive search of visit %s flagged reused photos on visits %s", visit_id, targets
        )
    return added


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


def why_failed(error: BaseException) -> str:
    """What went wrong, without a statement's parameters (they may hold people's names)."""
    cause = getattr(error, "orig", None)
    return f"{type(error).__name__}: {cause if cause is not None else error}"[:300]


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
        words = [await asyncio.to_thread(stored_words, data_dir, p.file_path) for p in photos]
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
