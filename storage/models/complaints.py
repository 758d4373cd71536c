"""What hangs off a complaint: messages with the reporter, internal notes, cleaned pictures.

Like `complaints` itself, none of these tables has a column that could name the reporter;
the reporter's own messages carry no author and only the day.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.vocabulary import ComplaintMessageKind
from storage.base import Base, str_enum, utcnow


class ComplaintMessage(Base):
    """A message on /track: the reporter's addition, or the office's reply or question."""

    __tablename__ = "complaint_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ComplaintMessageKind] = mapped_column(str_enum(ComplaintMessageKind))
    body: Mapped[str] = mapped_column(Text)
    on_day: Mapped[date] = mapped_column(Date)
    # The office user who wrote a reply or question; always empty for the reporter.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ComplaintNote(Base):
    """An internal note of the office on a complaint; never shown to the reporter."""

    __tablename__ = "complaint_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComplaintAttachment(Base):
    """A picture attached to a complaint, re-encoded without metadata, stored by content."""

    __tablename__ = "complaint_attachments"
    __table_args__ = (UniqueConstraint("complaint_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64))
    relpath: Mapped[str] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
