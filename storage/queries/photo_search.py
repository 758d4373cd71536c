"""The archive's photo search index: filing photos under their keys, and looking keys up.

Every lookup is a fixed number of statements whatever the archive's size: one or two for
the fingerprint stage (two when its matches are judged before they are joined), one for the
word counts, one for the candidates' rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, any_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Household, Photo, PhotoHashChunk, PhotoWord, User, Visit
from storage.queries.inserts import insert_ignoring


@dataclass(frozen=True)
class ArchivePhoto:
    """A stored photo as the search compares and reports it."""

    photo_id: int
    sha256: str
    fingerprint: str
    file_path: str
    visit_id: int
    helper_id: int
    household_id: int
    local_day: date
    helper_name: str
    household_name: str
    # When its visit was saved: of two visits with the same picture, the later one is the copy.
    saved_at: datetime


@dataclass(frozen=True)
class PendingPhoto:
    """A photo whose indexing or search is still to be done."""

    photo_id: int
    visit_id: int
    sha256: str
    fingerprint: str
    file_path: str
    indexed: bool


def _archive_select() -> Select[*tuple[Any, ...]]:
    return (
        select(
            Photo.id,
            Photo.sha256,
            Photo.fingerprint,
            Photo.file_path,
            Photo.visit_id,
            Visit.helper_id,
            Visit.household_id,
            Visit.local_day,
            User.name,
            Household.head_name,
            Visit.created_at,
        )
        .join(Visit, Visit.id == Photo.visit_id)
        .join(User, User.id == Visit.helper_id)
        .join(Household, Household.id == Visit.household_id)
    )


def _fingerprint_selects() -> dict[tuple[bool, bool], Select[*tuple[Any, ...]]]:
    """The fingerprint stage's statements, by (narrow, excluding a visit), built once.

    Parameters: sha256, chunks (a list) and, when excluding, exclude_visit. Building them on
    every save cost SQLAlchemy about as much CPU as running them.
    """
    ids = select(PhotoHashChunk.photo_id).where(
        PhotoHashChunk.chunk.in_(bindparam("chunks", expanding=True))
    )
    same = select(Photo.id).where(Photo.sha256 == bindparam("sha256", type_=Photo.sha256.type))
    shared = Photo.id.in_(ids.union(same).scalar_subquery())
    other = Photo.visit_id != bindparam("exclude_visit", type_=Integer)
    narrow: Select[*tuple[Any, ...]] = select(Photo.id, Photo.sha256, Photo.fingerprint).where(
        shared
    )
    wide = _archive_select().where(shared)
    return {
        (True, False): narrow,
        (True, True): narrow.where(other),
        (False, False): wide,
        (False, True): wide.where(other),
    }


_BY_FINGERPRINT = _fingerprint_selects()
_ARCHIVE_PHOTOS = (
    _archive_select().where(Photo.id.in_(bindparam("ids", expanding=True))).order_by(Photo.id)
)
# The columns of a PendingPhoto, in its order.
_PENDING = (
    Photo.id,
    Photo.visit_id,
    Photo.sha256,
    Photo.fingerprint,
    Photo.file_path,
    Photo.indexed_at.is_not(None),
)
_OF_VISIT = (
    select(*_PENDING)
    .where(Photo.visit_id == bindparam("visit_id", type_=Integer))
    .order_by(Photo.id)
)


class PhotoSearchQueries:
    """Queries over the photo search index, in one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _insert_ignoring(
        self, table: type[PhotoHashChunk] | type[PhotoWord], rows: list[dict[str, int]]
    ) -> None:
        if not rows:
            return
        # Filing a photo twice (a retried job, a reindex racing the live search) is harmless.
        dialect = self.session.get_bind().dialect.name
        await self.session.execute(insert_ignoring(table, dialect), rows)

    async def add_chunks(self, photo_id: int, chunks: Iterable[int]) -> None:
        """File a photo under its fingerprint chunks."""
        rows = [{"chunk": c, "photo_id": photo_id} for c in sorted(set(chunks))]
        await self._insert_ignoring(PhotoHashChunk, rows)

    async def add_words(self, photo_id: int, words: Iterable[int]) -> None:
        """File a photo under the visual words of its strongest local features."""
        rows = [{"word": w, "photo_id": photo_id} for w in sorted(set(words))]
        await self._insert_ignoring(PhotoWord, rows)

    async def by_fingerprint(
        self,
        sha256: str,
        chunks: Sequence[int],
        exclude_visit: int | None,
        keep: Callable[[str, str], bool] | None = None,
    ) -> list[ArchivePhoto]:
        """Photos with the same bytes or sharing a fingerprint chunk, other visits only;
        with `keep`, only those whose (sha256, fingerprint) it accepts."""
        params: dict[str, Any] = {"sha256": sha256, "chunks": list(chunks)}
        if exclude_visit is not None:
            params["exclude_visit"] = exclude_visit
        excluding = exclude_visit is not None
        if keep is None:
            rows = await self.session.execute(_BY_FINGERPRINT[(False, excluding)], params)
            return [ArchivePhoto(*tuple(row)) for row in rows]
        # A chunk is shared by chance with about 1 photo in 2,000 (16 keys of 16 bits), so
        # at millions of photos most rows sharing one are no copy: they are judged on the
        # photo's own narrow row, and only the kept few are joined with their visits.
        narrow = await self.session.execute(_BY_FINGERPRINT[(True, excluding)], params)
        kept = [pid for pid, sha, fp in narrow if keep(sha, fp)]
        return await self.archive_photos(kept)

    async def by_words(self, words: Sequence[int], limit: int, min_hits: int) -> list[int]:
        """Ids of the photos sharing most words (at least `min_hits`), most first."""
        if not words:
            return []
        hits = func.count().label("hits")
        rows = await self.session.execute(
            select(PhotoWord.photo_id, hits)
            .where(self._among(PhotoWord.word, words))
            .group_by(PhotoWord.photo_id)
            .having(func.count() >= min_hits)
            .order_by(hits.desc(), PhotoWord.photo_id)
            .limit(limit)
        )
        return [int(photo_id) for photo_id, _ in rows]

    def _among(self, key: Any, values: Sequence[int]) -> ColumnElement[bool]:
        """`key IN values` with the values as one parameter, not one parameter each.

        A search looks up about 12,500 words; an IN list of that many bound parameters cost
        the bot some 35 ms of CPU a search in SQLAlchemy's and the driver's handling alone.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            array = bindparam("values", list(values), type_=postgresql.ARRAY(Integer))
            found: ColumnElement[bool] = key == any_(array)
            return found
        listed = func.json_each(bindparam("values", json.dumps(list(values))))
        inside: ColumnElement[bool] = key.in_(select(listed.table_valued("value").c.value))
        return inside

    async def archive_photos(self, photo_ids: Sequence[int]) -> list[ArchivePhoto]:
        """The stored photos with these ids, with their visits, in id order."""
        if not photo_ids:
            return []
        rows = await self.session.execute(_ARCHIVE_PHOTOS, {"ids": list(photo_ids)})
        return [ArchivePhoto(*tuple(row)) for row in rows]

    async def of_visit(self, visit_id: int) -> list[PendingPhoto]:
        """A visit's photos in the order the helper sent them."""
        rows = await self.session.execute(_OF_VISIT, {"visit_id": visit_id})
        return [PendingPhoto(*row) for row in rows]

    async def unsearched_visits(self, saved_before: datetime, limit: int) -> list[int]:
        """Visits with a photo the archive search has not yet covered, oldest first."""
        rows = await self.session.execute(
            select(Photo.visit_id)
            .where(Photo.searched_at.is_(None), Photo.created_at < saved_before)
            .group_by(Photo.visit_id)
            .order_by(Photo.visit_id)
            .limit(limit)
        )
        return [int(v) for v in rows.scalars()]

    async def unindexed(self, after_id: int, limit: int) -> list[PendingPhoto]:
        """The next photos (by id) not yet in the local-feature index."""
        rows = await self.session.execute(
            select(*_PENDING)
            .where(Photo.indexed_at.is_(None), Photo.id > after_id)
            .order_by(Photo.id)
            .limit(limit)
        )
        return [PendingPhoto(*row) for row in rows]

    async def count_unindexed(self) -> int:
        """How many photos are not yet in the local-feature index."""
        count = await self.session.scalar(
            select(func.count()).select_from(Photo).where(Photo.indexed_at.is_(None))
        )
        return int(count or 0)

    async def mark_indexed(self, photo_ids: Sequence[int], at: datetime) -> None:
        """Record that these photos are filed under their words."""
        if photo_ids:
            await self.session.execute(
                update(Photo).where(Photo.id.in_(list(photo_ids))).values(indexed_at=at)
            )

    async def mark_searched(self, photo_ids: Sequence[int], at: datetime) -> None:
        """Record that the archive search covered these photos."""
        if photo_ids:
            await self.session.execute(
                update(Photo).where(Photo.id.in_(list(photo_ids))).values(searched_at=at)
            )
