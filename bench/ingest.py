"""Visits logged concurrently by many simulated helpers, end to end, against an echo bot.

Both bots run as real processes polling the same Bot API emulator (its own process), one
after the other in the same run, on the same two cores as the emulator and this client.

1. Capacity: each simulated helper logs whole visits (/visit, pick the household, share the
   location, send a photo, write the note, press Save: six updates a visit) as fast as the
   bot answers. The echo bot gets the same traffic: the same number of users each sending
   the same six kinds of update (with photos of the same size), each answered with one
   message and no other work. Figures: updates handled per second for each and their ratio.
   Telegram's own work on that traffic (receiving the upload, re-encoding the photo into
   four sizes) is the emulator's here, on the same cores; with the same traffic it costs
   both runs alike, so the ratio is the bots' difference. A text-only echo run is reported
   beside it (information: there the emulator does no photo work at all).
2. Latency: the same helpers log visits at a human pace (about a second between steps, as
   people tap and type), and the time from each update entering the emulator to the bot's
   answer being there is measured: p50 and p99. In the capacity run the latency only
   reflects the queue (with N users waiting on each other, latency = N / throughput).

    python -m bench.ingest [--quick] [--users N] [--visits N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.county import HOME, seed_county
from bench.proc import children_cpu_seconds
from bot.photos import GeoPoint
from bot.photos.synthetic import camera_jpeg
from emulator.client import ControlClient
from emulator.processes import BotProcess, EmulatorProcess, bot_env
from storage.db import create_engine, session_factory
from storage.models import Photo, UserState

FIRST_ID = 900_001


async def _seed(db_url: str, users: int) -> dict[int, int]:
    """Helpers bound to Telegram ids, one paired household each; returns id -> household."""
    return await seed_county(db_url, place="基準", helpers=users, first_uid=FIRST_ID)


STEP_TIMES: dict[str, list[float]] = {}


async def _timed(
    latencies: list[float],
    act: Awaitable[object],
    wait: Awaitable[dict[str, Any]],
    step: str = "echo",
) -> dict[str, Any]:
    started = time.perf_counter()
    await act
    answer = await wait
    elapsed = time.perf_counter() - started
    latencies.append(elapsed)
    STEP_TIMES.setdefault(step, []).append(elapsed)
    return answer


async def _helper_visits(
    control: ControlClient,
    uid: int,
    household: int,
    visits: int,
    photos: list[bytes],
    latencies: list[float],
    think: float = 0.0,
) -> None:
    rng = random.Random(uid)

    async def pause() -> None:
        if think:
            await asyncio.sleep(rng.uniform(0.5, 1.5) * think)

    for v in range(visits):
        await pause()
        chooser = await _timed(
            latencies,
            control.send_command(uid, "visit"),
            control.wait_for_message(uid, "哪一户"),
            "start",
        )
        await pause()
        await _timed(
            latencies,
            control.press_button(uid, chooser["message_id"], f"visit:hh:{household}"),
            control.wait_for_message(uid, "分享您的位置"),
            "household",
        )
        await pause()
        await _timed(
            latencies,
            control.send_location(uid, HOME[0] + 0.0003, HOME[1], horizontal_accuracy=10),
            control.wait_for_message(uid, "已收到位置"),
            "location",
        )
        await pause()
        await _timed(
            latencies,
            control.send_photo(uid, photos[v]),
            control.wait_for_message(uid, "张照片"),
            "photo",
        )
        await pause()
        summary = await _timed(
            latencies,
            control.send_text(uid, f"第{v}次走访，情况正常。"),
            control.wait_for_message(uid, "保存这次走访"),
            "note",
        )
        data = next(
            b["callback_data"]
            for row in summary["reply_markup"]["inline_keyboard"]
            for b in row
            if b["callback_data"].startswith("visit:ok:")
        )
        await pause()
        await _timed(
            latencies,
            control.press_button(uid, summary["message_id"], data),
            control.wait_for_message(uid, "走访已保存"),
            "save",
        )


async def _echo_visits(
    control: ControlClient, uid: int, visits: int, photos: list[bytes], latencies: list[float]
) -> None:
    """The visit flow's six kinds of update, sent to the echo bot and answered once each."""
    for v in range(visits):
        command = await _timed(
            latencies, control.send_command(uid, "visit"), control.wait_for_message(uid, "/visit")
        )
        await _timed(
            latencies,
            control.press_button(uid, command["message_id"], "echo"),
            control.wait_for_message(uid, "pressed"),
        )
        await _timed(
            latencies,
            control.send_location(uid, HOME[0] + 0.0003, HOME[1], horizontal_accuracy=10),
            control.wait_for_message(uid, "location"),
        )
        await _timed(
            latencies, control.send_photo(uid, photos[v]), control.wait_for_message(uid, "photo")
        )
        note = f"第{v}次走访，情况正常。"
        await _timed(latencies, control.send_text(uid, note), control.wait_for_message(uid, note))
        await _timed(
            latencies,
            control.press_button(uid, command["message_id"], "echo"),
            control.wait_for_message(uid, "pressed"),
        )


async def _echo_user(control: ControlClient, uid: int, count: int, latencies: list[float]) -> None:
    for i in range(count):
        text = f"echo {uid} {i}"
        await _timed(latencies, control.send_text(uid, text), control.wait_for_message(uid, text))


API_CALLS: dict[str, dict[str, int]] = {}


async def _drive(
    control_url: str,
    users: list[int],
    run: Callable[[ControlClient, int, list[float]], Awaitable[None]],
    name: str,
) -> tuple[float, list[float]]:
    async with ControlClient(control_url, timeout=60) as control:
        for uid in users:
            await control.create_user(uid, f"u{uid}", language_code="zh-hans")
            await control.send_text(uid, "hi")  # users write first, as on Telegram
        await asyncio.sleep(1.0)
        latencies: list[float] = []
        before = (await control.stats())["by_method"]
        started = time.perf_counter()
        await asyncio.gather(*(run(control, uid, latencies) for uid in users))
        elapsed = time.perf_counter() - started
        after = (await control.stats())["by_method"]
        API_CALLS[name] = {k: n - before.get(k, 0) for k, n in after.items()}
        return elapsed, latencies


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _state_rows(db_url: str) -> int:
    """Users whose conversation state the bot wrote (durable conversations are on)."""
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(UserState)) or 0)
    finally:
        await engine.dispose()


async def _searched(db_url: str) -> tuple[int, int]:
    """(photos the archive search has covered, photos saved)."""
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session:
            row = (
                await session.execute(
                    select(func.count(Photo.searched_at), func.count()).select_from(Photo)
                )
            ).one()
            return int(row[0]), int(row[1])
    finally:
        await engine.dispose()


async def _catch_up(db_url: str, limit: float) -> tuple[int, float | None]:
    """Photos unsearched when the helpers stopped, and seconds until the search had them all.

    The search runs in the background at the lowest priority, so a burst of saves leaves a
    queue that drains once helpers pause; this measures that it does.
    """
    done, total = await _searched(db_url)
    waiting = total - done
    started = time.perf_counter()
    while done < total:
        if time.perf_counter() - started > limit:
            return waiting, None
        await asyncio.sleep(0.5)
        done, total = await _searched(db_url)
    return waiting, time.perf_counter() - started


def main() -> None:
    """Run both bots under the same load and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.ingest")
    parser.add_argument("--quick", action="store_true", help="a CI-sized run")
    parser.add_argument("--users", type=int)
    parser.add_argument("--visits", type=int)
    args = parser.parse_args()
    users = args.users or (4 if args.quick else 24)
    visits = args.visits or (1 if args.quick else 5)
    # The CI form keeps every step of the paced run but thinks less: its latency is still an
    # unsaturated one (a few users, a pause between steps), at a fraction of the wall time.
    think = 0.3 if args.quick else 1.0
    steps = 6 * visits

    workdir = Path(tempfile.mkdtemp(prefix="bangfu-ingest-"))
    db_url = f"sqlite+aiosqlite:///{workdir / 'ingest.sqlite3'}"
    households = asyncio.run(_seed(db_url, users))
    ids = sorted(households)
    taken = datetime.now(UTC) - timedelta(minutes=5)
    # Each visit its own picture, in each run: honest helpers do not send the same photo
    # twice, and a repeated one would send every save down the reuse check's costly path.
    runs_with_photos = ("echo", "visits", "paced")
    print(f"making {users * visits * len(runs_with_photos)} photos", flush=True)
    shots = iter(
        camera_jpeg(seed, (1024, 768), gps=GeoPoint(*HOME), taken_at=taken)
        for seed in range(users * visits * len(runs_with_photos))
    )
    photos = {
        run: {uid: [next(shots) for _ in range(visits)] for uid in ids} for run in runs_with_photos
    }
    emulator = EmulatorProcess.start()
    results: dict[str, tuple[float, list[float]]] = {}
    cpu: dict[str, float] = {}
    try:
        env = bot_env(
            api_url=emulator.root_url,
            database_url=db_url,
            data_dir=workdir / "data",
            extra={"BANGFU_LOG_LEVEL": "WARNING", "BANGFU_SEND_RATE": "0"},
        )
        echo = BotProcess(env=env, log_path=workdir / "echo.log", command=("-m", "bench.echo_bot"))
        echo.start(emulator.control_url)
        try:
            echo_runs: dict[str, Callable[[ControlClient, int, list[float]], Awaitable[None]]] = {
                "echo_text": lambda c, uid, lat: _echo_user(c, uid, steps, lat),
                "echo": lambda c, uid, lat: _echo_visits(c, uid, visits, photos["echo"][uid], lat),
            }
            for name, run in echo_runs.items():
                cpu0 = echo.cpu_seconds() or 0.0
                emu0, here0 = emulator.cpu_seconds() or 0.0, time.process_time()
                results[name] = asyncio.run(_drive(emulator.control_url, ids, run, name))
                cpu[name] = (echo.cpu_seconds() or 0.0) - cpu0
                cpu[f"emulator_{name}"] = (emulator.cpu_seconds() or 0.0) - emu0
                cpu[f"client_{name}"] = time.process_time() - here0
        finally:
            echo.stop()
        ours = BotProcess(env=env, log_path=workdir / "bot.log")
        ours.start(emulator.control_url)
        try:
            cpu0 = ours.cpu_seconds() or 0.0
            emu0, here0 = emulator.cpu_seconds() or 0.0, time.process_time()
            results["visits"] = asyncio.run(
                _drive(
                    emulator.control_url,
                    ids,
                    lambda c, uid, lat: _helper_visits(
                        c, uid, households[uid], visits, photos["visits"][uid], lat
                    ),
                    "visits",
                )
            )
            cpu["visits"] = (ours.cpu_seconds() or 0.0) - cpu0
            cpu["emulator_visits"] = (emulator.cpu_seconds() or 0.0) - emu0
            cpu["client_visits"] = time.process_time() - here0
            STEP_TIMES.clear()
            results["paced"] = asyncio.run(
                _drive(
                    emulator.control_url,
                    ids,
                    lambda c, uid, lat: _helper_visits(
                        c, uid, households[uid], visits, photos["paced"][uid], lat, think=think
                    ),
                    "paced",
                )
            )
            backlog, drained = asyncio.run(_catch_up(db_url, 600.0))
            # Both runs' photos, searched in the bot's worker process (its CPU is not the bot's).
            worker_cpu = children_cpu_seconds(ours.proc.pid) if ours.proc else 0.0
        finally:
            ours.stop()
    finally:
        emulator.stop()

    state_rows = asyncio.run(_state_rows(db_url))
    updates = users * steps
    rate = {name: updates / results[name][0] for name in ("echo_text", "echo", "visits", "paced")}
    lat = results["paced"][1]
    p50, p99 = _percentile(lat, 0.5) * 1000, _percentile(lat, 0.99) * 1000
    print(f"users={users} visits/user={visits} updates each run={updates}")
    labels = {"echo_text": "echo bot, texts only", "echo": "echo bot, visit traffic"}
    for name, label in labels.items():
        print(
            f"{label}: {rate[name]:.1f} updates/s, p50 "
            f"{statistics.median(results[name][1]) * 1000:.1f} ms"
        )
    queued = _percentile(results["visits"][1], 0.5) * 1000
    print(f"visit flow: {rate['visits']:.1f} updates/s (p50 {queued:.1f} ms while saturated)")
    print(f"at a human pace: {rate['paced']:.1f} updates/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"durable conversation state: written for {state_rows} users")

    # With both cores busy in the capacity runs, the ratio follows the CPU that an update costs
    # the bot, the emulator and this client together in each run.
    def run_cpu(name: str) -> float:
        """ms of CPU an update in one capacity run: bot, emulator and this client together."""
        return sum(cpu[k] for k in (name, f"emulator_{name}", f"client_{name}")) / updates * 1000

    for name in ("echo_text", "echo", "visits"):
        calls = API_CALLS.get(name, {})
        listed = ", ".join(
            f"{m} {n / updates:.2f}" for m, n in sorted(calls.items(), key=lambda kv: -kv[1]) if n
        )
        print(
            f"{name} run, CPU an update: bot {cpu[name] / updates * 1000:.1f} ms, emulator "
            f"{cpu[f'emulator_{name}'] / updates * 1000:.1f} ms, this client "
            f"{cpu[f'client_{name}'] / updates * 1000:.1f} ms; Bot API calls an update "
            f"{sum(calls.values()) / updates:.2f} ({listed})"
        )
    photos_searched = users * visits * 2
    # Its start-up (imports) is included: about 2 s of CPU, a large share in the CI form.
    print(f"archive search worker: {worker_cpu / photos_searched * 1000:.0f} ms of CPU a photo")
    for step, times in STEP_TIMES.items():
        print(
            f"  {step:>9}: p50 {statistics.median(times) * 1000:7.1f} ms, "
            f"p99 {_percentile(times, 0.99) * 1000:7.1f} ms"
        )
    drain_text = "not within 600 s" if drained is None else f"{drained:.1f} s later"
    print(
        f"archive search: {backlog} photos queued when the helpers stopped, all done {drain_text}"
    )
    ratio = rate["visits"] / rate["echo"]
    bot_share = cpu["echo"] / cpu["visits"] if cpu["visits"] else 0.0
    figures = [
        {
            "name": "visit_updates_per_s",
            "value": round(rate["visits"], 1),
            "unit": "updates/s",
            "goal": "info",
            "met": True,
        },
        {
            "name": "echo_updates_per_s",
            "value": round(rate["echo"], 1),
            "unit": "updates/s",
            "goal": "info (the visit flow's traffic)",
            "met": True,
        },
        {
            "name": "ratio_to_echo_bot",
            "value": round(ratio, 3),
            "unit": "x",
            "goal": ">= 0.5",
            "met": ratio >= 0.5,
        },
        {
            "name": "echo_text_updates_per_s",
            "value": round(rate["echo_text"], 1),
            "unit": "updates/s",
            "goal": "info (texts only: no photo work in the emulator)",
            "met": True,
        },
        {
            "name": "ratio_to_text_echo",
            "value": round(rate["visits"] / rate["echo_text"], 3),
            "unit": "x",
            "goal": "info",
            "met": True,
        },
        {
            "name": "echo_bot_cpu_over_ours",
            "value": round(bot_share, 3),
            "unit": "x",
            "goal": "info (the bots' own CPU an update, same traffic)",
            "met": True,
        },
        {
            "name": "cpu_per_update_echo_run",
            "value": round(run_cpu("echo"), 1),
            "unit": "ms",
            "goal": "info (bot, emulator and client)",
            "met": True,
        },
        {
            "name": "cpu_per_update_visit_run",
            "value": round(run_cpu("visits"), 1),
            "unit": "ms",
            "goal": "info (bot, emulator and client)",
            "met": True,
        },
        {
            "name": "users_with_stored_state",
            "value": state_rows,
            "unit": "users",
            "goal": "> 0 (persistence on)",
            "met": state_rows > 0,
        },
        {
            "name": "paced_step_p50",
            "value": round(p50, 1),
            "unit": "ms",
            "goal": "info",
            "met": True,
        },
        {
            "name": "search_worker_cpu_per_photo",
            "value": round(worker_cpu / photos_searched * 1000, 1),
            "unit": "ms",
            "goal": "info",
            "met": True,
        },
        {
            "name": "search_queue_at_end",
            "value": backlog,
            "unit": "photos",
            "goal": "info",
            "met": True,
        },
        {
            "name": "search_caught_up_after",
            "value": round(600.0 if drained is None else drained, 1),
            "unit": "s",
            "goal": "< 600 (every photo searched)",
            "met": drained is not None,
        },
        {
            "name": "paced_step_p99",
            "value": round(p99, 1),
            "unit": "ms",
            "goal": "< 250",
            "met": p99 < 250,
        },
    ]
    print(json.dumps({"bench": "ingest", "figures": figures}, ensure_ascii=False))


if __name__ == "__main__":
    main()
