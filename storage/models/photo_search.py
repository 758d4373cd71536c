"""The archive's photo search index: fingerprint chunks and quantised local features."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class PhotoHashChunk(Base):
    """One 16-bit chunk of a stored photo's fingerprint, keyed by its position.

    The primary key starts with the chunk, so a lookup by chunk value is one index range; on
    SQLite the table is the index itself (no row ids), which keeps it small.
    """

    __tablename__ = "photo_hash_chunks"
    __table_args__ = ({"sqlite_with_rowid": False},)

    chunk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    photo_id: Mapped[int] = mapped_column(
        ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )


class PhotoWord(Base):
    """One visual word (a locality-sensitive hash of a local descriptor) of a stored photo."""

    __tablename__ = "photo_words"
    __table_args__ = ({"sqlite_with_rowid": False},)

    word: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    photo_id: Mapped[int] = mapped_column(
        ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
