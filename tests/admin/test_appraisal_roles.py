"""The role matrix of the appraisal commands: every use case behind /spotcheck, /appraise,
its buttons, /myappraisal, /repair and its buttons, the rectification button, the card hook
and the export, against every role at county, township and village scope.

Forged callback data is a record id outside the actor's scope (helper 乙, household 張三):
it must read as missing, never act. The unregistered stranger is refused before any use
case runs (tests/e2e/appraisal_flow.py sends them every command and a forged button).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.appraisal import default_rules
from bot.domain.errors import DomainError, NotAllowed
from bot.domain.oversight import PeriodSpan
from bot.domain.people import Actor
from bot.domain.spotcheck import SpotCheckDraft
from bot.domain.visits import VisitRules
from bot.domain.vocabulary import CheckMethod, Role
from bot.services.appraisal import (
    adjust_appraisal,
    appraisal_page,
    finalise_appraisal,
    my_appraisals,
    run_appraisal,
)
from bot.services.appraisal_export import appraisal_rows
from bot.services.exports import run_export
from bot.services.oversight_summary import helper_oversight
from bot.services.rectification import close_rectification
from bot.services.repairing import decide_repair, propose_repair
from bot.services.spotcheck import record_spot_check
from storage.uow import UnitOfWork
from tests.admin.world import NOW, SCOPES, World, build_world

Uows = Callable[[], UnitOfWork]
RULES = default_rules()
VISITS = VisitRules(tz=NOW.tzinfo or __import__("datetime").UTC, late_days=7, default_quota=2)
ROLES = (Role.OFFICE, Role.LEADER, Role.MEMBER, Role.HELPER)
OK = "ok"


async def _outcome(call: Awaitable[object]) -> str:
    try:
        await call
    except DomainError as error:
        return type(error).__name__
    return OK


async def _run(uows: Uows, world: World, period: str = "2026-11") -> None:
    await run_appraisal(
        uows(), world.actor(Role.OFFICE), period, now=NOW, rules=RULES, visits=VISITS
    )


async def _appraisal_id(uows: Uows, world: World, helper: Actor, period: str) -> int:
    page = await appraisal_page(uows(), world.actor(Role.OFFICE), period, limit=10)
    return next(line.id for line in page.lines if line.helper_id == helper.id)


def _expect(
    allowed: set[Role], *, narrow: str = OK, member: str | None = None
) -> Callable[[Role, str], str]:
    """Allowed roles pass at county scope; below it `narrow` (out of scope); others refused."""

    def expected(role: Role, scope: str) -> str:
        if role not in allowed:
            return "NotAllowed"
        if role == Role.MEMBER and member is not None:
            return member
        return OK if scope == "county" or role == Role.HELPER else narrow

    return expected


async def _matrix(
    world: World,
    act: Callable[[Actor], Awaitable[object]],
    expected: Callable[[Role, str], str],
) -> None:
    wrong = []
    for role in ROLES:
        for scope in SCOPES if role != Role.HELPER else ("county",):
            got = await _outcome(act(world.actor(role, scope)))
            want = expected(role, scope)
            if got != want:
                wrong.append(f"{role}/{scope}: {got}, expected {want}")
    assert wrong == []


@pytest.fixture
async def world(session: AsyncSession) -> World:
    return await build_world(session)


async def test_appraise_runs_for_the_office_only_and_sees_its_scope(
    uows: Uows, world: World
) -> None:
    await _matrix(
        world,
        lambda a: run_appraisal(uows(), a, "2026-11", now=NOW, rules=RULES, visits=VISITS),
        _expect({Role.OFFICE}),
    )
    for scope, helpers in (("county", 2), ("township", 1), ("village", 1)):
        page = await appraisal_page(uows(), world.actor(Role.OFFICE, scope), "2026-11")
        assert page.total == helpers


async def test_the_review_pages_are_for_office_and_leaders(uows: Uows, world: World) -> None:
    await _run(uows, world)
    await _matrix(
        world,
        lambda a: appraisal_page(uows(), a, "2026-11", offset=0),
        _expect({Role.OFFICE, Role.LEADER}),
    )


async def test_adjusting_a_forged_appraisal_out_of_scope_reads_as_missing(
    uows: Uows, world: World
) -> None:
    await _run(uows, world)
    forged = await _appraisal_id(uows, world, world.helper_b, "2026-11")
    await _matrix(
        world,
        lambda a: adjust_appraisal(
            uows(), a, appraisal_id=forged, total=50, reason="核實", rules=RULES
        ),
        _expect({Role.OFFICE}, narrow="AppraisalNotFound"),
    )


async def test_the_annual_appraisal_is_confirmed_by_leaders_only(uows: Uows, world: World) -> None:
    await _run(uows, world, "2026")

    def expected(role: Role, scope: str) -> str:
        if role == Role.OFFICE:
            return "AnnualNeedsLeader"
        if role == Role.LEADER:
            # village confirms 甲 (its only helper); township finds nothing left in its
            # scope; the county confirms 乙.
            return "AppraisalFinal" if scope == "township" else OK
        return "NotAllowed"

    order_scopes = ("village", "township", "county")

    async def act(a: Actor) -> object:
        return await finalise_appraisal(
            uows(), a, "2026", now=NOW, today=date(2026, 11, 20), rules=RULES
        )

    wrong = []
    for role in ROLES:
        for scope in order_scopes if role != Role.HELPER else ("county",):
            got = await _outcome(act(world.actor(role, scope)))
            if got != expected(role, scope):
                wrong.append(f"{role}/{scope}: {got}")
    assert wrong == []


async def test_regular_appraisals_are_published_by_the_office(uows: Uows, world: World) -> None:
    await _run(uows, world)
    for role in (Role.LEADER, Role.MEMBER, Role.HELPER):
        got = await _outcome(
            finalise_appraisal(
                uows(),
                world.actor(role),
                "2026-11",
                now=NOW,
                today=date(2026, 11, 20),
                rules=RULES,
            )
        )
        assert got == "NotAllowed", role


@pytest.mark.parametrize("forged", [False, True])
async def test_spot_checks_are_the_office_s(uows: Uows, world: World, forged: bool) -> None:
    helper = world.helper_b if forged else world.helper_a
    await _matrix(
        world,
        lambda a: record_spot_check(
            uows(),
            a,
            SpotCheckDraft(
                token=f"{a.id}-{forged}",
                helper_id=helper.id,
                helper_name=helper.name,
                method=CheckMethod.PHONE,
                satisfaction=4,
            ),
            now=NOW,
        ),
        _expect({Role.OFFICE}, narrow="HelperNotFound" if forged else OK),
    )


async def test_only_helpers_have_their_own_appraisal(uows: Uows, world: World) -> None:
    await _matrix(world, lambda a: my_appraisals(uows(), a), _expect({Role.HELPER}))


async def test_re_pairing_is_proposed_by_the_office_within_its_scope(
    uows: Uows, world: World
) -> None:
    await _matrix(
        world,
        lambda a: propose_repair(
            uows(),
            a,
            household_id=world.household_b,
            helper_id=world.helper_a.id,
            reason="調動",
            now=NOW,
        ),
        _expect({Role.OFFICE}, narrow="HouseholdNotFound"),
    )


async def test_a_forged_decision_button_reads_as_missing(uows: Uows, world: World) -> None:
    proposal = await propose_repair(
        uows(),
        world.actor(Role.OFFICE),
        household_id=world.household_b,
        helper_id=world.helper_a.id,
        reason="調動",
        now=NOW,
    )

    def expected(role: Role, scope: str) -> str:
        if role != Role.LEADER:
            return "NotAllowed"
        return {"village": "RepairNotFound", "township": "RepairNotFound"}.get(scope, OK)

    wrong = []
    for role in ROLES:
        for scope in ("village", "township", "county") if role != Role.HELPER else ("county",):
            got = await _outcome(
                decide_repair(
                    uows(),
                    world.actor(role, scope),
                    request_id=proposal.request.id,
                    approve=False,
                    today=date(2026, 11, 20),
                    now=NOW,
                )
            )
            if got != expected(role, scope):
                wrong.append(f"{role}/{scope}: {got}")
    assert wrong == []
    # A request id that does not exist at all is missing for everyone.
    got = await _outcome(
        decide_repair(
            uows(),
            world.actor(Role.LEADER),
            request_id=999_999,
            approve=True,
            today=date(2026, 11, 20),
            now=NOW,
        )
    )
    assert got == "RepairNotFound"


async def test_closing_a_rectification_is_the_office_s(uows: Uows, world: World) -> None:
    await _run(uows, world)
    await finalise_appraisal(
        uows(),
        world.actor(Role.OFFICE),
        "2026-11",
        now=NOW,
        today=date(2026, 11, 20),
        rules=RULES,
    )
    async with uows() as uow:
        rows = await uow.consequences.open_rectifications()
        rect_id = next(r.id for r, _, _, _ in rows if r.helper_id == world.helper_b.id)

    def expected(role: Role, scope: str) -> str:
        if role != Role.OFFICE:
            return "NotAllowed"
        return OK if scope == "county" else "RectificationNotFound"

    # The county office goes last: once closed, the rectification is no longer open.
    wrong = []
    for role in ROLES:
        for scope in ("village", "township", "county") if role != Role.HELPER else ("county",):
            got = await _outcome(
                close_rectification(
                    uows(), world.actor(role, scope), rect_id, today=date(2026, 11, 21), now=NOW
                )
            )
            if got != expected(role, scope):
                wrong.append(f"{role}/{scope}: {got}")
    assert wrong == []


@pytest.mark.parametrize("forged", [False, True])
async def test_the_card_hook_follows_role_scope_and_department(
    uows: Uows, world: World, forged: bool
) -> None:
    helper = world.helper_b if forged else world.helper_a
    await _matrix(
        world,
        lambda a: helper_oversight(uows(), a, helper.id),
        _expect(
            {Role.OFFICE, Role.LEADER, Role.MEMBER},
            narrow="HelperNotFound" if forged else OK,
            member="HelperNotFound" if forged else OK,
        ),
    )


async def test_the_appraisal_export_is_for_office_and_leaders(uows: Uows, world: World) -> None:
    await _run(uows, world)

    async def export(a: Actor) -> int:
        _, rows = await appraisal_rows(uows(), a, "2026-11")
        return len([row async for row in rows])

    await _matrix(world, export, _expect({Role.OFFICE, Role.LEADER}))
    assert await export(world.actor(Role.LEADER, "county")) == 2
    assert await export(world.actor(Role.LEADER, "village")) == 1


async def test_the_appraisal_export_kind_writes_the_same_rows(
    uows: Uows, world: World, tmp_path: Path
) -> None:
    await _run(uows, world)
    leader = world.actor(Role.LEADER, "county")
    headers, rows = await appraisal_rows(uows(), leader, "2026-11")
    expected = [list(headers)] + [list(row) async for row in rows]
    done = await run_export(
        uows(),
        leader,
        key="appraisal",
        span=PeriodSpan(202611, 202611),
        area="",
        tz=UTC,
        folder=tmp_path,
    )
    sheet = load_workbook(done.path).active
    assert sheet is not None and sheet.freeze_panes == "A2"
    written = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert done.rows == 2 and written == expected
    # A department head oversees but does not read appraisals in bulk.
    with pytest.raises(NotAllowed):
        await run_export(
            uows(),
            world.actor(Role.MEMBER),
            key="appraisal",
            span=PeriodSpan(202611, 202611),
            area="",
            tz=UTC,
            folder=tmp_path,
        )
