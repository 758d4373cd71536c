"""reminders: nudges claimed before sending, unreachable users

Revision ID: 0005
Revises: 0004
Every reminder is a row under a unique (user, month, stage) key, inserted before the message
goes out, so no restart or second process sends it twice; a 403 marks the user unreachable.

Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nudges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "gentle", "firm", "urgent", "digest", name="stage", native_enum=False, length=14
            ),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "pending",
                "sent",
                "blocked",
                "failed",
                name="outcome",
                native_enum=False,
                length=15,
            ),
            nullable=False,
        ),
        sa.Column("claimed_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_nudges_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudges")),
        sa.UniqueConstraint(
            "user_id", "period", "stage", name=op.f("uq_nudges_user_id_period_stage")
        ),
    )
    op.create_index(op.f("ix_nudges_period"), "nudges", ["period"], unique=False)
    op.create_table(
        "unreachable_users",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("since", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_unreachable_users_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_unreachable_users")),
    )


def downgrade() -> None:
    op.drop_table("unreachable_users")
    op.drop_index(op.f("ix_nudges_period"), table_name="nudges")
    op.drop_table("nudges")
