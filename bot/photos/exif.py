"""EXIF parsing: position, capture time, camera and orientation, tolerant of junk.

Camera firmware and editing apps write every kind of malformed value. Nothing here raises on
bad metadata: a bad field is dropped and a problem code explains why.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from PIL import Image
from PIL.ExifTags import GPS, IFD, Base

from bot.photos.facts import GeoPoint

# A phone clock a few minutes fast is normal; anything beyond is worth a look.
FUTURE_TOLERANCE = timedelta(minutes=10)

# Substrings (lower case) of the Software tag written by photo editors, as opposed to
# camera firmware, which writes its own version there.
_EDITORS = (
    "photoshop",
    "lightroom",
    "adobe",
    "gimp",
    "snapseed",
    "picsart",
    "meitu",
    "美图",
    "醒图",
    "美颜",
    "pixelmator",
    "affinity",
    "paint.net",
    "canva",
    "fotor",
    "photoscape",
    "polarr",
    "vsco",
    "facetune",
    "picasa",
    "acdsee",
    "darktable",
    "rawtherapee",
    "luminar",
    "capture one",
    "xnview",
    "irfanview",
    "inshot",
    "photodirector",
    "wink",
    "faceu",
    "b612",
)

_EXIF_DATETIME = re.compile(r"^\s*(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")


@dataclass(frozen=True)
class ExifFacts:
    """The metadata fields the pipeline reports, plus the problems met while reading them."""

    gps: GeoPoint | None = None
    gps_time: datetime | None = None
    taken_at: datetime | None = None
    taken_at_offset_known: bool = False
    camera_make: str | None = None
    camera_model: str | None = None
    orientation: int | None = None
    software: str | None = None
    problems: tuple[str, ...] = ()


def _text(value: Any) -> str | None:
    """A printable string from an ASCII/UNDEFINED tag value, or None if empty."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    cleaned = "".join(ch for ch in value.replace("\x00", " ") if ch.isprintable()).strip()
    return " ".join(cleaned.split())[:100] or None


def _number(value: Any) -> float:
    """A finite float from a rational, int, float or (numerator, denominator) pair."""
    if isinstance(value, tuple) and len(value) == 2:
        num, den = value
        value = float(num) / float(den)  # ZeroDivisionError is caught by callers
    result = float(value)
    if not math.isfinite(result):
        raise ValueError("not a finite number")
    return result


def _triple(value: Any) -> tuple[float, float, float]:
    values = value if isinstance(value, tuple | list) else (value,)
    parts = [_number(v) for v in values]
    if not 1 <= len(parts) <= 3:
        raise ValueError("wrong number of components")
    parts += [0.0] * (3 - len(parts))
    return parts[0], parts[1], parts[2]


def _degrees(value: Any) -> float:
    deg, minutes, seconds = _triple(value)
    # Cameras that round seconds write 60.0 now and then; that is a valid position.
    if deg < 0 or not 0 <= minutes < 60 or not 0 <= seconds <= 60:
        raise ValueError("degrees, minutes or seconds out of range")
    return deg + minutes / 60 + seconds / 3600


def _ref(value: Any) -> str | None:
    text = _text(value)
    return text[0].upper() if text else None


def _parse_gps(
    gps: dict[int, Any], problems: list[str]
) -> tuple[GeoPoint | None, datetime | None]:
    point: GeoPoint | None = None
    if GPS.GPSLatitude in gps or GPS.GPSLongitude in gps:
        try:
            lat = _degrees(gps[GPS.GPSLatitude])
            lon = _degrees(gps[GPS.GPSLongitude])
            lat_ref, lon_ref = (
                _ref(gps.get(GPS.GPSLatitudeRef)),
                _ref(gps.get(GPS.GPSLongitudeRef)),
            )
            if lat_ref not in ("N", "S") or lon_ref not in ("E", "W"):
                # The bureau works north and east of the equator and Greenwich, so assuming
                # positive values is right for every real case; the problem code still flags it.
                problems.append("gps_ref_missing")
            if lat_ref == "S":
                lat = -lat
            if lon_ref == "W":
                lon = -lon
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError("coordinates out of range")
            if lat == 0 and lon == 0:
                raise ValueError("0,0 is what receivers write without a fix")
            point = GeoPoint(lat, lon, _altitude(gps, problems))
        except (KeyError, TypeError, ValueError, ZeroDivisionError, OverflowError):
            problems.append("gps_invalid")
    gps_time: datetime | None = None
    if GPS.GPSDateStamp in gps or GPS.GPSTimeStamp in gps:
        try:
            date = _text(gps[GPS.GPSDateStamp]) or ""
            year, month, day = (int(p) for p in re.split(r"[:\-]", date)[:3])
            hours, minutes, seconds = _triple(gps[GPS.GPSTimeStamp])
            if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 61):
                raise ValueError("time out of range")
            gps_time = datetime(year, month, day, tzinfo=UTC) + timedelta(
                hours=hours, minutes=minutes, seconds=seconds
            )
        except (KeyError, TypeError, ValueError, ZeroDivisionError, OverflowError):
            problems.append("gps_time_invalid")
    return point, gps_time


def _altitude(gps: dict[int, Any], problems: list[str]) -> float | None:
    if GPS.GPSAltitude not in gps:
        return None
    try:
        altitude = _number(gps[GPS.GPSAltitude])
        ref = gps.get(GPS.GPSAltitudeRef, 0)
        if isinstance(ref, bytes):
            ref = ref[0] if ref else 0
        if isinstance(ref, tuple):
            ref = ref[0] if ref else 0
        if int(ref) == 1:
            altitude = -altitude
        if not -1000 <= altitude <= 20000:
            raise ValueError("altitude out of range")
        return altitude
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, IndexError):
        problems.append("gps_altitude_invalid")
        return None


def _parse_taken_at(
    sub: dict[int, Any], assume_tz: tzinfo, problems: list[str]
) -> tuple[datetime | None, bool]:
    raw: Any = None
    subsec_tag, offset_tag = Base.SubsecTimeOriginal, Base.OffsetTimeOriginal
    for tag, sub_tag, off_tag in (
        (Base.DateTimeOriginal, Base.SubsecTimeOriginal, Base.OffsetTimeOriginal),
        (Base.DateTimeDigitized, Base.SubsecTimeDigitized, Base.OffsetTimeDigitized),
    ):
        text = _text(sub.get(tag))
        # Cameras without a set clock write zeros or blanks; that is no capture time at all.
        if text and text.strip("0: "):
            raw, subsec_tag, offset_tag = text, sub_tag, off_tag
            break
    if raw is None:
        return None, False
    match = _EXIF_DATETIME.match(raw)
    if not match:
        problems.append("exif_time_unparseable")
        return None, False
    try:
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError:
        problems.append("exif_time_unparseable")
        return None, False
    subsec = _text(sub.get(subsec_tag))
    if subsec and subsec.isdigit():
        naive = naive.replace(microsecond=int((subsec + "000000")[:6]))
    offset_text = _text(sub.get(offset_tag))
    if offset_text:
        offset = _OFFSET.match(offset_text)
        if offset:
            sign = -1 if offset.group(1) == "-" else 1
            delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3)))
            if delta <= timedelta(hours=14):
                return naive.replace(tzinfo=timezone(sign * delta)), True
        problems.append("exif_offset_unparseable")
    return naive.replace(tzinfo=assume_tz), False


def _software_problem(software: str | None) -> str | None:
    if not software:
        return None
    lowered = software.lower()
    if any(editor in lowered for editor in _EDITORS):
        return f"software_edited:{software[:40]}"
    return None


def read_exif(
    exif: Image.Exif,
    *,
    assume_tz: tzinfo,
    now: datetime,
    orientation_override: int | None = None,
) -> ExifFacts:
    """Extract the reported EXIF fields; never raises on malformed metadata."""
    problems: list[str] = []
    try:
        sub = exif.get_ifd(IFD.Exif)
    except Exception:  # Pillow raises many types on broken sub-IFD offsets
        sub = {}
        problems.append("exif_unreadable")
    try:
        gps_ifd = exif.get_ifd(IFD.GPSInfo)
    except Exception:
        gps_ifd = {}
        problems.append("gps_invalid")
    if len(exif) == 0 and not sub and not gps_ifd and orientation_override is None:
        return ExifFacts(problems=("no_exif",))

    gps, gps_time = _parse_gps(gps_ifd, problems)
    if gps is None and "gps_invalid" not in problems:
        problems.append("no_gps")
    taken_at, offset_known = _parse_taken_at(sub, assume_tz, problems)
    if taken_at is None and "exif_time_unparseable" not in problems:
        problems.append("no_capture_time")
    if taken_at is not None and taken_at > now + FUTURE_TOLERANCE:
        problems.append("capture_time_in_future")
    if gps_time is not None and gps_time > now + FUTURE_TOLERANCE:
        problems.append("gps_time_in_future")

    orientation: int | None = orientation_override
    if orientation is None and Base.Orientation in exif:
        value = exif.get(Base.Orientation)
        if isinstance(value, int) and 1 <= value <= 8:
            orientation = value
        else:
            problems.append("orientation_invalid")

    software = _text(exif.get(Base.Software))
    edited = _software_problem(software)
    if edited:
        problems.append(edited)

    return ExifFacts(
        gps=gps,
        gps_time=gps_time,
        taken_at=taken_at,
        taken_at_offset_known=offset_known,
        camera_make=_text(exif.get(Base.Make)),
        camera_model=_text(exif.get(Base.Model)),
        orientation=orientation,
        software=software,
        problems=tuple(problems),
    )
