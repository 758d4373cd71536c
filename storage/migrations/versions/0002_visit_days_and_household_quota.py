"""visit days and household quota

Revision ID: 0002
Revises: 0001
The quota counts visits once per local calendar day, so each visit keeps its day in the
bureau's time zone; a household may carry a quota of its own.

Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("visit_quota", sa.Integer(), nullable=True))
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("local_day", sa.Date(), nullable=True))
    # Existing visits get their day in the time zone the deployment runs in.
    config = op.get_context().config
    zone = config.attributes.get("timezone") if config is not None else None
    tz = ZoneInfo(zone or "Asia/Shanghai")
    bind = op.get_bind()
    visits = sa.table("visits", sa.column("id", sa.Integer), sa.column("visited_at"))
    rows = bind.execute(sa.select(visits.c.id, visits.c.visited_at)).all()
    set_day = sa.text("UPDATE visits SET local_day = :day WHERE id = :id")
    for visit_id, visited_at in rows:
        aware = visited_at if visited_at.tzinfo else visited_at.replace(tzinfo=UTC)
        bind.execute(set_day, {"day": aware.astimezone(tz).date(), "id": visit_id})
    with op.batch_alter_table("visits") as batch:
        batch.alter_column("local_day", existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("local_day")
    with op.batch_alter_table("households") as batch:
        batch.drop_column("visit_quota")
