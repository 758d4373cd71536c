"""The office's side: appraisals, spot checks, complaints, invites and the audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.vocabulary import (
    AppraisalKind,
    AppraisalStatus,
    CheckMethod,
    ComplaintOutcome,
    ComplaintStatus,
    Grade,
    Role,
)
from storage.base import Base, str_enum, utcnow


class Appraisal(Base):
    """A regular or annual appraisal of one helper (考核)."""

    __tablename__ = "appraisals"
    __table_args__ = (Index("ix_appraisals_helper_period", "helper_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[AppraisalKind] = mapped_column(str_enum(AppraisalKind))
    period: Mapped[str] = mapped_column(String(10))  # "2026-11" regular, "2026" annual
    work_score: Mapped[float | None] = mapped_column(Float)
    results_score: Mapped[float | None] = mapped_column(Float)
    policy_score: Mapped[float | None] = mapped_column(Float)
    satisfaction_score: Mapped[float | None] = mapped_column(Float)
    total_score: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[Grade | None] = mapped_column(str_enum(Grade))
    appraised_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(Text)
    rectify_by: Mapped[date | None] = mapped_column(Date)  # 限期整改 deadline
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A draft the office may recompute and adjust; final once published or confirmed.
    status: Mapped[AppraisalStatus] = mapped_column(
        str_enum(AppraisalStatus), default=AppraisalStatus.DRAFT
    )
    # The formula's total before any adjustment; total_score is what counts.
    computed_score: Mapped[float | None] = mapped_column(Float)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    adjust_reason: Mapped[str | None] = mapped_column(Text)
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    confirmed_at: Mapped[datetime | None] = mapped_column()


class SpotCheck(Base):
    """One check by the office of a helper's work: documents, field visit or phone call."""

    __tablename__ = "spot_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL")
    )
    method: Mapped[CheckMethod] = mapped_column(str_enum(CheckMethod))
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    passed: Mapped[bool | None] = mapped_column()
    satisfaction: Mapped[int | None] = mapped_column()  # 1..5 from the household, if asked
    note: Mapped[str | None] = mapped_column(Text)  # the findings
    # One record however often the office's Save is delivered ("spot:<office>:<token>").
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True)


class Rectification(Base):
    """A deadline to rectify (限期整改) opened by an incompetent grade."""

    __tablename__ = "rectifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    appraisal_id: Mapped[int] = mapped_column(
        ForeignKey("appraisals.id", ondelete="CASCADE"), unique=True
    )
    opened_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    # open, closed (rectified in time) or failed (expired: the helper is to be replaced).
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class RepairRequest(Base):
    """The office's proposal to pair a household with another helper, and the leader's answer."""

    __tablename__ = "repair_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    from_helper_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    to_helper_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # pending, approved or rejected
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column()


class Complaint(Base):
    """A complaint filed through the public channel (舉報).

    Deliberately has no column that could identify the reporter: no user id, no Telegram id,
    no chat id, no phone, no precise time (the day only). ``ref_code`` is a random code the
    reporter may keep to ask about progress; it is not derived from anything about them.
    """

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref_code: Mapped[str] = mapped_column(String(16), unique=True)
    filed_on: Mapped[date] = mapped_column(Date, index=True)
    category: Mapped[str] = mapped_column(String(32))
    subject_helper_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    village_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[ComplaintStatus] = mapped_column(
        str_enum(ComplaintStatus), default=ComplaintStatus.NEW, index=True
    )
    # The investigator the complaint is assigned to.
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(Text)  # the dismissal reason
    # The day the office last acted on it: what "untouched for N days" is measured from.
    updated_on: Mapped[date | None] = mapped_column(Date)
    # SHA-256 of the reporter's receipt code; the code itself is shown once and never stored.
    receipt_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    concerns: Mapped[str | None] = mapped_column(Text)  # whom or where, in the reporter's words
    outcome: Mapped[ComplaintOutcome | None] = mapped_column(str_enum(ComplaintOutcome))
    accountability: Mapped[str | None] = mapped_column(Text)  # 問責: the action taken
    closed_on: Mapped[date | None] = mapped_column(Date)


class Invite(Base):
    """A one-time deep-link code that binds a Telegram account to a pre-created user."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class AuditEntry(Base):
    """Append-only record of an admin action; triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    actor_label: Mapped[str] = mapped_column(String(100))  # "cli", "system", or the user's name
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column()
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
