"""appraisals: drafts and final results, spot-check findings, rectifications, re-pairing

Revision ID: 0006
Revises: 0005
The unused 兩不愁三保障 `assessments` table goes (guarantee_records keeps that history);
appraisals gain a status, the computed total, the facts behind it and the adjustment's
reason; spot checks become idempotent; rectifications (限期整改) and re-pairing requests
awaiting a leader's approval get tables of their own.

Create Date: 2026-12-01 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.drop_index(batch.f("ix_assessments_household_id"))
    op.drop_table("assessments")
    with op.batch_alter_table("appraisals") as batch:
        batch.add_column(
            sa.Column(
                "status",
                sa.Enum("draft", "final", name="appraisalstatus", native_enum=False, length=13),
                nullable=False,
                server_default="draft",
            )
        )
        batch.add_column(sa.Column("computed_score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("facts", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("adjust_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("confirmed_by_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("confirmed_at", storage.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.create_foreign_key(
            batch.f("fk_appraisals_confirmed_by_id_users"),
            "users",
            ["confirmed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("spot_checks") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(length=80), nullable=True))
        batch.create_unique_constraint(
            batch.f("uq_spot_checks_idempotency_key"), ["idempotency_key"]
        )
    op.create_table(
        "rectifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("helper_id", sa.Integer(), nullable=False),
        sa.Column("appraisal_id", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        _fk("rectifications", "helper_id", "users", "RESTRICT"),
        _fk("rectifications", "appraisal_id", "appraisals", "CASCADE"),
        _fk("rectifications", "closed_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectifications")),
        sa.UniqueConstraint("appraisal_id", name=op.f("uq_rectifications_appraisal_id")),
    )
    with op.batch_alter_table("rectifications") as batch:
        batch.create_index(batch.f("ix_rectifications_helper_id"), ["helper_id"], unique=False)
        batch.create_index(batch.f("ix_rectifications_status"), ["status"], unique=False)
    op.create_table(
        "repair_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("from_helper_id", sa.Integer(), nullable=True),
        sa.Column("to_helper_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("proposed_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        _fk("repair_requests", "household_id", "households", "CASCADE"),
        _fk("repair_requests", "from_helper_id", "users", "SET NULL"),
        _fk("repair_requests", "to_helper_id", "users", "RESTRICT"),
        _fk("repair_requests", "proposed_by_id", "users", "SET NULL"),
        _fk("repair_requests", "decided_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_requests")),
    )
    with op.batch_alter_table("repair_requests") as batch:
        batch.create_index(
            batch.f("ix_repair_requests_household_id"), ["household_id"], unique=False
        )
        batch.create_index(batch.f("ix_repair_requests_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("repair_requests")
    op.drop_table("rectifications")
    with op.batch_alter_table("spot_checks") as batch:
        batch.drop_constraint(batch.f("uq_spot_checks_idempotency_key"), type_="unique")
        batch.drop_column("idempotency_key")
    with op.batch_alter_table("appraisals") as batch:
        batch.drop_constraint(batch.f("fk_appraisals_confirmed_by_id_users"), type_="foreignkey")
        for column in (
            "confirmed_at",
            "confirmed_by_id",
            "adjust_reason",
            "facts",
            "computed_score",
            "status",
        ):
            batch.drop_column(column)
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("assessed_by_id", sa.Integer(), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("food_ok", sa.Boolean(), nullable=False),
        sa.Column("clothing_ok", sa.Boolean(), nullable=False),
        sa.Column("education_ok", sa.Boolean(), nullable=False),
        sa.Column("medical_ok", sa.Boolean(), nullable=False),
        sa.Column("housing_ok", sa.Boolean(), nullable=False),
        sa.Column("income_per_capita", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        _fk("assessments", "assessed_by_id", "users", "SET NULL"),
        _fk("assessments", "household_id", "households", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments") as batch:
        batch.create_index(
            batch.f("ix_assessments_household_id"), ["household_id"], unique=False
        )
