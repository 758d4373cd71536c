"""Photo pipeline benchmark: whole pipeline vs. a full decode vs. a bare 1/8-scale decode.

Run from the repository root: `python -m bench.photos [--quick]`. The last stdout line is one
JSON object with the figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image

from bot.photos import GeoPoint, process_photo
from bot.photos.synthetic import camera_jpeg

SIZE = (4000, 3000)
CST = timezone(timedelta(hours=8))


def _make_photos(directory: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        data = camera_jpeg(
            1000 + i,
            SIZE,
            gps=GeoPoint(26.58 + i * 0.001, 106.71 - i * 0.001, 1070.0 + i),
            taken_at=datetime(2024, 6, 3, 9, 15, i, tzinfo=CST),
            make="HUAWEI",
            model="NOVA 11",
            quality=90,
        )
        path = directory / f"IMG_{i:04d}.jpg"
        path.write_bytes(data)
        paths.append(path)
    return paths


def _full_decode(path: Path) -> None:
    with Image.open(path) as im:
        im.load()


def _draft_floor(path: Path) -> None:
    with Image.open(path) as im:
        w, h = im.size
        im.draft("RGB", (w // 8, h // 8))
        im.load()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.photos", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer photos and repetitions")
    args = parser.parse_args(argv)
    count, reps = (2, 3) if args.quick else (6, 9)

    work = Path(tempfile.mkdtemp(prefix="bangfu-bench-photos-"))
    try:
        (work / "in").mkdir()
        photos = _make_photos(work / "in", count)
        print(
            f"{count} photos {SIZE[0]}x{SIZE[1]}, "
            f"{sum(p.stat().st_size for p in photos) / count / 1e6:.1f} MB each, {reps} reps"
        )
        data_dir = work / "data"

        def pipeline(path: Path) -> None:
            process_photo(path.read_bytes(), data_dir)

        def reset() -> None:
            # An empty store every run (the store skips files it already has), emptied outside
            # the timed region so that the benchmark's own write volume does not pile up dirty
            # pages at a rate no bot would ever see.
            shutil.rmtree(data_dir, ignore_errors=True)

        cases: dict[str, Callable[[Path], None]] = {
            "pipeline": pipeline,
            "full": _full_decode,
            "floor": _draft_floor,
        }
        for path in photos:  # warm-up: imports, page cache, lazy plugin setup
            for fn in cases.values():
                reset()
                fn(path)
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for rep in range(reps):
            # Rotate the order every repetition so drift in machine load hits all cases alike.
            order = list(cases)[rep % 3 :] + list(cases)[: rep % 3]
            for path in photos:
                for name in order:
                    reset()
                    gc.collect()
                    start = time.perf_counter()
                    cases[name](path)
                    samples[name].append(time.perf_counter() - start)
        median = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for name, value in median.items():
        print(f"{name:>8}: {value:7.1f} ms median per photo")
    r_full = median["pipeline"] / median["full"]
    r_floor = median["pipeline"] / median["floor"]
    figures = [
        {
            "name": "pipeline_vs_full_decode",
            "value": round(r_full, 3),
            "unit": "x",
            "goal": "<= 0.4",
            "met": r_full <= 0.4,
        },
        {
            "name": "pipeline_vs_draft_floor",
            "value": round(r_floor, 3),
            "unit": "x",
            "goal": "<= 1.3",
            "met": r_floor <= 1.3,
        },
        {
            "name": "pipeline_ms_per_photo",
            "value": round(median["pipeline"], 1),
            "unit": "ms",
            "goal": "info",
            "met": True,
        },
    ]
    print(json.dumps({"bench": "photos", "figures": figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
