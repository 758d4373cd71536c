"""Soak: a mixed workload for a long time against the real bot, watching for decay.

The emulator and the bot run as real processes (as in bench.ingest). Simulated helpers log
visits (some followed by an assistance record), read their households, `/myvisits` and
`/quota`; an office user reads `/flags`, `/exitready`, `/coverage`, `/risk`, `/complaints`
and now and then sends a reminder stage with `/remind`; members of the public file anonymous
complaints. Everyone acts at a brisk human pace. Every step waits for the bot's answer.

Reported: steps per second, p50/p99 step latency, the bot's resident memory sampled over the
run and its slope after a warm-up (flat means no leak), the same for the bot's archive-search
worker process, and errors: steps the bot never answered, error-handler log lines, and Bot
API calls the emulator rejected.

    python -m bench.soak [--quick] [--minutes N] [--helpers N] [--fault-rate R]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import tempfile
import time
from pathlib import Path

from bench.proc import children_rss_mb, rss_mb
from bench.soak_workload import FIRST_PUBLIC, JSON, OFFICE, PUBLIC, WAIT, Tally, Workload, seed
from emulator.client import ControlClient
from emulator.processes import BotProcess, EmulatorProcess, bot_env


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
) -> tuple[Tally, list[tuple[float, float]], list[tuple[float, float]], float]:
    async with ControlClient(control_url, timeout=WAIT + 30) as control:
        people = [*households, OFFICE, *range(FIRST_PUBLIC, FIRST_PUBLIC + PUBLIC)]
        for uid in people:
            await control.create_user(uid, f"u{uid}", language_code="zh-hans")
        started = time.monotonic()
        work = Workload(control, households, started + seconds, seed=14, pace=pace)
        samples: list[tuple[float, float]] = []
        # The archive search's worker process, started with the first saved photo.
        worker: list[tuple[float, float]] = []

        done = asyncio.Event()

        async def sample() -> None:
            while not done.is_set():
                pid = bot.proc.pid if bot.proc else None
                rss = rss_mb(pid) if pid else None
                if rss is not None and pid:
                    samples.append((time.monotonic() - started, rss))
                    children = children_rss_mb(pid)
                    if children:
                        worker.append((time.monotonic() - started, children))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), sample_every)

        sampler = asyncio.create_task(sample())
        await asyncio.gather(
            work.office(), work.public(), *(work.helper(uid) for uid in households)
        )
        elapsed = time.monotonic() - started
        done.set()
        await sampler
        return work.tally, samples, worker, elapsed


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
    # Every simulated person starts at least one flow whatever the length, so the CI form's
    # few seconds still take each path once; the bot's start-up is most of its cost.
    seconds = 4.0 if args.quick else args.minutes * 60
    helpers = args.helpers or (3 if args.quick else 12)
    sample_every = 1.0 if args.quick else 15.0

    workdir = Path(tempfile.mkdtemp(prefix="bangfu-soak-"))
    db_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'soak.sqlite3'}"
    households = asyncio.run(seed(db_url, helpers))
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
            tally, samples, worker, elapsed = asyncio.run(
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
    worker_steady = [s for s in worker if s[0] >= elapsed * 0.2]
    worker_slope = _slope_per_hour(worker_steady)
    worker_last = worker_steady[-1][1] if worker_steady else 0.0
    errors = len(tally.failures) + handler_errors + sum(rejected.values()) + (0 if alive else 1)

    print(f"ran {elapsed / 60:.1f} min with {helpers} helpers, 1 office user, {PUBLIC} public")
    print(f"flows: {dict(sorted(tally.flows.items()))}")
    print(f"steps: {steps} ({rate:.2f}/s), p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    print(
        f"bot RSS: {first:.1f} MB after warm-up -> {last:.1f} MB at the end, peak {peak:.1f} MB,"
        f" slope {slope:+.1f} MB/hour over {len(steady)} samples"
    )
    print(
        f"search worker RSS: {worker_last:.1f} MB at the end, slope {worker_slope:+.1f} MB/hour"
        f" over {len(worker_steady)} samples"
    )
    # The shape tells a leak (a straight line) from an allocator settling (a curve that flattens).
    tenths = samples if len(samples) < 10 else [samples[len(samples) * i // 10] for i in range(10)]
    print("bot RSS over the run: " + ", ".join(f"{t / 60:.1f} min {m:.0f} MB" for t, m in tenths))
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
        _slope_figure("rss_slope_mb_per_hour", slope, long_enough),
        _figure("worker_rss_end_mb", round(worker_last, 1), "MB", "info", True),
        _slope_figure("worker_rss_slope_mb_per_hour", worker_slope, long_enough),
        _figure("errors", errors, "count", "== 0", errors == 0),
    ]
    print(json.dumps({"bench": "soak", "figures": figures}, ensure_ascii=False))


def _figure(name: str, value: float, unit: str, goal: str, met: bool) -> JSON:
    return {"name": name, "value": value, "unit": unit, "goal": goal, "met": met}


def _slope_figure(name: str, slope: float, long_enough: bool) -> JSON:
    # Over a short run the slope is noise; it is judged from ten minutes on.
    goal = "< 20 (runs of 10 min or more)" if long_enough else "info"
    return _figure(name, round(slope, 2), "MB/h", goal, slope < 20 or not long_enough)


async def _stats(control_url: str) -> JSON:
    async with ControlClient(control_url) as control:
        return await control.stats()


if __name__ == "__main__":
    main()
