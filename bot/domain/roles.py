"""Who may do what, and what they may see: plain rules over roles and scopes."""

from __future__ import annotations

from bot.domain.people import Actor
from bot.domain.vocabulary import Role

ADMIN_ROLES = frozenset({Role.OFFICE, Role.LEADER})


def is_admin(role: Role) -> bool:
    """Office staff and leaders administer the programme."""
    return role in ADMIN_ROLES


def can_invite(role: Role) -> bool:
    """Admins create invite links."""
    return is_admin(role)


def can_log_visits(role: Role) -> bool:
    """Helpers log visits to their paired households."""
    return role == Role.HELPER


def can_review_flags(role: Role) -> bool:
    """Admins review and clear evidence flags."""
    return is_admin(role)


def sees_org_path(actor: Actor, path: str) -> bool:
    """Whether a record at this org-tree path is inside the actor's scope."""
    return actor.scope.covers_org(path)


def sees_department(actor: Actor, department_id: int | None) -> bool:
    """Whether a helper of this department is inside the actor's scope."""
    return actor.scope.covers_department(department_id)
