"""Every overseer command and button against every role and scope, forged buttons included.

One row per command or callback: how to run it, and what each scope gets ("ok", or "not
found" when the thing asked for lies outside it). A helper is refused everything. A new
admin command is one more row in ROWS; the last test fails while a registered command of
these handlers has no row.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from telegram.ext import CommandHandler

from bot.domain.errors import AreaNotFound, NotAllowed, RecordNotFound
from bot.domain.oversight import PeriodSpan, can_oversee
from bot.domain.people import Actor
from bot.domain.vocabulary import Role
from bot.services.audit_log import audit_page
from bot.services.exports import run_export
from bot.services.oversight import (
    area_view,
    find_helpers,
    helper_card,
    household_view,
    month_summary,
)
from handlers import audit, exports, oversight
from handlers.oversight_views import parse_drill
from storage.db import SessionFactory, create_engine, session_factory
from storage.uow import UnitOfWork
from tests.admin.county import PERIOD, QUOTA, RULES, County, build_county
from tests.conftest import shared_factory

OK, NOT_FOUND, REFUSED = "ok", "not found", "refused"
SCOPES = ("county", "township", "village", "department")
# (role, scope) pairs: office and leaders at three levels, a department head, a helper.
ACCESS = [
    (Role.OFFICE, "county"),
    (Role.OFFICE, "township"),
    (Role.OFFICE, "village"),
    (Role.LEADER, "county"),
    (Role.LEADER, "township"),
    (Role.LEADER, "village"),
    (Role.MEMBER, "department"),
    (Role.HELPER, "county"),
]
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class World:
    """What a row runs against: units of work on the county's database, a scratch folder."""

    uows: Callable[[], UnitOfWork]
    county: County
    folder: Path


Run = Callable[[World, Actor], Awaitable[object]]


def everywhere(outcome: str) -> dict[str, str]:
    """The same outcome in every scope."""
    return dict.fromkeys(SCOPES, outcome)


def only(*scopes: str) -> dict[str, str]:
    """OK in these scopes, not found in the others."""
    return {s: OK if s in scopes else NOT_FOUND for s in SCOPES}


async def press(world: World, actor: Actor, data: str) -> object:
    """A drill-down button press as the handler takes it: role, then data, then scope."""
    if not can_oversee(actor.role):
        raise NotAllowed()
    parsed = parse_drill(data)
    if parsed is None:
        raise RecordNotFound()
    kind, period, target = parsed
    if kind == "h":
        return await household_view(
            world.uows(), actor, target, period=period, default_quota=QUOTA
        )
    if kind == "p":
        return await helper_card(world.uows(), actor, target, period=period, default_quota=QUOTA)
    return await area_view(world.uows(), actor, target or None, period=period, default_quota=QUOTA)


def _summary(area: str) -> Run:
    async def run(world: World, actor: Actor) -> object:
        return await month_summary(
            world.uows(), actor, period=PERIOD, area=area, default_quota=QUOTA, rules=RULES
        )

    return run


def _export(kind: str, area: str = "") -> Run:
    async def run(world: World, actor: Actor) -> object:
        return await run_export(
            world.uows(),
            actor,
            key=kind,
            span=PeriodSpan(PERIOD, PERIOD),
            area=area,
            tz=SHANGHAI,
            folder=world.folder,
        )

    return run


def _button(data: Callable[[County], str]) -> Run:
    async def run(world: World, actor: Actor) -> object:
        return await press(world, actor, data(world.county))

    return run


async def _helpers(world: World, actor: Actor) -> object:
    return await find_helpers(world.uows(), actor, "")


async def _audit(world: World, actor: Actor) -> object:
    return await audit_page(world.uows(), actor, "")


async def _audit_page_two(world: World, actor: Actor) -> object:
    if not can_oversee(actor.role):
        raise NotAllowed()
    return await audit_page(world.uows(), actor, "", offset=10)


@dataclass(frozen=True)
class Row:
    """One command or button, how to run it, and the outcome per scope."""

    name: str
    run: Run
    expect: Mapping[str, str]


ROWS = [
    Row("/summary", _summary(""), everywhere(OK)),
    Row("/summary 河边村", _summary("河边村"), only("county", "department")),
    Row("/helpers", _helpers, everywhere(OK)),
    Row("/export visits", _export("visits"), everywhere(OK)),
    Row("/export households", _export("households"), everywhere(OK)),
    Row("/export coverage 白水乡", _export("coverage", "白水乡"), only("county", "department")),
    Row("/audit", _audit, everywhere(OK)),
    Row("aud:10 (next audit page)", _audit_page_two, everywhere(OK)),
    Row("ov:a top", _button(lambda c: f"ov:a:{PERIOD}:0"), everywhere(OK)),
    Row(
        "ov:a 青山鎮",
        _button(lambda c: f"ov:a:{PERIOD}:{c.units['青山鎮']}"),
        only("county", "township", "department"),
    ),
    Row(
        "ov:a 河邊村",
        _button(lambda c: f"ov:a:{PERIOD}:{c.units['河邊村']}"),
        only("county", "department"),
    ),
    Row(
        "ov:h 大寨戶",
        _button(lambda c: f"ov:h:{PERIOD}:{c.households['大寨村']}"),
        everywhere(OK),
    ),
    Row(
        "ov:h 河邊戶 (forged outside the scope)",
        _button(lambda c: f"ov:h:{PERIOD}:{c.households['河邊村']}"),
        only("county"),
    ),
    Row("ov:p 王芳", _button(lambda c: f"ov:p:{PERIOD}:{c.helpers['王芳']}"), everywhere(OK)),
    Row(
        "ov:p 李明 (forged outside the scope)",
        _button(lambda c: f"ov:p:{PERIOD}:{c.helpers['李明']}"),
        only("county"),
    ),
    Row(
        "ov:h no such household (forged)",
        _button(lambda c: f"ov:h:{PERIOD}:999999"),
        everywhere(NOT_FOUND),
    ),
    Row(
        "ov:a a village as a helper id (forged)",
        _button(lambda c: f"ov:p:{PERIOD}:{c.units['大寨村']}"),
        everywhere(NOT_FOUND),
    ),
    Row("ov:h:abc (malformed)", _button(lambda c: "ov:h:abc"), everywhere(NOT_FOUND)),
    Row("ov:zz:1:1 (malformed)", _button(lambda c: "ov:zz:1:1"), everywhere(NOT_FOUND)),
]


@pytest.fixture(scope="module")
def county_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, County]]:
    """One SQLite county for the whole table (every row only reads it)."""
    workdir = tmp_path_factory.mktemp("role-matrix")

    async def build() -> tuple[str, County]:
        url = await shared_factory("sqlite", workdir).migrated()
        engine = create_engine(url)
        try:
            return url, await build_county(session_factory(engine))
        finally:
            await engine.dispose()

    yield asyncio.run(build())


@pytest.fixture
async def world(county_db: tuple[str, County], tmp_path: Path) -> AsyncIterator[World]:
    url, county = county_db
    engine = create_engine(url)
    sessions: SessionFactory = session_factory(engine)
    yield World(lambda: UnitOfWork(sessions), county, tmp_path)
    await engine.dispose()


async def _outcome(row: Row, world: World, actor: Actor) -> str:
    try:
        await row.run(world, actor)
    except NotAllowed:
        return REFUSED
    except (RecordNotFound, AreaNotFound):
        return NOT_FOUND
    return OK


@pytest.mark.parametrize(("role", "scope"), ACCESS, ids=[f"{r}-{s}" for r, s in ACCESS])
@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
async def test_role_matrix(row: Row, role: Role, scope: str, world: World) -> None:
    actor = world.county.actor(role, scope)
    expected = REFUSED if role == Role.HELPER else row.expect[scope]
    assert await _outcome(row, world, actor) == expected


def test_every_command_of_these_handlers_has_a_row() -> None:
    commands = {
        command
        for module in (oversight, exports, audit)
        for handler in module.handlers()
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }
    covered = {row.name.split()[0].lstrip("/") for row in ROWS}
    assert commands <= covered
