"""complaints: receipts, messages with the reporter, notes, cleaned pictures, outcomes

Revision ID: 0003
Revises: 0002
A reporter follows a complaint with a receipt code whose hash alone is kept; the office
talks to the reporter through messages shown on /track, keeps internal notes, and closes a
complaint with an outcome and the accountability action taken.

Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _complaint_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["complaint_id"],
        ["complaints.id"],
        name=op.f(f"fk_{table}_complaint_id_complaints"),
        ondelete="CASCADE",
    )


def _author_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["author_id"], ["users.id"], name=op.f(f"fk_{table}_author_id_users"), ondelete="SET NULL"
    )


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("receipt_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("concerns", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column(
                "outcome",
                sa.Enum(
                    "substantiated",
                    "partly",
                    "unsubstantiated",
                    name="complaintoutcome",
                    native_enum=False,
                    length=23,
                ),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("accountability", sa.Text(), nullable=True))
        batch.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch.create_unique_constraint(op.f("uq_complaints_receipt_hash"), ["receipt_hash"])

    op.create_table(
        "complaint_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "addition",
                "reply",
                "question",
                name="complaintmessagekind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        _complaint_fk("complaint_messages"),
        _author_fk("complaint_messages"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_messages")),
    )
    op.create_index(
        op.f("ix_complaint_messages_complaint_id"), "complaint_messages", ["complaint_id"]
    )

    op.create_table(
        "complaint_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _complaint_fk("complaint_notes"),
        _author_fk("complaint_notes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_notes")),
    )
    op.create_index(op.f("ix_complaint_notes_complaint_id"), "complaint_notes", ["complaint_id"])

    op.create_table(
        "complaint_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("relpath", sa.String(length=200), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        _complaint_fk("complaint_attachments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_attachments")),
        sa.UniqueConstraint(
            "complaint_id", "sha256", name=op.f("uq_complaint_attachments_complaint_id_sha256")
        ),
    )
    op.create_index(
        op.f("ix_complaint_attachments_complaint_id"), "complaint_attachments", ["complaint_id"]
    )


def downgrade() -> None:
    op.drop_table("complaint_attachments")
    op.drop_table("complaint_notes")
    op.drop_table("complaint_messages")
    with op.batch_alter_table("complaints") as batch:
        batch.drop_constraint(op.f("uq_complaints_receipt_hash"), type_="unique")
        batch.drop_column("closed_on")
        batch.drop_column("accountability")
        batch.drop_column("outcome")
        batch.drop_column("concerns")
        batch.drop_column("receipt_hash")
