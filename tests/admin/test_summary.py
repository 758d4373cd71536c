"""/summary, /helpers, the drill-down and /audit read exactly the reader's scope."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.domain.errors import AreaNotFound, RecordNotFound
from bot.domain.vocabulary import Role
from bot.services.audit_log import audit_page
from bot.services.oversight import (
    area_view,
    find_helpers,
    helper_card,
    household_view,
    month_summary,
)
from storage.db import SessionFactory
from storage.uow import UnitOfWork
from tests.admin.county import PERIOD, QUOTA, RULES, build_county

Uows = Callable[[], UnitOfWork]


async def test_the_county_summary_has_every_figure(sessions: SessionFactory, uows: Uows) -> None:
    county = await build_county(sessions)
    office = county.actor(Role.OFFICE, "county")
    s = await month_summary(
        uows(), office, period=PERIOD, area="", default_quota=QUOTA, rules=RULES
    )
    assert s.households == 3
    assert (s.compliance.met, s.compliance.paired) == (1, 3)
    assert s.helpers_on_track == 0
    assert s.helpers_behind == (("王芳", 2), ("李明", 1))
    assert (s.coverage.enrolled, s.coverage.eligible) == (2, 3)
    assert [h.head_name for h in s.exit_ready] == ["大寨戶"]
    assert [h.head_name for h in s.at_risk] == ["河邊戶"]
    assert (s.open_flags, s.open_complaints) == (1, 1)
    assert s.bars_by == "village" and len(s.bars) == 3
    assert [p for p, _ in s.trend] == [202606, 202607, 202608, 202609, 202610, 202611]
    # October: one visit day to 大寨村戶, short of its quota of two.
    assert dict(s.trend)[202610] == 0.0
    assert dict(s.trend)[202611] == pytest.approx(1 / 3)


async def test_an_area_is_found_in_either_script_and_only_inside_the_scope(
    sessions: SessionFactory, uows: Uows
) -> None:
    county = await build_county(sessions)
    office = county.actor(Role.OFFICE, "county")
    s = await month_summary(
        uows(), office, period=PERIOD, area="青山镇", default_quota=QUOTA, rules=RULES
    )
    assert s.area == "青山鎮" and s.households == 2
    assert (s.open_flags, s.open_complaints, s.at_risk) == (0, 1, ())
    township = county.actor(Role.OFFICE, "township")
    with pytest.raises(AreaNotFound):
        await month_summary(
            uows(), township, period=PERIOD, area="河边村", default_quota=QUOTA, rules=RULES
        )


async def test_a_department_head_sees_their_helpers_only(
    sessions: SessionFactory, uows: Uows
) -> None:
    county = await build_county(sessions)
    head = county.actor(Role.MEMBER, "department")
    s = await month_summary(uows(), head, period=PERIOD, area="", default_quota=QUOTA, rules=RULES)
    assert s.households == 2 and s.helpers_behind == (("王芳", 2),)
    assert s.bars_by == "village"
    assert [h.name for h in await find_helpers(uows(), head, "")] == ["王芳"]


async def test_the_helper_card_is_cut_to_the_scope(sessions: SessionFactory, uows: Uows) -> None:
    county = await build_county(sessions)
    wang = county.helpers["王芳"]
    card = await helper_card(
        uows(), county.actor(Role.OFFICE, "county"), wang, period=PERIOD, default_quota=QUOTA
    )
    assert (card.month.done, card.month.required) == (2, 4)
    assert card.department == "農業局"
    # Nobody has checked or appraised 王芳 yet: the card's oversight section is empty.
    assert card.oversight.checks == () and card.oversight.appraisal is None
    village = county.actor(Role.OFFICE, "village")
    card = await helper_card(uows(), village, wang, period=PERIOD, default_quota=QUOTA)
    assert [h.head_name for h in card.month.households] == ["大寨戶"]
    with pytest.raises(RecordNotFound):
        await helper_card(
            uows(), village, county.helpers["李明"], period=PERIOD, default_quota=QUOTA
        )
    # Search folds scripts: 王芳 typed in simplified is the same name.
    found = await find_helpers(uows(), county.actor(Role.LEADER, "county"), "白水乡")
    assert [h.name for h in found] == ["李明"]


async def test_the_drill_down_goes_county_township_village_household(
    sessions: SessionFactory, uows: Uows
) -> None:
    county = await build_county(sessions)
    office = county.actor(Role.OFFICE, "county")
    top = await area_view(uows(), office, None, period=PERIOD, default_quota=QUOTA)
    assert [name for _, name in top.children] == ["青山鎮", "白水鄉"]
    assert top.households == 3
    town = await area_view(
        uows(), office, county.units["青山鎮"], period=PERIOD, default_quota=QUOTA
    )
    assert [name for _, name in town.children] == ["大寨村", "小寨村"]
    village = await area_view(
        uows(), office, county.units["大寨村"], period=PERIOD, default_quota=QUOTA
    )
    assert village.household_list == ((county.households["大寨村"], "大寨戶"),)
    house = await household_view(
        uows(), office, county.households["大寨村"], period=PERIOD, default_quota=QUOTA
    )
    assert (house.days, house.quota, house.helpers) == (2, 2, ("王芳",))
    township = county.actor(Role.OFFICE, "township")
    top = await area_view(uows(), township, None, period=PERIOD, default_quota=QUOTA)
    assert [name for _, name in top.children] == ["大寨村", "小寨村"]


async def test_the_audit_shows_actions_in_scope_with_before_and_after(
    sessions: SessionFactory, uows: Uows
) -> None:
    county = await build_county(sessions)
    page = await audit_page(uows(), county.actor(Role.OFFICE, "county"), "")
    assert page.total == 2
    change = next(line for line in page.lines if line.action == "household.status")
    assert (change.before, change.after, change.who) == ("poor", "exited", "辦公室county")
    township = await audit_page(uows(), county.actor(Role.OFFICE, "township"), "")
    assert [line.action for line in township.lines] == ["flag.clear"]
    assert township.lines[0].detail == "reason=核實"
    assert (await audit_page(uows(), county.actor(Role.OFFICE, "village"), "")).total == 0
    filtered = await audit_page(uows(), county.actor(Role.LEADER, "county"), "flag")
    assert [line.action for line in filtered.lines] == ["flag.clear"]
