"""The audit log as /audit reads it: recent admin actions the reader's scope covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.people import Actor
from bot.services.oversight import check_overseer
from storage.uow import UnitOfWork

AUDIT_PAGE = 10
_DETAIL_LIMIT = 120


@dataclass(frozen=True)
class AuditLine:
    """One admin action: who, what, when, on what, and the values before and after."""

    at: datetime
    who: str
    action: str
    target: str | None
    before: str | None
    after: str | None
    detail: str | None


@dataclass(frozen=True)
class AuditPage:
    """A page of the audit log, newest first."""

    lines: tuple[AuditLine, ...]
    offset: int
    total: int

    @property
    def has_more(self) -> bool:
        """Older entries follow this page."""
        return self.offset + len(self.lines) < self.total


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1] + "…"


def _line(
    at: datetime,
    who: str,
    action: str,
    target_type: str | None,
    target_id: int | None,
    detail: dict[str, Any],
) -> AuditLine:
    detail = dict(detail or {})
    before = detail.pop("before", None)
    after = detail.pop("after", None)
    rest = ", ".join(f"{k}={_short(v)}" for k, v in sorted(detail.items()) if v is not None)
    target = f"{target_type} {target_id}" if target_type else None
    return AuditLine(
        at=at,
        who=who,
        action=action,
        target=target,
        before=None if before is None else _short(before),
        after=None if after is None else _short(after),
        detail=rest or None,
    )


async def audit_page(
    uow: UnitOfWork, actor: Actor, search: str, *, offset: int = 0, limit: int = AUDIT_PAGE
) -> AuditPage:
    """A page of the admin actions in the actor's scope, optionally matching `search`."""
    check_overseer(actor)
    async with uow:
        rows, total = await uow.oversight.audit(
            actor.scope, search.strip() or None, offset=max(0, offset), limit=limit
        )
    lines = tuple(_line(r.at, r.who, r.action, r.target_type, r.target_id, r.detail) for r in rows)
    return AuditPage(lines, max(0, offset), total)
