"""conversation state: conversation steps, user and chat data kept across restarts

Revision ID: 0008
Revises: 0007
A restarted bot resumes every open conversation from these rows; values are JSON text and
rows older than the configured age are dropped.

Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_states",
        sa.Column("conversation", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation", "key", name=op.f("pk_conversation_states")),
    )
    op.create_index(
        op.f("ix_conversation_states_updated_at"),
        "conversation_states",
        ["updated_at"],
        unique=False,
    )
    for table, column in (("user_states", "user_id"), ("chat_states", "chat_id")):
        op.create_table(
            table,
            sa.Column(column, sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("data", sa.Text(), nullable=False),
            sa.Column("updated_at", storage.base.UTCDateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint(column, name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_updated_at"), table, ["updated_at"], unique=False)


def downgrade() -> None:
    for table in ("chat_states", "user_states", "conversation_states"):
        op.drop_index(op.f(f"ix_{table}_updated_at"), table_name=table)
        op.drop_table(table)
