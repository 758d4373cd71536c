"""The append-only audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.people import Actor
from storage.models import AuditEntry


def record(
    session: AsyncSession,
    actor: Actor | str,
    action: str,
    *,
    target_type: str | None = None,
    target_id: int | None = None,
    **detail: Any,
) -> AuditEntry:
    """Add one audit entry to the transaction; it commits with the action itself."""
    entry = AuditEntry(
        actor_id=actor.id if isinstance(actor, Actor) else None,
        actor_label=actor.name if isinstance(actor, Actor) else actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
    )
    session.add(entry)
    return entry
