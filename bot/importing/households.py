"""Importing households: match stored ones, then write them and their pairings in bulk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.config import Settings
from bot.domain.script import fold, same_name
from bot.domain.vocabulary import HomeSource, HouseholdStatus, Role
from bot.i18n import N_
from bot.importing.columns import HOUSEHOLD_COLUMNS, map_headers
from bot.importing.orgtree import OrgTree
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
from bot.importing.validate import (
    HouseholdRow,
    Problem,
    RowError,
    helper_reference,
    parse_household_row,
    problem,
)
from storage.base import utcnow
from storage.models import Household, Pairing, User
from storage.queries import imports as q

PAIRING_REASON = "import"
IMPORT_STEP = "import"


@dataclass
class _Plan:
    item: HouseholdRow
    helper: User
    existing: Household | None


class _Lookup:
    """Existing users, households and open pairings, read once for a households import."""

    def __init__(self, users: Sequence[User], households: Sequence[Household]) -> None:
        self.by_phone = {u.phone: u for u in users}
        self.by_name: dict[str, list[User]] = defaultdict(list)
        for user in users:
            self.by_name[fold(user.name)].append(user)
        self.by_hash = {h.id_hash: h for h in households if h.id_hash}
        self.by_place: dict[tuple[int, str], list[Household]] = defaultdict(list)
        for household in households:
            self.by_place[(household.village_id, fold(household.head_name))].append(household)
        self.open: dict[int, list[Pairing]] = defaultdict(list)

        self.has_helpers = any(u.role == Role.HELPER and u.active for u in users)

    def _found(self, phone: str | None, name: str | None) -> list[User]:
        if phone is not None:
            user = self.by_phone.get(phone)
            return [user] if user is not None else []
        return self.by_name.get(fold(name or ""), [])

    def helper(self, phone: str | None, name: str | None, label: str) -> User | Problem | None:
        """The helper a row names, or why it names none; None when nobody by that name exists
        (the caller says so, once for the file when no helper is stored at all)."""
        found = self._found(phone, name)
        if len(found) == 1:
            if not found[0].active:
                return problem(
                    N_("{column} {name} is no longer active"), column=label, name=found[0].name
                )
            return found[0]
        if not found:
            return None
        return problem(
            N_("{column} {name} matches {count} people; use the phone number"),
            column=label,
            name=repr(name),
            count=len(found),
        )

    def household(self, item: HouseholdRow, village_id: int | None) -> Household | Problem | None:
        """The stored household a row updates, None for a new one, or why it is ambiguous."""
        if item.id_hash is not None and item.id_hash in self.by_hash:
            return self.by_hash[item.id_hash]
        if village_id is None:
            return None
        same = self.by_place.get((village_id, fold(item.head_name)), [])
        if item.id_hash is not None:
            # A household first imported without an ID number gets it now.
            same = [h for h in same if h.id_hash is None]
        if len(same) > 1:
            return problem(
                N_(
                    "{count} households in {place} are headed by {name}; "
                    "add the ID number to tell them apart"
                ),
                count=len(same),
                place=f"{item.township}/{item.village}",
                name=item.head_name,
            )
        return same[0] if same else None


async def _load(session: q.AsyncSession) -> _Lookup:
    lookup = _Lookup(await q.all_users(session), await q.all_households(session))
    for pairing in await q.open_pairings(session):
        lookup.open[pairing.household_id].append(pairing)
    return lookup


def _household_changes(item: HouseholdRow, existing: Household | None) -> dict[str, Any]:
    """The stored fields a row sets; blank optional cells leave stored values alone."""
    changes: dict[str, Any] = {
        "head_name": item.head_name,
        "members": item.members,
        "causes": list(item.causes),
        "income_per_capita": item.income,
    }
    if existing is not None and same_name(existing.head_name, item.head_name):
        # Only the script differs: the stored spelling stays.
        del changes["head_name"]
    if item.id_hash is not None:
        changes.update(id_hash=item.id_hash, id_masked=item.id_masked)
    if item.phone is not None:
        changes["phone"] = item.phone
    if item.status is not None or existing is None:
        changes["status"] = item.status or HouseholdStatus.POOR
    # A home confirmed from a visit is better evidence than a spreadsheet: keep it.
    confirmed = existing is not None and existing.home_source == HomeSource.CONFIRMED_VISIT
    if item.latitude is not None and not confirmed:
        changes.update(
            home_lat=item.latitude, home_lon=item.longitude, home_source=HomeSource.IMPORTED
        )
    return changes


async def import_households(
    session: q.AsyncSession,
    rows: Rows,
    *,
    skip_bad: bool,
    settings: Settings,
    source: str | None = None,
    today: date | None = None,
    progress: bool | None = None,
    actor_label: str = "cli",
    allow_builtin_key: bool = False,
) -> ImportReport:
    """Create or update households and their helper pairings from a households file.

    ID-card numbers are refused while the public built-in hash key is in force (anyone could
    recover them from the stored hash and mask); only the sandbox's demo data may use it.
    """
    today = today or date.today()
    key = settings.id_hash_key.get_secret_value()
    table = as_table(rows, source or "rows")
    headers = map_headers(table.headers, HOUSEHOLD_COLUMNS)
    report = prepare(table, source, "households")
    parsed: list[HouseholdRow] = []
    # Every row's problems, and how it names its helper (looked up even for a bad row).
    problems: dict[int, list[Problem]] = defaultdict(list)
    references: dict[int, tuple[str | None, str | None]] = {}
    for raw in bar(table.rows, "checking", progress):
        result = parse_household_row(raw.number, raw.cells, headers, id_key=key)
        if isinstance(result, RowError):
            problems[raw.number].extend(result.problems)
            reference = helper_reference(raw.cells, headers)
            if reference is not None:
                references[raw.number] = reference
        else:
            parsed.append(result)
            references[result.row] = (result.helper_phone, result.helper_name)
    if settings.builtin_id_key and not allow_builtin_key and any(r.id_hash for r in parsed):
        report.blocker = problem(
            N_(
                "ID-card numbers are not imported while BANGFU_ID_HASH_KEY is the built-in "
                "key, which is public: set a secret key of your own (see docs/privacy.md), "
                "then import again"
            )
        )
        return report
    for number, first in repeats(parsed, lambda r: r.row).items():
        problems[number].append(problem(N_("duplicate of row {row}"), row=first))
    parsed = [r for r in parsed if r.row not in problems]
    id_label, helper_label = headers.get("id_number", "身份證號"), headers["helper"]
    bad = duplicates(
        parsed,
        lambda r: r.id_hash,
        lambda r: r.row,
        N_("same {column} as row {rows}"),
        column=id_label,
    )
    # A row without an ID number is known by its place and name, which no other row may share.
    names = duplicates(
        parsed,
        lambda r: (fold(r.township), fold(r.village), fold(r.head_name)),
        lambda r: r.row,
        N_("same {column} in the same village as row {rows}"),
        column=headers["head_name"],
    )
    for item in parsed:
        if item.id_hash is None and item.row in names:
            bad.setdefault(item.row, names[item.row])
    for number, reason in bad.items():
        problems[number].append(reason)
    async with q.transaction(session):
        lookup = await _load(session)
        tree = await OrgTree.load(session, settings.county_name)
        helpers: dict[int, User] = {}
        unknown: dict[int, Problem] = {}
        for number, (phone, name) in references.items():
            helper = lookup.helper(phone, name, helper_label)
            if isinstance(helper, User):
                helpers[number] = helper
            elif helper is None:
                unknown[number] = problem(
                    N_("{column} {helper} is not a known helper (import helpers first)"),
                    column=helper_label,
                    helper=phone or repr(name),
                )
            else:
                problems[number].append(helper)
        if unknown and not lookup.has_helpers:
            # Every row would say the same thing: say it once.
            report.blocker = problem(
                N_("no helpers are stored yet: import the helpers file first")
            )
        else:
            for number, reason in unknown.items():
                problems[number].append(reason)
        plans: list[_Plan] = []
        for item in bar(parsed, "matching", progress):
            if item.row in problems or item.row not in helpers:
                continue
            village = tree.find((item.township, item.village))
            existing = lookup.household(item, village.id if village else None)
            if isinstance(existing, Problem):
                problems[item.row].append(existing)
            else:
                plans.append(_Plan(item, helpers[item.row], existing))
        targets = duplicates(
            [p for p in plans if p.existing is not None],
            lambda p: p.existing.id if p.existing else None,
            lambda p: p.item.row,
            N_("updates the same stored household as row {rows}"),
        )
        for number, reason in targets.items():
            problems[number].append(reason)
        report.errors.extend(RowError(n, tuple(r)) for n, r in sorted(problems.items()))
        if report.blocker is not None or (report.errors and not skip_bad):
            return report
        plans = [p for p in plans if p.item.row not in problems]
        plans = [p for p in plans if p.item.row not in bad]
        await _apply_households(session, plans, lookup, tree, report, today, progress)
        report.applied = True
        report.units_created = tree.created
        audit(session, report, actor_label)
        await q.flush(session)
    return report


# Every column a new household row sets, so bulk inserts see one shape of parameters.
_NEW_COLUMNS = (
    "head_name", "members", "village_id", "group_id", "id_masked", "id_hash", "phone", "causes",
    "income_per_capita", "status", "home_lat", "home_lon", "home_source",
)  # fmt: skip


async def _apply_households(
    session: q.AsyncSession,
    plans: Sequence[_Plan],
    lookup: _Lookup,
    tree: OrgTree,
    report: ImportReport,
    today: date,
    progress: bool | None,
) -> None:
    new_plans: list[_Plan] = []
    new_rows: list[dict[str, Any]] = []
    changed: set[int] = set()
    history: list[dict[str, Any]] = []
    for plan in bar(plans, "writing", progress):
        item = plan.item
        village = await tree.ensure((item.township, item.village))
        changes = _household_changes(item, plan.existing)
        changes["village_id"] = village.id
        if item.group is not None:
            changes["group_id"] = (await tree.ensure((item.township, item.village, item.group))).id
        if plan.existing is None:
            new_plans.append(plan)
            new_rows.append({c: changes.get(c) for c in _NEW_COLUMNS})
            continue
        old_status = plan.existing.status
        if set_changed(plan.existing, changes):
            changed.add(plan.existing.id)
        if plan.existing.status != old_status:
            history.append(_history(plan.existing.id, old_status, plan.existing.status))
    new_ids = await q.insert_households(session, new_rows)
    pairings: list[dict[str, Any]] = []
    for plan, household_id, row in zip(new_plans, new_ids, new_rows, strict=True):
        history.append(_history(household_id, None, row["status"]))
        pairings.append(_pairing(plan.helper, household_id, today))
    for plan in plans:
        if plan.existing is None:
            continue
        open_now = lookup.open.get(plan.existing.id, [])
        if [p.helper_id for p in open_now] == [plan.helper.id]:
            continue
        for pairing in open_now:
            if pairing.helper_id != plan.helper.id:
                pairing.ended_on = today
                report.pairings_ended += 1
        if not any(p.helper_id == plan.helper.id for p in open_now):
            pairings.append(_pairing(plan.helper, plan.existing.id, today))
        changed.add(plan.existing.id)
    await q.flush(session)
    await q.insert_pairings(session, pairings)
    await q.insert_status_changes(session, history)
    report.pairings_opened = len(pairings)
    report.created = len(new_rows)
    updated = sum(1 for p in plans if p.existing is not None and p.existing.id in changed)
    report.updated = updated
    report.unchanged = sum(1 for p in plans if p.existing is not None) - updated


def _history(
    household_id: int, old: HouseholdStatus | None, new: HouseholdStatus
) -> dict[str, Any]:
    return {
        "household_id": household_id,
        "old_status": old,
        "new_status": new,
        "step": IMPORT_STEP,
        "changed_at": utcnow(),
    }


def _pairing(helper: User, household_id: int, today: date) -> dict[str, Any]:
    return {
        "helper_id": helper.id,
        "household_id": household_id,
        "started_on": today,
        "reason": PAIRING_REASON,
    }
