"""photo search: fingerprint chunks and visual words in the database, search timestamps

Revision ID: 0009
Revises: 0008
The archive search moves out of each bot process's memory into two index tables shared by
every process. Photos stored before this revision were already compared by the old scan when
they were saved, so they count as searched; `bangfu photo reindex` puts them in the index.

Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("indexed_at", storage.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("searched_at", storage.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_photos_searched_at"), ["searched_at"], unique=False)
    op.execute("UPDATE photos SET searched_at = created_at")
    for table, key in (("photo_hash_chunks", "chunk"), ("photo_words", "word")):
        op.create_table(
            table,
            sa.Column(key, sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("photo_id", sa.Integer(), autoincrement=False, nullable=False),
            sa.ForeignKeyConstraint(
                ["photo_id"],
                ["photos.id"],
                name=op.f(f"fk_{table}_photo_id_photos"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint(key, "photo_id", name=op.f(f"pk_{table}")),
            sqlite_with_rowid=False,
        )


def downgrade() -> None:
    op.drop_table("photo_words")
    op.drop_table("photo_hash_chunks")
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photos_searched_at"))
        batch_op.drop_column("searched_at")
        batch_op.drop_column("indexed_at")
