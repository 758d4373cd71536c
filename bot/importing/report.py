"""What an import reports, and the small tools both imports share."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from tqdm import tqdm

from bot.domain.script import fold
from bot.importing.readers import Table
from bot.importing.validate import Problem, RowError, problem
from storage.queries import imports as q

Kind = Literal["helpers", "households"]
Rows = Table | Sequence[Mapping[str, str]]
T = TypeVar("T")


@dataclass
class ImportReport:
    """What an import found and did."""

    kind: Kind
    source: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False
    pairings_opened: int = 0
    pairings_ended: int = 0
    units_created: int = 0
    departments_created: int = 0
    # Why nothing could be imported, when the reason is the file's rather than a row's.
    blocker: Problem | None = None

    @property
    def skipped(self) -> int:
        """Bad rows left out of an applied import."""
        return len(self.errors) if self.applied else 0

    def counts(self) -> dict[str, int]:
        """The numbers of the report (no personal data), as kept in the audit log."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "pairings_opened": self.pairings_opened,
            "pairings_ended": self.pairings_ended,
            "units_created": self.units_created,
            "departments_created": self.departments_created,
        }


def bar(items: Sequence[T], desc: str, progress: bool | None) -> Iterable[T]:
    # disable=None lets tqdm switch itself off when stderr is not a terminal.
    disable = None if progress is None else not progress
    return tqdm(items, desc=desc, unit="row", leave=False, disable=disable)


def duplicates(
    items: Sequence[T],
    key: Callable[[T], Hashable | None],
    row: Callable[[T], int],
    message: str,
    **params: object,
) -> dict[int, Problem]:
    """Row → problem for every row whose key another row shares; `message` names {rows}."""
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for item in items:
        k = key(item)
        if k is not None:
            groups[k].append(row(item))
    reasons: dict[int, Problem] = {}
    for numbers in groups.values():
        if len(numbers) > 1:
            for n in numbers:
                others = ", ".join(str(o) for o in numbers if o != n)
                reasons[n] = problem(message, rows=others, **params)
    return reasons


def _folded(value: object) -> object:
    if isinstance(value, str):
        return fold(value)
    if isinstance(value, tuple):
        return tuple(_folded(v) for v in value)
    return value


def repeats(items: Sequence[T], row: Callable[[T], int]) -> dict[int, int]:
    """Row → the earlier row it repeats exactly (names compared in either script)."""
    first: dict[object, int] = {}
    found: dict[int, int] = {}
    for item in items:
        assert dataclasses.is_dataclass(item)
        key = tuple(
            _folded(getattr(item, f.name)) for f in dataclasses.fields(item) if f.name != "row"
        )
        if key in first:
            found[row(item)] = first[key]
        else:
            first[key] = row(item)
    return found


def audit(session: q.AsyncSession, report: ImportReport, actor_label: str) -> None:
    q.add_audit_entry(
        session,
        actor_label=actor_label,
        action=f"import.{report.kind}",
        detail={"file": report.source, **report.counts()},
    )


def set_changed(obj: object, changes: Mapping[str, Any]) -> bool:
    """Assign the attributes that differ; whether anything changed."""
    changed = False
    for name, value in changes.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def prepare(table: Table, source: str | None, kind: Kind) -> ImportReport:
    return ImportReport(kind=kind, source=source or table.name, rows=len(table.rows))
