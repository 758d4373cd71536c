"""The soak's simulated people and the flows they run (bench.soak drives them)."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.county import HOME, seed_county
from bot.photos import GeoPoint
from bot.photos.synthetic import camera_jpeg
from emulator.client import ControlClient

FIRST_HELPER = 910_001
OFFICE = 919_999
FIRST_PUBLIC = 920_001
PUBLIC = 40
WAIT = 60.0
JSON = dict[str, Any]


@dataclass
class Tally:
    """What the workload measured."""

    latencies: list[float] = field(default_factory=list)
    flows: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


async def seed(db_url: str, helpers: int) -> dict[int, int]:
    """Helpers with one paired household each, and one office user; returns uid -> household."""
    return await seed_county(
        db_url, place="久測", helpers=helpers, first_uid=FIRST_HELPER, office_uid=OFFICE
    )


def _button(message: JSON, prefix: str) -> str:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for b in row:
            if str(b.get("callback_data", "")).startswith(prefix):
                return str(b["callback_data"])
    raise LookupError(f"no {prefix} button")


class Workload:
    """The simulated people; each runs flows one after another until the deadline."""

    def __init__(
        self,
        control: ControlClient,
        households: dict[int, int],
        deadline: float,
        *,
        seed: int,
        pace: float,
    ) -> None:
        self.control = control
        self.households = households
        self.deadline = deadline
        self.pace = pace
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.photo_seed = seed * 100_000
        self.filed: Counter[int] = Counter()

    async def _pause(self) -> None:
        await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.pace)

    async def _step(self, act: Awaitable[object], uid: int, expect: str | None) -> JSON:
        """One user action and the bot's answer to it; a step that is never answered fails."""
        await self._pause()
        started = time.perf_counter()
        await act
        if expect is None:
            answered = await self.control.wait_answer(uid, WAIT)
            if not answered:
                raise TimeoutError("no answer")
            self.tally.latencies.append(time.perf_counter() - started)
            return {}
        message = await self.control.wait_for_message(uid, expect, WAIT)
        self.tally.latencies.append(time.perf_counter() - started)
        return message

    async def _press(self, uid: int, message: JSON, prefix: str, expect: str | None) -> JSON:
        data = _button(message, prefix)
        await self._pause()
        started = time.perf_counter()
        qid = await self.control.press_button(uid, message["message_id"], data)
        if expect is None:
            if not await self.control.callback_answers(callback_query_id=qid, wait=WAIT):
                raise TimeoutError(f"press {data} never answered")
            self.tally.latencies.append(time.perf_counter() - started)
            return {}
        answer = await self.control.wait_for_message(
            uid, expect, WAIT, after_message_id=message["message_id"] - 1
        )
        self.tally.latencies.append(time.perf_counter() - started)
        return answer

    # ------------------------------------------------------------ flows

    async def visit(self, uid: int) -> None:
        """A whole visit, then in a third of cases the assistance given on it."""
        c = self.control
        household = self.households[uid]
        chooser = await self._step(c.send_command(uid, "visit"), uid, "哪一户")
        await self._press(uid, chooser, f"visit:hh:{household}", "分享您的位置")
        await self._step(
            c.send_location(uid, HOME[0] + 0.0002, HOME[1], horizontal_accuracy=10),
            uid,
            "已收到位置",
        )
        self.photo_seed += 1
        photo = camera_jpeg(
            self.photo_seed,
            (640, 480),
            gps=GeoPoint(*HOME),
            taken_at=datetime.now(UTC) - timedelta(minutes=5),
        )
        await self._step(c.send_photo(uid, photo), uid, "第 1 张照片")
        summary = await self._step(c.send_text(uid, "家中一切正常。"), uid, "保存这次走访")
        receipt = await self._press(uid, summary, "visit:ok:", "本月")
        self.tally.flows["visit"] += 1
        if self.rng.random() < 0.33:
            kinds = await self._press(uid, receipt, "as:v:", "请选择类型")
            await self._press(uid, kinds, "as:ty:0", "请描述")
            await self._step(c.send_text(uid, "送鸡苗 20 只"), uid, "金额")
            day = await self._step(c.send_text(uid, "300"), uid, "哪天给予")
            await self._press(uid, day, "as:day:0", "如有照片")
            self.photo_seed += 1
            await self._step(
                c.send_photo(uid, camera_jpeg(self.photo_seed, (320, 240))), uid, "已为"
            )
            self.tally.flows["assistance"] += 1

    async def household_read(self, uid: int) -> None:
        """The household list, a card, and one of its views."""
        household = self.households[uid]
        listing = await self._step(self.control.send_command(uid, "household"), uid, "查看哪一户")
        await self._press(uid, listing, f"card:hh:{household}", None)
        self.tally.flows["household_read"] += 1

    async def my_month(self, uid: int) -> None:
        """/myvisits or /quota."""
        command = self.rng.choice(["myvisits", "quota"])
        await self._step(self.control.send_command(uid, command), uid, None)
        self.tally.flows[command] += 1

    async def admin_read(self, uid: int) -> None:
        """One of the office's reads, or now and then a reminder stage."""
        if self.rng.random() < 0.1:
            await self._step(self.control.send_command(uid, "remind", "firm"), uid, "提醒")
            self.tally.flows["remind"] += 1
            return
        command, args = self.rng.choice(
            [
                ("flags", ""),
                ("exitready", ""),
                ("coverage", ""),
                ("risk", ""),
                ("complaints", "new"),
            ]
        )
        await self._step(self.control.send_command(uid, command, args), uid, None)
        self.tally.flows[f"admin_{command}"] += 1

    async def complaint(self, uid: int) -> None:
        """An anonymous report, start to receipt (each sender files at most 3 an hour)."""
        c = self.control
        categories = await self._step(c.send_command(uid, "report"), uid, "举报哪一类问题")
        await self._press(uid, categories, "report:cat:benefit_not_received", "涉及谁或哪里")
        await self._step(c.send_text(uid, "某村 村委会"), uid, "发生了什么")
        done = await self._step(c.send_text(uid, "补贴三个月没有发放。"), uid, "最多 5 张")
        review = await self._press(uid, done, "report:done:", "发送前请核对")
        await self._press(uid, review, "report:send:", "回执码是")
        self.tally.flows["complaint"] += 1

    # ------------------------------------------------------------ people

    async def _loop(self, uid: int, pick: Callable[[], Callable[[int], Awaitable[None]]]) -> None:
        while time.monotonic() < self.deadline:
            flow = pick()
            try:
                await flow(uid)
            except (TimeoutError, LookupError) as exc:
                self.tally.failures.append(f"{uid} {flow.__name__}: {exc}"[:300])
                await self.control.send_command(uid, "cancel")
                await self.control.wait_answer(uid, WAIT)

    async def helper(self, uid: int) -> None:
        """A helper: mostly visits, also reads."""
        flows = [self.visit] * 5 + [self.household_read] * 3 + [self.my_month] * 2
        await self._loop(uid, lambda: self.rng.choice(flows))

    async def office(self) -> None:
        """The office user's reads and reminders."""
        await self._loop(OFFICE, lambda: self.admin_read)

    async def public(self) -> None:
        """Members of the public taking turns to file complaints, slower than helpers."""
        while time.monotonic() < self.deadline:
            uid = FIRST_PUBLIC + self.rng.randrange(PUBLIC)
            if self.filed[uid] >= 3:
                await asyncio.sleep(self.pace)
                continue
            self.filed[uid] += 1
            try:
                await self.complaint(uid)
            except (TimeoutError, LookupError) as exc:
                self.tally.failures.append(f"{uid} complaint: {exc}"[:300])
                await self.control.send_command(uid, "cancel")
            await asyncio.sleep(self.pace * 3)
