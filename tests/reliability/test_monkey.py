"""The random tester against the real bot: every action answered, no Bot API call rejected.

Short form in CI (a few users, a few dozen actions each); `BANGFU_RELIABILITY_LONG=1` runs
many more, and `BANGFU_MONKEY_SEED` repeats a run that found something.
"""

from __future__ import annotations

import asyncio
import os

from bot.domain.vocabulary import Role
from emulator.client import ControlClient
from storage.db import SessionFactory
from tests.e2e.conftest import Stack
from tests.e2e.visitkit import bound_helper
from tests.factories import make_user
from tests.reliability.conftest import LONG
from tests.reliability.monkey import Monkey

SEED = int(os.environ.get("BANGFU_MONKEY_SEED", "14"))
STEPS = 300 if LONG else 15


async def test_whatever_users_do_is_answered_and_no_call_is_rejected(
    stack: Stack, control: ControlClient, db: SessionFactory
) -> None:
    helpers = [await bound_helper(stack, control, db, f"猴{i}") for i in range(2)]
    office_uid, stranger_uid = stack.new_user_id(), stack.new_user_id()
    async with db() as session, session.begin():
        await make_user(
            session,
            "辦公",
            role=Role.OFFICE,
            phone=stack.phone_for(office_uid),
            telegram_id=office_uid,
        )
    await control.create_user(office_uid, "辦公", language_code="zh-hans")
    await control.create_user(stranger_uid, "陌生", language_code="en")
    users = [h.uid for h in helpers] + [office_uid, stranger_uid]
    before = (await control.stats())["by_status"]

    monkeys = [Monkey(control, SEED * 100 + i, wait=30.0) for i in range(len(users))]
    await asyncio.gather(*(m.run(uid, STEPS) for m, uid in zip(monkeys, users, strict=True)))

    findings = [f for m in monkeys for f in m.report.findings]
    assert findings == []
    done = sum(sum(m.report.actions.values()) for m in monkeys)
    assert done >= len(users) * STEPS
    after = (await control.stats())["by_status"]
    rejected = {
        code: n - int(before.get(code, 0))
        for code, n in after.items()
        if code != "200" and n - int(before.get(code, 0)) > 0
    }
    assert rejected == {}, "the emulator rejected calls of the bot"
    assert "error while handling update" not in stack.bot.log()
