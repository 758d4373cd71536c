"""`bangfu photo inspect FILE... [--json]`: show what the photo pipeline extracts from files.

With exactly two files it also says whether they show the same picture, and why: the
fingerprint distance, and the geometric check's matches, transform and pixel agreement.
"""

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
from bot.photos.hashing import NEAR_DUPLICATE_DISTANCE, near_duplicate_distance
from bot.photos.pipeline import analyse_photo


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the inspect command's arguments to `parser`."""
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="photo files to inspect (two: also compared)"
    )
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


def compare(first: str, second: str, a: PhotoFacts, b: PhotoFacts) -> dict[str, Any]:
    """Whether two readable photo files show the same picture, with the evidence."""
    # OpenCV is imported only here: inspecting single files does not need it.
    from bot.evidence.geometric import GeometricMatch, assess
    from bot.photos.features import extract_features, load_pixels

    distance = near_duplicate_distance(a.fingerprint, b.fingerprint)
    record: dict[str, Any] = {
        "files": [first, second],
        "identical_bytes": a.sha256 == b.sha256,
        "fingerprint_distance": distance,
        "fingerprint_threshold": NEAR_DUPLICATE_DISTANCE,
        "fingerprint_match": distance <= NEAR_DUPLICATE_DISTANCE,
    }
    a_pixels = load_pixels(Path(first).read_bytes())
    b_pixels = load_pixels(Path(second).read_bytes())
    result = assess(extract_features(a_pixels), extract_features(b_pixels), a_pixels, b_pixels)
    if isinstance(result, GeometricMatch):
        record["geometric"] = {
            "inliers": result.inliers,
            "scale": result.scale,
            "rotation_degrees": result.rotation_degrees,
            "mirrored": result.mirrored,
            "overlap": result.overlap,
            "pixel_agreement": result.pixel_agreement,
        }
    else:
        record["geometric"] = None
        record["geometric_reason"] = result
    record["same_picture"] = record["identical_bytes"] or isinstance(result, GeometricMatch)
    if record["identical_bytes"]:
        record["stage"] = "identical"
    elif isinstance(result, GeometricMatch):
        record["stage"] = "fingerprint" if record["fingerprint_match"] else "geometric"
    else:
        record["stage"] = None
    return record


def _describe_comparison(record: dict[str, Any]) -> str:
    first, second = record["files"]
    verdict = "the same picture" if record["same_picture"] else "not the same picture"
    lines = [f"{first} vs {second}: {verdict}"]
    if record["identical_bytes"]:
        lines.append("  identical files (same SHA-256)")
    hit = "within" if record["fingerprint_match"] else "beyond"
    lines.append(
        f"  fingerprint  distance {record['fingerprint_distance']} "
        f"({hit} {record['fingerprint_threshold']})"
    )
    match = record["geometric"]
    if match is None:
        lines.append(f"  geometric    {record['geometric_reason']}")
    else:
        crop = round((1 - match["overlap"]) * 100)
        lines.append(
            f"  geometric    {match['inliers']} matches agree on one transform: scale "
            f"{match['scale']:.2f}, rotation {match['rotation_degrees']:.0f} degrees"
            + (", mirrored" if match["mirrored"] else "")
        )
        lines.append(
            f"               the smaller covers {match['overlap']:.0%} of the larger "
            f"(crop ~{crop} %); {match['pixel_agreement']:.0%} of the aligned tiles line up"
        )
    if record["stage"]:
        lines.append(f"  stage        {record['stage']}")
    return "\n".join(lines)


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
    readable: list[tuple[str, PhotoFacts]] = []
    for index, path in enumerate(paths):
        result = _inspect_one(path)
        if not isinstance(result, str):
            readable.append((path, result))
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
    if len(paths) == 2 and len(readable) == 2:
        (first, a), (second, b) = readable
        try:
            comparison = compare(first, second, a, b)
        except (PhotoRejected, OSError) as exc:
            print(f"cannot compare: {exc}", file=err)
            failed = True
        else:
            if as_json:
                # The second file's record carries the comparison: the array keeps its shape.
                records[-1]["compared_with_previous"] = comparison
            else:
                print(file=out)
                print(_describe_comparison(comparison), file=out)
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
