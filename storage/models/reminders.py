"""Reminders sent (claimed before sending) and users the bot cannot reach."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.reminders import Outcome, Stage
from storage.base import Base, str_enum, utcnow


class Nudge(Base):
    """One reminder to one user for one month and stage; the row exists before the send.

    The unique key is what makes a re-run, a restart or a second reminder process skip a
    nudge that is already claimed. `user_id` is the helper, or for the digest the office
    user it went to.
    """

    __tablename__ = "nudges"
    __table_args__ = (UniqueConstraint("user_id", "period", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[int] = mapped_column(index=True)  # YYYYMM, the quota month
    stage: Mapped[Stage] = mapped_column(str_enum(Stage))
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome), default=Outcome.PENDING)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=1)
    detail: Mapped[str | None] = mapped_column(Text)


class Unreachable(Base):
    """A user Telegram refused to deliver to (403): blocked the bot or deleted the account."""

    __tablename__ = "unreachable_users"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(200))
