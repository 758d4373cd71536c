"""The office reviews flagged visits in the chat: clear with a reason, confirm a home."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.domain.vocabulary import Role
from emulator.client import ControlClient
from storage.db import SessionFactory
from storage.models import AuditEntry, Household, VisitFlag
from tests.conftest import BACKENDS
from tests.e2e.appraisal_flow import (  # noqa: F401 - collected here, on this module's stack
    test_the_office_adjusts_a_leader_confirms_and_the_result_is_final,
    test_the_office_records_a_spot_check_with_buttons_and_a_leader_approves_a_re_pairing,
)
from tests.e2e.conftest import Stack, running_stack
from tests.e2e.visitkit import (
    HOME,
    bound_helper,
    button_data,
    callback_answer,
    camera_photo,
    log_visit,
)
from tests.factories import make_user


# Not the package's shared stack: the appraisal draft lists every helper in the county, so
# other modules' helpers would push this module's helper off the draft's first page.
@pytest.fixture(scope="module", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """This module's own emulator and bot on a fresh database."""
    backend = str(request.param)
    with running_stack(backend, tmp_path_factory.mktemp(f"e2e-review-{backend}")) as running:
        yield running


async def _office(stack: Stack, control: ControlClient, db: SessionFactory) -> int:
    uid = stack.new_user_id()
    async with db() as session, session.begin():
        await make_user(
            session, "審核員", phone=stack.phone_for(uid), role=Role.OFFICE, telegram_id=uid
        )
    await control.create_user(uid, "審核員", language_code="zh-hans")
    await control.send_command(uid, "start")
    await control.wait_for_message(uid, "欢迎您")
    return uid


async def test_office_clears_a_flag_with_a_reason(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db, "遠方")
    far = (HOME[0] + 0.05, HOME[1])
    reply = await log_visit(control, helper, location=far, photos=[camera_photo(31, gps=far)])
    # Which source is far is said in words, with the distance and the threshold.
    assert "分享的位置距该户住址约 5.6 公里（阈值 500 米）" in reply["text"]
    office = await _office(stack, control, db)
    await control.send_command(office, "flags")
    listing = await control.wait_for_message(office, "分享的位置距该户住址约")
    assert "far_from_home" not in listing["text"] and "distance_m" not in listing["text"]
    async with db() as session:
        flag_id = await session.scalar(
            select(VisitFlag.id)
            .join(VisitFlag.visit)
            .where(
                VisitFlag.kind == "far_from_home",
                VisitFlag.cleared_at.is_(None),
                VisitFlag.visit.has(helper_id=helper.user_id),
            )
        )
    assert flag_id is not None
    await control.press_button(office, listing["message_id"], f"flag:clear:{flag_id}")
    await control.wait_for_message(office, "理由")
    await control.send_text(office, "电话核实：当天在亲戚家走访")
    await control.wait_for_message(office, f"#{flag_id} 已核销")
    # The list is shown again as it now stands: the cleared flag and its button are gone.
    fresh = await control.wait_for_message(
        office, lambda m: "flag:" in str(m.get("reply_markup")) or "没有" in m.get("text", "")
    )
    assert f"flag:clear:{flag_id}" not in str(fresh.get("reply_markup"))
    async with db() as session:
        flag = await session.get(VisitFlag, flag_id)
        audit = await session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "flag.clear", AuditEntry.target_id == flag_id
            )
        )
    assert flag is not None and flag.cleared_at is not None
    assert flag.clear_reason == "电话核实：当天在亲戚家走访"
    assert audit is not None and audit.actor_label == "審核員"


async def test_office_confirms_a_proposed_home(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db, "新戶", home=None)
    reply = await log_visit(control, helper)
    assert "该户尚无登记的住址位置" in reply["text"]
    office = await _office(stack, control, db)
    await control.send_command(office, "flags")
    listing = await control.wait_for_message(
        office, lambda m: f"flag:home:{helper.household_id}" in str(m.get("reply_markup"))
    )
    data = button_data(listing, f"flag:home:{helper.household_id}")
    query = await control.press_button(office, listing["message_id"], data)
    assert "已确认" in (await callback_answer(control, query))["text"]
    async with db() as session:
        household = await session.get(Household, helper.household_id)
    assert household is not None and household.home_lat is not None
    assert abs(household.home_lat - HOME[0]) < 1e-6


async def test_helpers_cannot_see_flags(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helper = await bound_helper(stack, control, db)
    await control.send_command(helper.uid, "flags")
    refusal = await control.wait_for_message(helper.uid, "无权")
    assert "flag:" not in str(refusal.get("reply_markup"))
