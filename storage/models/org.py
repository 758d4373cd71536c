"""The organisation trees: county → township → village → group, and the bureau's departments."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.domain.vocabulary import OrgKind
from storage.base import Base, Timestamps, str_enum


class OrgUnit(Timestamps, Base):
    """One node of the administrative tree."""

    __tablename__ = "org_units"
    __table_args__ = (UniqueConstraint("parent_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind))
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    # Materialised path ("/1/4/17/") so "everything under this township" is one LIKE query.
    path: Mapped[str] = mapped_column(String(255), default="/", index=True)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], lazy="raise")


class Department(Timestamps, Base):
    """A department of the bureau (部門); helpers belong to one."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
