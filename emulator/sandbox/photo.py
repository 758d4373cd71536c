"""Write a fresh camera photo with GPS, for trying the sandbox with curl.

.venv/bin/python -m emulator.sandbox.photo photo.jpg 26.5801 106.7102
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.photos import GeoPoint
from bot.photos.synthetic import camera_jpeg


def write_photo(path: Path, lat: float, lon: float) -> Path:
    """A never-seen-before scene, taken five minutes ago at (lat, lon), as a phone saves it."""
    # A fresh scene each time: the same picture twice would be flagged as a reused photo.
    data = camera_jpeg(
        random.randrange(1_000_000_000),
        (1600, 1200),
        gps=GeoPoint(lat, lon),
        taken_at=datetime.now(UTC) - timedelta(minutes=5),
    )
    path.write_bytes(data)
    return path


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: PATH LAT LON."""
    parser = argparse.ArgumentParser(description="write a camera photo with GPS EXIF")
    parser.add_argument("path", type=Path)
    parser.add_argument("lat", type=float)
    parser.add_argument("lon", type=float)
    args = parser.parse_args(argv)
    print(write_photo(args.path, args.lat, args.lon))


if __name__ == "__main__":
    main()
