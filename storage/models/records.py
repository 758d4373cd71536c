"""What was done for a household: assistance, policy benefits, guarantees, income, plans."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.vocabulary import BenefitStatus, HouseholdStatus
from storage.base import Base, str_enum, utcnow


class Assistance(Base):
    """A piece of assistance given to a household (money, goods, work, advice)."""

    __tablename__ = "assistance"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="RESTRICT"), index=True
    )
    helper_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    # A key of the configured assistance types (BANGFU_ASSISTANCE_TYPES).
    category: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    amount_cny: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    given_on: Mapped[date] = mapped_column(Date)
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    photo_path: Mapped[str | None] = mapped_column(String(255))
    # One record however often the helper's Save is delivered ("assist:<helper>:<token>").
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BenefitEnrolment(Base):
    """One household's state for one policy benefit (應享盡享)."""

    __tablename__ = "benefit_enrolments"
    __table_args__ = (UniqueConstraint("household_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    # A key of the configured policies (BANGFU_POLICIES).
    category: Mapped[str] = mapped_column(String(40))
    status: Mapped[BenefitStatus] = mapped_column(str_enum(BenefitStatus))
    since: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class HouseholdStatusChange(Base):
    """History of a household's status: identification, exit, relapse watch."""

    __tablename__ = "household_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    old_status: Mapped[HouseholdStatus | None] = mapped_column(str_enum(HouseholdStatus))
    new_status: Mapped[HouseholdStatus] = mapped_column(str_enum(HouseholdStatus))
    step: Mapped[str | None] = mapped_column(String(40))  # e.g. "public_notice", "county_approval"
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class GuaranteeRecord(Base):
    """One assessment of one guarantee item (met or not, with a note); rows are history."""

    __tablename__ = "guarantee_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[str] = mapped_column(String(20))
    met: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncomeEntry(Base):
    """Income per person per year as found on a day, with its source; rows are history."""

    __tablename__ = "income_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    per_capita: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    source: Mapped[str] = mapped_column(Text)
    recorded_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HelpPlan(Base):
    """A version of a household's help plan (幫扶計劃); the newest row is the plan in force."""

    __tablename__ = "help_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    goals: Mapped[str] = mapped_column(Text)
    measures: Mapped[str] = mapped_column(Text)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
