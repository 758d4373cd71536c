"""The organisation tree and departments, loaded once and grown as imports need them.

Names match through `fold`, so 青山镇 finds the stored 青山鎮; a new unit or department keeps
the name as the file first wrote it.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.script import fold
from bot.domain.vocabulary import OrgKind
from bot.i18n import N_
from bot.importing.validate import Problem, problem
from storage.models import Department, OrgUnit
from storage.queries import imports as q

# Depth below the county → kind of unit.
LEVELS = (OrgKind.TOWNSHIP, OrgKind.VILLAGE, OrgKind.GROUP)
_MISSING = {
    OrgKind.TOWNSHIP: N_("there is no township {name} in {where}"),
    OrgKind.VILLAGE: N_("there is no village {name} in {where}"),
    OrgKind.GROUP: N_("there is no group {name} in {where}"),
}


class OrgTree:
    """Every org unit in memory, keyed by (parent, kind, folded name); keeps `path` right."""

    def __init__(self, session: q.AsyncSession, county_name: str, units: Sequence[OrgUnit]):
        self.session = session
        self.county_name = county_name
        self._by_key = {(u.parent_id, u.kind, fold(u.name)): u for u in units}
        self.created = 0

    @classmethod
    async def load(cls, session: q.AsyncSession, county_name: str) -> OrgTree:
        """Read all units in one query."""
        units = await q.all_org_units(session)
        return cls(session, county_name, units)

    def county(self) -> OrgUnit | None:
        """The county unit named in the settings, if it exists yet."""
        return self._by_key.get((None, OrgKind.COUNTY, fold(self.county_name)))

    def find(self, names: Sequence[str]) -> OrgUnit | None:
        """The unit at township[/village[/group]] under the county, or None."""
        unit = self.county()
        for kind, name in zip(LEVELS, names, strict=False):
            if unit is None:
                return None
            unit = self._by_key.get((unit.id, kind, fold(name)))
        return unit

    def villages_named(self, name: str) -> list[OrgUnit]:
        """Every village of that (folded) name, in any township."""
        key = fold(name)
        return [
            unit
            for (_, kind, folded), unit in self._by_key.items()
            if kind == OrgKind.VILLAGE and folded == key
        ]

    def example_village(self) -> str | None:
        """The township/village path of some stored village, to show the scope format."""
        for unit in self._by_key.values():
            if unit.kind == OrgKind.VILLAGE:
                return "/".join(self.path_names(unit.id))
        return None

    def explain_missing(self, names: Sequence[str]) -> Problem:
        """Which part of a township/village/group path does not exist, in plain words."""
        unit = self.county()
        if unit is None:
            return problem(
                N_("the county {county} has no townships or villages yet"),
                county=self.county_name,
            )
        for depth, (kind, name) in enumerate(zip(LEVELS, names, strict=False)):
            child = self._by_key.get((unit.id, kind, fold(name)))
            if child is None:
                where = "/".join(names[:depth]) or self.county_name
                return problem(_MISSING[kind], name=repr(name), where=where)
            unit = child
        return problem(N_("it exists"))

    async def _create(self, parent: OrgUnit | None, kind: OrgKind, name: str) -> OrgUnit:
        unit = await q.add_org_unit(self.session, parent, kind, name)
        self._by_key[(unit.parent_id, kind, fold(name))] = unit
        self.created += 1
        return unit

    async def ensure_county(self) -> OrgUnit:
        """The county unit, created when missing."""
        county = self.county()
        if county is None:
            county = await self._create(None, OrgKind.COUNTY, self.county_name)
        return county

    async def ensure(self, names: Sequence[str]) -> OrgUnit:
        """The unit at township[/village[/group]], creating any missing level."""
        unit = await self.ensure_county()
        for kind, name in zip(LEVELS, names, strict=False):
            child = self._by_key.get((unit.id, kind, fold(name)))
            unit = child if child is not None else await self._create(unit, kind, name)
        return unit

    def path_names(self, unit_id: int | None) -> list[str]:
        """Names from the township down to the unit (empty for the county or None)."""
        by_id = {u.id: u for u in self._by_key.values()}
        names: list[str] = []
        unit = by_id.get(unit_id) if unit_id is not None else None
        while unit is not None and unit.kind != OrgKind.COUNTY:
            names.append(unit.name)
            unit = by_id.get(unit.parent_id) if unit.parent_id is not None else None
        return names[::-1]


class Departments:
    """Departments by name, created on first use."""

    def __init__(self, session: q.AsyncSession, departments: Sequence[Department]):
        self.session = session
        self._by_name = {fold(d.name): d for d in departments}
        self.created = 0

    @classmethod
    async def load(cls, session: q.AsyncSession) -> Departments:
        """Read all departments in one query."""
        return cls(session, await q.all_departments(session))

    def get(self, name: str) -> Department | None:
        """The department of that name, if any."""
        return self._by_name.get(fold(name))

    async def ensure(self, name: str) -> Department:
        """The department of that name, created when missing."""
        department = self._by_name.get(fold(name))
        if department is None:
            department = await q.add_department(self.session, name)
            self._by_name[fold(name)] = department
            self.created += 1
        return department
