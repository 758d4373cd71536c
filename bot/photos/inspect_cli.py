"""`bangfu photo inspect FILE... [--json]`: show what the photo pipeline extracts from files."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from bot.photos.facts import PhotoFacts, PhotoRejected
from bot.photos.pipeline import analyse_photo


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the inspect command's arguments to `parser`."""
    parser.add_argument("files", nargs="+", metavar="FILE", help="photo files to inspect")
    parser.add_argument("--json", action="store_true", help="print one JSON array")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def facts_to_dict(facts: PhotoFacts) -> dict[str, Any]:
    """A JSON-ready dictionary of everything in `facts`."""
    gps = facts.gps
    return {
        "format": facts.format,
        "mime_type": facts.mime_type,
        "size_bytes": facts.size_bytes,
        "width": facts.width,
        "height": facts.height,
        "gps": None
        if gps is None
        else {"latitude": gps.latitude, "longitude": gps.longitude, "altitude": gps.altitude},
        "gps_time": _iso(facts.gps_time),
        "taken_at": _iso(facts.taken_at),
        "taken_at_offset_known": facts.taken_at_offset_known,
        "camera_make": facts.camera_make,
        "camera_model": facts.camera_model,
        "software": facts.software,
        "orientation": facts.orientation,
        "sha256": facts.sha256,
        "phash": facts.phash,
        "dhash": facts.dhash,
        "fingerprint": facts.fingerprint.encode(),
        "problems": list(facts.problems),
    }


def _describe(path: str, facts: PhotoFacts) -> str:
    gps = facts.gps
    if gps is None:
        where = "none"
    else:
        where = f"{gps.latitude:.6f}, {gps.longitude:.6f}"
        if gps.altitude is not None:
            where += f", {gps.altitude:.1f} m"
    if facts.taken_at is None:
        taken = "unknown"
    else:
        taken = facts.taken_at.isoformat()
        if not facts.taken_at_offset_known:
            taken += " (offset not recorded; assumed)"
    camera = " ".join(p for p in (facts.camera_make, facts.camera_model) if p) or "unknown"
    lines = [
        f"{path}:",
        f"  format       {facts.format} ({facts.mime_type}), {facts.size_bytes:,} bytes",
        f"  dimensions   {facts.width}x{facts.height}, orientation {facts.orientation or '-'}",
        f"  gps          {where}",
        f"  gps time     {_iso(facts.gps_time) or 'none'}",
        f"  taken at     {taken}",
        f"  camera       {camera}" + (f" (software: {facts.software})" if facts.software else ""),
        f"  sha256       {facts.sha256}",
        f"  phash        {facts.phash}",
        f"  fingerprint  {facts.fingerprint.encode()}",
        f"  problems     {', '.join(facts.problems) or 'none'}",
    ]
    return "\n".join(lines)


def _inspect_one(path: str) -> PhotoFacts | str:
    """Facts for one file, or a one-line reason why it could not be read."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return "no such file"
    except IsADirectoryError:
        return "is a directory"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    try:
        return analyse_photo(data)
    except PhotoRejected as exc:
        return f"refused ({exc.code}): {exc.detail}"
    except Exception as exc:  # the command must report every file, never crash on one
        return f"failed: {type(exc).__name__}: {exc}"


def run_inspect(
    paths: Sequence[str],
    *,
    as_json: bool,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Inspect each file; return 0 if all could be read, 1 otherwise."""
    failed = False
    records: list[dict[str, Any]] = []
    for index, path in enumerate(paths):
        result = _inspect_one(path)
        if isinstance(result, str):
            failed = True
            print(f"{path}: error: {result}", file=err)
            if as_json:
                records.append({"file": path, "ok": False, "error": result})
            continue
        if as_json:
            records.append({"file": path, "ok": True, **facts_to_dict(result)})
        else:
            if index:
                print(file=out)
            print(_describe(path, result), file=out)
    if as_json:
        print(json.dumps(records, ensure_ascii=False, indent=2), file=out)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for `python -m bot.photos.inspect_cli`."""
    parser = argparse.ArgumentParser(
        prog="bangfu photo inspect", description="Show what the photo pipeline extracts."
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_inspect(args.files, as_json=args.json)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`); silence the flush at exit as well.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 1


if __name__ == "__main__":
    sys.exit(main())
