"""Visits, their photo evidence and the flags raised by the evidence checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.domain.vocabulary import LocationSource
from storage.base import Base, str_enum, utcnow


class Visit(Base):
    """A helper's visit to a household, with where and when it happened."""

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_household_period", "household_id", "period"),
        Index("ix_visits_helper_period", "helper_id", "period"),
        Index("ix_visits_helper_time", "helper_id", "visited_at"),
        Index("ix_visits_period_household_day", "period", "household_id", "local_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="RESTRICT"))
    helper_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    visited_at: Mapped[datetime] = mapped_column()
    # Year*100+month of visited_at in the bureau's time zone: the quota month.
    period: Mapped[int] = mapped_column(Integer)
    # The calendar day of visited_at in the bureau's time zone: the quota counts days.
    local_day: Mapped[date] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    location_source: Mapped[LocationSource] = mapped_column(
        str_enum(LocationSource), default=LocationSource.NONE
    )
    location_live: Mapped[bool] = mapped_column(default=False)
    location_forwarded: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    # Derived from the Telegram update that confirmed it, so a repeat stores nothing new.
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    photos: Mapped[list[Photo]] = relationship(back_populates="visit", lazy="raise")
    flags: Mapped[list[VisitFlag]] = relationship(back_populates="visit", lazy="raise")


class Photo(Base):
    """A photo used as evidence of a visit; the file lives content-addressed in the data dir."""

    __tablename__ = "photos"
    __table_args__ = (UniqueConstraint("visit_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    phash: Mapped[str] = mapped_column(String(16), index=True)
    # All perceptual hashes ("phash:dhash:centre_phash:centre_dhash"), for crop-tolerant matching.
    fingerprint: Mapped[str] = mapped_column(String(67))
    format: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    gps_lat: Mapped[float | None] = mapped_column(Float)
    gps_lon: Mapped[float | None] = mapped_column(Float)
    gps_alt: Mapped[float | None] = mapped_column(Float)
    taken_at: Mapped[datetime | None] = mapped_column()
    taken_offset_known: Mapped[bool] = mapped_column(default=False)
    camera: Mapped[str | None] = mapped_column(String(120))
    as_document: Mapped[bool] = mapped_column(default=False)
    forwarded: Mapped[bool] = mapped_column(default=False)
    file_path: Mapped[str] = mapped_column(String(255))
    thumb_path: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the photo's local features were stored and put in the archive index; NULL until
    # the search after the save (or `bangfu photo reindex`) has done it.
    indexed_at: Mapped[datetime | None] = mapped_column()
    # When the archive search for this photo ran; NULL rows are picked up by the catch-up job.
    searched_at: Mapped[datetime | None] = mapped_column(index=True)

    visit: Mapped[Visit] = relationship(back_populates="photos", lazy="raise")


class VisitFlag(Base):
    """Something the evidence checks noticed about a visit; cleared only by an admin."""

    __tablename__ = "visit_flags"
    __table_args__ = (Index("ix_visit_flags_open", "cleared_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(Text)
    numbers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column()
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    clear_reason: Mapped[str | None] = mapped_column(Text)

    visit: Mapped[Visit] = relationship(back_populates="flags", lazy="raise")
