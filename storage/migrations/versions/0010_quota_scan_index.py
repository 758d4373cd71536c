"""quota scan: visits by month, household and day in one index

Revision ID: 0010
Revises: 0005
Who is behind this month counts each household's distinct visit days of one month; an index
led by the month and holding the household and the day answers that without reading the
table.

Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_visits_period_household_day",
        "visits",
        ["period", "household_id", "local_day"],
    )


def downgrade() -> None:
    op.drop_index("ix_visits_period_household_day", table_name="visits")
