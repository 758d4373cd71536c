"""The issue's "done when", in a real `bangfu sandbox`: a demo helper brings a household one
guarantee short to exit-ready through the bot alone; the office lists it and the coverage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulator.client import ControlClient
from emulator.sandbox.seed import DemoPerson, demo_people
from storage.db import create_engine, session_factory
from tests.e2e.test_docs_walkthroughs import served_sandbox  # noqa: F401  (a fixture)

pytestmark = pytest.mark.e2e


async def _people(tmp_path: Path) -> list[DemoPerson]:
    database = tmp_path / "data" / "sandbox" / "sandbox.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        return await demo_people(session_factory(engine))
    finally:
        await engine.dispose()


async def _sign_in(control: ControlClient, person: DemoPerson) -> None:
    await control.send_command(person.telegram_id, "start")
    await control.wait_for_message(person.telegram_id, "手机号")
    await control.send_contact(person.telegram_id, person.phone.removeprefix("+"), own=True)
    await control.wait_for_message(person.telegram_id, person.name)


def _buttons(message: dict[str, Any], prefix: str) -> list[str]:
    return [
        b["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
        if b.get("callback_data", "").startswith(prefix)
    ]


async def test_a_demo_helper_brings_a_household_to_exit_ready(
    served_sandbox: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    people = await _people(tmp_path)
    helper = next(p for p in people if p.role == "helper")
    office = next(p for p in people if p.role == "office")
    uid = helper.telegram_id
    async with ControlClient(served_sandbox) as control:
        await _sign_in(control, helper)
        await control.send_command(uid, "household")
        listing = await control.wait_for_message(uid, "查看哪一户")
        short = None
        for data in _buttons(listing, "card:hh:"):
            await control.press_button(uid, None, data, force=True)
            card = await control.wait_for_message(
                uid,
                lambda m, d=data: (
                    m["message_id"] == listing["message_id"]
                    and f"(#{d.rsplit(':', 1)[1]})" in m.get("text", "")
                ),
                after_message_id=listing["message_id"] - 1,
            )
            if "住房安全有保障：未达标" in card["text"] and card["text"].count("• ") > 1:
                gaps = card["text"].split("还缺：")[1].split("\n\n")[0]
                if gaps.count("•") == 1:
                    short = card
                    break
        assert short is not None, "no demo household of the helper is one guarantee short"
        household_id = int(short["text"].split("(#")[1].split(")")[0])
        await control.press_button(uid, short["message_id"], f"hh:gu:{household_id}")
        await control.wait_for_message(
            uid,
            lambda m: m["message_id"] == short["message_id"] and "点击 ✅" in m.get("text", ""),
            after_message_id=short["message_id"] - 1,
        )
        await control.press_button(uid, short["message_id"], f"hh:gs:{household_id}:housing:1")
        prompt = await control.wait_for_message(
            uid, "填写备注", after_message_id=short["message_id"]
        )
        await control.press_button(uid, prompt["message_id"], "hhe:skip")
        card = await control.wait_for_message(
            uid, "退出标准", after_message_id=prompt["message_id"]
        )
        assert "✅ 已达到退出标准" in card["text"]
        name = card["text"].split("🏠 ")[1].split(" · ")[0]
        await _sign_in(control, office)
        await control.send_command(office.telegram_id, "exitready")
        listed = await control.wait_for_message(office.telegram_id, "达到退出标准的户")
        assert f"#{household_id} {name}" in listed["text"]
        await control.send_command(office.telegram_id, "coverage")
        coverage = await control.wait_for_message(office.telegram_id, "政策覆盖")
        assert "%" in coverage["text"]
        await control.send_command(office.telegram_id, "risk")
        risk = await control.wait_for_message(office.telegram_id, "防返贫监测")
        assert "低于监测线" in risk["text"]
