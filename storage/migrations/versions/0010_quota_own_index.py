"""quota scan: own quotas in a small partial index, open pairings with their household

Revision ID: 0010
Revises: 0009
Who is behind needs each paired household's quota, but only about one household in fifty
has a quota of its own; the rest take the bureau's. A partial index of those few lets the
shortfall join them alone, instead of looking every pairing's household up in an index of
all households (which, at a county's million households, no longer stays in cache). The
shortfall reads each helper's open pairings by (helper, ended_on); with the household in
the same index SQLite no longer reads the pairing rows themselves.

Create Date: 2026-12-02 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_pairings_helper_open_household",
        "pairings",
        ["helper_id", "ended_on", "household_id"],
    )
    op.create_index(
        "ix_households_own_quota",
        "households",
        ["id", "visit_quota"],
        sqlite_where=sa.text("visit_quota IS NOT NULL"),
        postgresql_where=sa.text("visit_quota IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_pairings_helper_open_household", table_name="pairings")
    op.drop_index("ix_households_own_quota", table_name="households")
