"""Soak: a mixed workload for a long time against the real bot, watching for decay.

The emulator and the bot run as real processes (as in bench.ingest). Simulated helpers log
visits (some followed by an assistance record), read their households, `/myvisits` and
`/quota`; an office user reads `/flags`, `/exitready`, `/coverage`, `/risk`, `/complaints`
and now and then sends a reminder stage with `/remind`; members of the public file anonymous
complaints. Everyone acts at a brisk human pace. Every step waits for the bot's answer.

Reported: steps per second, p50/p99 step latency, the bot's resident memory sampled over the
run and its slope after a warm-up (flat means no leak), and errors: steps the bot never
answered, error-handler log lines, and Bot API calls the emulator rejected.

    python -m bench.soak [--quick] [--minutes N] [--helpers N] [--fault-rate R]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.domain.vocabulary import OrgKind, Role
from bot.photos import GeoPoint
from bot.photos.synthetic import camera_jpeg
from emulator.client import ControlClient
from emulator.processes import BotProcess, EmulatorProcess, bot_env
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import Household, OrgUnit, Pairing, User

FIRST_HELPER = 910_001
OFFICE = 919_999
FIRST_PUBLIC = 920_001
PUBLIC = 40
HOME = (26.58, 106.71)
WAIT = 60.0
JSON = dict[str, Any]


@dataclass
class Tally:
    """What the workload measured."""

    latencies: list[float] = field(default_factory=list)
    flows: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


async def _seed(db_url: str, helpers: int) -> dict[int, int]:
    """Helpers with one paired household each, and one office user; returns uid -> household."""
    engine = create_engine(db_url)
    await upgrade(engine)
    households: dict[int, int] = {}
    async with session_factory(engine)() as session, session.begin():
        county = OrgUnit(kind=OrgKind.COUNTY, name="久測縣", path="/")
        session.add(county)
        await session.flush()
        village = OrgUnit(kind=OrgKind.VILLAGE, name="久測村", parent_id=county.id, path="/")
        session.add(village)
        session.add(
            User(name="辦公室", phone="+8613700919999", role=Role.OFFICE, telegram_id=OFFICE)
        )
        await session.flush()
        for i in range(helpers):
            uid = FIRST_HELPER + i
            helper = User(
                name=f"久測{i}", phone=f"+86137{uid:08d}", role=Role.HELPER, telegram_id=uid
            )
            household = Household(
                head_name=f"久測戶{i}",
                members=3,
                village_id=village.id,
                home_lat=HOME[0],
                home_lon=HOME[1],
                causes=[],
            )
            session.add_all([helper, household])
            await session.flush()
            session.add(
                Pairing(
                    helper_id=helper.id, household_id=household.id, started_on=date(2026, 1, 1)
                )
            )
            households[uid] = household.id
    await engine.dispose()
    return households


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


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _slope_per_hour(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of memory over time, in MB an hour."""
    if len(samples) < 3:
        return 0.0
    ts = [t for t, _ in samples]
    ms = [m for _, m in samples]
    mt, mm = statistics.fmean(ts), statistics.fmean(ms)
    den = sum((t - mt) ** 2 for t in ts)
    if den == 0:
        return 0.0
    return sum((t - mt) * (m - mm) for t, m in zip(ts, ms, strict=True)) / den * 3600


async def _run(
    control_url: str,
    households: dict[int, int],
    bot: BotProcess,
    seconds: float,
    sample_every: float,
    pace: float,
) -> tuple[Tally, list[tuple[float, float]], float]:
    async with ControlClient(control_url, timeout=WAIT + 30) as control:
        people = [*households, OFFICE, *range(FIRST_PUBLIC, FIRST_PUBLIC + PUBLIC)]
        for uid in people:
            await control.create_user(uid, f"u{uid}", language_code="zh-hans")
        started = time.monotonic()
        work = Workload(control, households, started + seconds, seed=14, pace=pace)
        samples: list[tuple[float, float]] = []

        done = asyncio.Event()

        async def sample() -> None:
            while not done.is_set():
                pid = bot.proc.pid if bot.proc else None
                rss = _rss_mb(pid) if pid else None
                if rss is not None:
                    samples.append((time.monotonic() - started, rss))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), sample_every)

        sampler = asyncio.create_task(sample())
        await asyncio.gather(
            work.office(), work.public(), *(work.helper(uid) for uid in households)
        )
        elapsed = time.monotonic() - started
        done.set()
        await sampler
        return work.tally, samples, elapsed


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    """Run the soak and print its figures, the last line as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak")
    parser.add_argument("--quick", action="store_true", help="a CI-sized run (seconds)")
    parser.add_argument("--minutes", type=float, default=30.0, help="how long to run")
    parser.add_argument("--helpers", type=int, help="simulated helpers (default 12, quick 3)")
    parser.add_argument("--pace", type=float, default=0.3, help="mean seconds between steps")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, help="share of Bot API calls to fail (0-1)"
    )
    args = parser.parse_args()
    seconds = 8.0 if args.quick else args.minutes * 60
    helpers = args.helpers or (3 if args.quick else 12)
    sample_every = 1.0 if args.quick else 15.0

    workdir = Path(tempfile.mkdtemp(prefix="bangfu-soak-"))
    db_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'soak.sqlite3'}"
    households = asyncio.run(_seed(db_url, helpers))
    emulator_args: tuple[str, ...] = ()
    extra = {"BANGFU_LOG_LEVEL": "WARNING", "BANGFU_REMINDERS_IN_BOT": "false"}
    if args.fault_rate > 0:
        emulator_args = (
            "--fault-rate",
            str(args.fault_rate),
            "--fault-seed",
            "14",
            "--fault-delay-ms",
            "2500",
        )
        extra["BANGFU_API_TIMEOUT"] = "2"
    emulator = EmulatorProcess.start(args=emulator_args)
    try:
        env = bot_env(
            api_url=emulator.root_url,
            database_url=db_url,
            data_dir=workdir / "data",
            extra=extra,
        )
        bot = BotProcess(env=env, log_path=workdir / "bot.log")
        # A loaded machine can take a minute or more to start the bot: that is not the soak.
        bot.start(emulator.control_url, ready_timeout=300)
        try:
            tally, samples, elapsed = asyncio.run(
                _run(emulator.control_url, households, bot, seconds, sample_every, args.pace)
            )
            alive = bot.proc is not None and bot.proc.poll() is None
            stats = asyncio.run(_stats(emulator.control_url))
        finally:
            bot.stop()
    finally:
        emulator.stop()

    log = bot.log()
    handler_errors = log.count("error while handling update")
    rejected = {k: v for k, v in stats["by_status"].items() if k != "200"}
    steps = len(tally.latencies)
    rate = steps / elapsed if elapsed else 0.0
    p50 = _percentile(tally.latencies, 0.5) * 1000
    p99 = _percentile(tally.latencies, 0.99) * 1000
    # The first fifth is warm-up: caches, the photo index and the allocator settle there.
    steady = [s for s in samples if s[0] >= elapsed * 0.2]
    slope = _slope_per_hour(steady)
    first = steady[0][1] if steady else 0.0
    last = steady[-1][1] if steady else 0.0
    peak = max((m for _, m in samples), default=0.0)
    errors = len(tally.failures) + handler_errors + sum(rejected.values()) + (0 if alive else 1)

    print(f"ran {elapsed / 60:.1f} min with {helpers} helpers, 1 office user, {PUBLIC} public")
    print(f"flows: {dict(sorted(tally.flows.items()))}")
    print(f"steps: {steps} ({rate:.2f}/s), p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    print(
        f"bot RSS: {first:.1f} MB after warm-up -> {last:.1f} MB at the end, peak {peak:.1f} MB,"
        f" slope {slope:+.1f} MB/hour over {len(steady)} samples"
    )
    print(
        f"errors: {len(tally.failures)} unanswered steps, {handler_errors} handler errors, "
        f"rejected calls {rejected}, bot alive: {alive}"
    )
    for failure in tally.failures[:10]:
        print(f"  {failure}")
    long_enough = elapsed >= 600
    figures = [
        _figure("steps_per_s", round(rate, 2), "steps/s", "info", True),
        _figure("step_p50", round(p50, 1), "ms", "info", True),
        _figure("step_p99", round(p99, 1), "ms", "info", True),
        _figure("rss_start_mb", round(first, 1), "MB", "info", True),
        _figure("rss_end_mb", round(last, 1), "MB", "info", True),
        # Over a short run the slope is noise; it is judged from ten minutes on.
        _figure(
            "rss_slope_mb_per_hour",
            round(slope, 2),
            "MB/h",
            "< 20 (runs of 10 min or more)" if long_enough else "info",
            slope < 20 or not long_enough,
        ),
        _figure("errors", errors, "count", "== 0", errors == 0),
    ]
    print(json.dumps({"bench": "soak", "figures": figures}, ensure_ascii=False))


def _figure(name: str, value: float, unit: str, goal: str, met: bool) -> JSON:
    return {"name": name, "value": value, "unit": unit, "goal": goal, "met": met}


async def _stats(control_url: str) -> JSON:
    async with ControlClient(control_url) as control:
        return await control.stats()


if __name__ == "__main__":
    main()
