"""Importing helpers and households: check every row, then apply them all in one transaction."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.domain.script import same_name
from bot.domain.vocabulary import Role
from bot.i18n import N_
from bot.importing.columns import HELPER_COLUMNS, map_headers
from bot.importing.households import import_households
from bot.importing.orgtree import Departments, OrgTree
from bot.importing.readers import as_table
from bot.importing.report import (
    ImportReport,
    Rows,
    audit,
    bar,
    duplicates,
    prepare,
    repeats,
    set_changed,
)
from bot.importing.validate import HelperRow, RowError, parse_helper_row, problem
from storage.queries import imports as q

__all__ = ["ImportReport", "import_helpers", "import_households"]


async def import_helpers(
    session: q.AsyncSession,
    rows: Rows,
    *,
    skip_bad: bool,
    settings: Settings,
    source: str | None = None,
    progress: bool | None = None,
    actor_label: str = "cli",
) -> ImportReport:
    """Create or update users from a helpers file, keyed by their normalised phone number."""
    table = as_table(rows, source or "rows")
    headers = map_headers(table.headers, HELPER_COLUMNS)
    report = prepare(table, source, "helpers")
    parsed: list[HelperRow] = []
    for raw in bar(table.rows, "checking", progress):
        result = parse_helper_row(raw.number, raw.cells, headers, county_name=settings.county_name)
        if isinstance(result, RowError):
            report.errors.append(result)
        else:
            parsed.append(result)
    again = repeats(parsed, lambda r: r.row)
    report.errors.extend(
        RowError(n, (problem(N_("duplicate of row {row}"), row=first),))
        for n, first in again.items()
    )
    parsed = [r for r in parsed if r.row not in again]
    label = headers["phone"]
    dup = duplicates(
        parsed, lambda r: r.phone, lambda r: r.row, N_("same {column} as row {rows}"), column=label
    )
    report.errors.extend(RowError(n, (reason,)) for n, reason in dup.items())
    report.errors.sort(key=lambda e: e.row)
    if report.errors and not skip_bad:
        return report
    good = [r for r in parsed if r.row not in dup]
    async with q.transaction(session):
        users = {u.phone: u for u in await q.all_users(session)}
        tree = await OrgTree.load(session, settings.county_name)
        departments = await Departments.load(session)
        for item in bar(good, "writing", progress):
            changes: dict[str, Any] = {"name": item.name}
            if item.department:
                changes["department_id"] = (await departments.ensure(item.department)).id
            if item.role is not None:
                changes["role"] = item.role
            if item.scope is not None:
                changes["scope_id"] = (await tree.ensure(item.scope)).id if item.scope else None
            user = users.get(item.phone)
            if user is not None and same_name(user.name, item.name):
                # Only the script differs: the stored spelling stays.
                del changes["name"]
            if user is None:
                changes.setdefault("role", Role.HELPER)
                user = q.add_user(session, phone=item.phone, **changes)
                users[item.phone] = user
                report.created += 1
            elif set_changed(user, changes):
                report.updated += 1
            else:
                report.unchanged += 1
        report.applied = True
        report.units_created, report.departments_created = tree.created, departments.created
        audit(session, report, actor_label)
        await q.flush(session)
    return report
