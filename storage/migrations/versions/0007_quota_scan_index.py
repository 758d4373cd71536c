"""quota scan: indexes that answer who is behind without reading the tables

Revision ID: 0007
Revises: 0006
Who is behind this month counts each household's distinct visit days of one month (an index
led by the month holding the household and the day), over every current pairing (a partial
index of the open pairings holding helper and household, in helper order for the grouping),
with each household's own quota (an index holding id and quota, much smaller than the rows).

Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_visits_period_household_day",
        "visits",
        ["period", "household_id", "local_day"],
    )
    op.create_index(
        "ix_pairings_open_helper_household",
        "pairings",
        ["helper_id", "household_id"],
        sqlite_where=sa.text("ended_on IS NULL"),
        postgresql_where=sa.text("ended_on IS NULL"),
    )
    op.create_index("ix_households_quota", "households", ["id", "visit_quota"])


def downgrade() -> None:
    op.drop_index("ix_households_quota", table_name="households")
    op.drop_index("ix_pairings_open_helper_household", table_name="pairings")
    op.drop_index("ix_visits_period_household_day", table_name="visits")
