"""Who may do what: plain rules over roles, used by handlers and use cases alike."""

from __future__ import annotations

from storage.enums import Role

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
