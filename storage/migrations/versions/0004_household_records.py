"""household case records

Revision ID: 0004
Revises: 0003
Guarantee items, income and help plans keep their history as rows; policies and assistance
types become keys of the bureau's configured lists (no longer a fixed enumeration);
assistance may carry a photo and an idempotency key.

Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _history_table(name: str, by: str, *columns: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        *columns,
        sa.Column(by, sa.Integer(), nullable=True),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f(f"fk_{name}_household_id_households"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            [by], ["users.id"], name=op.f(f"fk_{name}_{by}_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    with op.batch_alter_table(name) as batch:
        batch.create_index(batch.f(f"ix_{name}_household_id"), ["household_id"], unique=False)


def upgrade() -> None:
    _history_table(
        "guarantee_records",
        "recorded_by_id",
        sa.Column("item", sa.String(length=20), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_on", sa.Date(), nullable=False),
    )
    _history_table(
        "income_records",
        "recorded_by_id",
        sa.Column("per_capita", sa.Numeric(12, 2), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
    )
    _history_table(
        "help_plans",
        "written_by_id",
        sa.Column("goals", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
    )
    with op.batch_alter_table("benefit_enrolments") as batch:
        batch.alter_column(
            "category", existing_type=sa.String(length=22), type_=sa.String(length=40)
        )
    with op.batch_alter_table("assistance") as batch:
        batch.alter_column(
            "category", existing_type=sa.String(length=22), type_=sa.String(length=40)
        )
        batch.add_column(sa.Column("photo_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("photo_path", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("idempotency_key", sa.String(length=80), nullable=True))
        batch.create_unique_constraint(
            batch.f("uq_assistance_idempotency_key"), ["idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("assistance") as batch:
        batch.drop_constraint(batch.f("uq_assistance_idempotency_key"), type_="unique")
        batch.drop_column("idempotency_key")
        batch.drop_column("photo_path")
        batch.drop_column("photo_sha256")
        batch.alter_column(
            "category", existing_type=sa.String(length=40), type_=sa.String(length=22)
        )
    with op.batch_alter_table("benefit_enrolments") as batch:
        batch.alter_column(
            "category", existing_type=sa.String(length=40), type_=sa.String(length=22)
        )
    for name in ("help_plans", "income_records", "guarantee_records"):
        op.drop_table(name)
