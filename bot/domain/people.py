"""The signed-in user as the core passes it around, and what their scope lets them see."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.vocabulary import Role


@dataclass(frozen=True)
class Scope:
    """The part of the programme an admin sees.

    `org_path` is the materialised path of the org unit the user is scoped to ("/1/4/" for a
    township; None for the whole county); `department_id` limits a department head to the
    helpers of their department (None: every department).
    """

    org_path: str | None = None
    department_id: int | None = None

    @property
    def is_everything(self) -> bool:
        """No limit at all: the whole county, every department."""
        return self.org_path is None and self.department_id is None

    def covers_org(self, path: str) -> bool:
        """Whether an org unit with this path lies in the scope's subtree."""
        return self.org_path is None or path.startswith(self.org_path)

    def covers_department(self, department_id: int | None) -> bool:
        """Whether a helper of this department lies in the scope."""
        return self.department_id is None or department_id == self.department_id


COUNTY = Scope()


def scope_for(role: Role, org_path: str | None, department_id: int | None) -> Scope:
    """A user's scope: their org subtree, and for department heads their department too."""
    return Scope(
        org_path=org_path,
        department_id=department_id if role == Role.MEMBER else None,
    )


@dataclass(frozen=True)
class Actor:
    """A small frozen picture of a signed-in user, safe to keep between updates."""

    id: int
    name: str
    role: Role
    language: str | None = None
    scope: Scope = COUNTY
    department_id: int | None = None
