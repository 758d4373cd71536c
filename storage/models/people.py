"""Users of the bot, households, and the helper–household pairings with their history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.domain.vocabulary import HomeSource, HouseholdStatus, Role
from storage.base import Base, Timestamps, str_enum


class User(Timestamps, Base):
    """A helper or an admin; bound to a Telegram account once they share their phone number."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    role: Mapped[Role] = mapped_column(str_enum(Role), index=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"), index=True
    )
    # The org unit whose subtree this user may see; None means the whole county.
    scope_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="SET NULL"))
    telegram_id: Mapped[int | None] = mapped_column(unique=True)
    language: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    bound_at: Mapped[datetime | None] = mapped_column()


class Household(Timestamps, Base):
    """A poor household (貧困戶); usually not a bot user itself."""

    __tablename__ = "households"
    __table_args__ = (
        Index("ix_households_village_head", "village_id", "head_name"),
        Index("ix_households_quota", "id", "visit_quota"),
        Index(
            "ix_households_own_quota",
            "id",
            "visit_quota",
            sqlite_where=text("visit_quota IS NOT NULL"),
            postgresql_where=text("visit_quota IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    head_name: Mapped[str] = mapped_column(String(100))
    members: Mapped[int] = mapped_column(Integer)
    village_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="SET NULL"))
    # The ID-card number is never stored in clear: a masked form to show, a keyed hash to match.
    id_masked: Mapped[str | None] = mapped_column(String(24))
    id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    causes: Mapped[list[str]] = mapped_column(JSON, default=list)
    income_per_capita: Mapped[float | None] = mapped_column(Float)
    # Visits a month this household needs, when it differs from the bureau's quota.
    visit_quota: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[HouseholdStatus] = mapped_column(
        str_enum(HouseholdStatus), default=HouseholdStatus.POOR, index=True
    )
    home_lat: Mapped[float | None] = mapped_column(Float)
    home_lon: Mapped[float | None] = mapped_column(Float)
    home_source: Mapped[HomeSource | None] = mapped_column(str_enum(HomeSource))
    # A first visit's location waits here until an admin confirms it as the home location.
    proposed_home_lat: Mapped[float | None] = mapped_column(Float)
    proposed_home_lon: Mapped[float | None] = mapped_column(Float)
    # No foreign key: visits reference households, and a cycle would complicate migrations.
    proposed_by_visit_id: Mapped[int | None] = mapped_column()


class Pairing(Base):
    """One helper paired with one household over a span of time (幫扶關係)."""

    __tablename__ = "pairings"
    __table_args__ = (
        Index("ix_pairings_helper_open", "helper_id", "ended_on"),
        Index("ix_pairings_helper_open_household", "helper_id", "ended_on", "household_id"),
        Index("ix_pairings_household_open", "household_id", "ended_on"),
        Index(
            "ix_pairings_open_helper_household",
            "helper_id",
            "household_id",
            sqlite_where=text("ended_on IS NULL"),
            postgresql_where=text("ended_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)

    helper: Mapped[User] = relationship(foreign_keys=[helper_id], lazy="raise")
    household: Mapped[Household] = relationship(lazy="raise")
