"""EXIF extraction: position, times, camera, orientation and junk tolerance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from PIL.ExifTags import GPS, IFD, Base
from PIL.TiffImagePlugin import IFDRational

from bot.photos import GeoPoint, analyse_photo
from bot.photos.exif import read_exif
from bot.photos.synthetic import camera_jpeg, make_scene
from tests.photos.conftest import encode

CST = timezone(timedelta(hours=8))
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def test_camera_jpeg_facts() -> None:
    taken = datetime(2024, 5, 1, 10, 30, 15, 250000, tzinfo=CST)
    data = camera_jpeg(
        3,
        (800, 600),
        gps=GeoPoint(26.5812, 106.7135, 1071.3),
        taken_at=taken,
        make="HUAWEI",
        model="NOVA 11",
    )
    facts = analyse_photo(data, now=NOW)
    assert facts.format == "JPEG" and facts.mime_type == "image/jpeg"
    assert (facts.width, facts.height) == (800, 600)
    assert facts.size_bytes == len(data)
    assert facts.gps is not None
    assert facts.gps.latitude == pytest.approx(26.5812, abs=1e-6)
    assert facts.gps.longitude == pytest.approx(106.7135, abs=1e-6)
    assert facts.gps.altitude == pytest.approx(1071.3)
    assert facts.gps_time == datetime(2024, 5, 1, 2, 30, 15, 250000, tzinfo=UTC)
    assert facts.taken_at == taken and facts.taken_at.utcoffset() == timedelta(hours=8)
    assert facts.taken_at_offset_known
    assert (facts.camera_make, facts.camera_model) == ("HUAWEI", "NOVA 11")
    assert facts.orientation is None
    assert facts.problems == ()
    assert len(facts.sha256) == 64 and len(facts.phash) == 16


def test_southern_western_and_below_sea_level() -> None:
    data = camera_jpeg(4, (320, 240), gps=GeoPoint(-33.8688, -70.25, -12.5))
    gps = analyse_photo(data, now=NOW).gps
    assert gps is not None
    assert gps.latitude == pytest.approx(-33.8688, abs=1e-6)
    assert gps.longitude == pytest.approx(-70.25, abs=1e-6)
    assert gps.altitude == pytest.approx(-12.5)


def test_naive_time_uses_assumed_zone() -> None:
    data = camera_jpeg(5, (320, 240), taken_at=datetime(2024, 7, 1, 9, 0, 0))
    facts = analyse_photo(data, now=NOW)
    assert not facts.taken_at_offset_known
    assert facts.taken_at is not None
    assert facts.taken_at.utcoffset() == timedelta(hours=8)  # default Asia/Shanghai
    assert facts.taken_at.astimezone(UTC) == datetime(2024, 7, 1, 1, 0, tzinfo=UTC)
    other = analyse_photo(data, assume_tz=ZoneInfo("Europe/Berlin"), now=NOW)
    assert other.taken_at is not None and other.taken_at.utcoffset() == timedelta(hours=2)
    assert "no_gps" in facts.problems


def test_explicit_offset_wins_over_assumed_zone() -> None:
    taken = datetime(2024, 7, 1, 9, 0, 0, tzinfo=timezone(timedelta(hours=-5)))
    facts = analyse_photo(camera_jpeg(6, (320, 240), taken_at=taken), assume_tz=UTC, now=NOW)
    assert facts.taken_at_offset_known and facts.taken_at == taken


def test_no_exif() -> None:
    facts = analyse_photo(encode(make_scene(7, (320, 240))), now=NOW)
    assert facts.problems == ("no_exif",)
    assert facts.gps is None and facts.taken_at is None and facts.camera_make is None


def test_future_capture_and_editor_flags() -> None:
    data = camera_jpeg(
        8, (320, 240), taken_at=datetime(2030, 1, 1, tzinfo=CST), software="Adobe Photoshop 25.1"
    )
    facts = analyse_photo(data, now=NOW)
    assert "capture_time_in_future" in facts.problems
    assert "software_edited:Adobe Photoshop 25.1" in facts.problems
    camera_firmware = analyse_photo(camera_jpeg(8, (320, 240), software="MP1.0.3"), now=NOW)
    assert not any(p.startswith("software_edited") for p in camera_firmware.problems)


def _exif_with_gps(gps: dict[int, object], **base: object) -> Image.Exif:
    exif = Image.Exif()
    exif[Base.Make] = "Test"
    for key, value in base.items():
        exif[getattr(Base, key)] = value
    exif.get_ifd(IFD.GPSInfo).update(gps)
    return exif


def _read(exif: Image.Exif):  # type: ignore[no-untyped-def]
    return read_exif(exif, assume_tz=UTC, now=NOW)


def test_zero_denominator_is_gps_invalid() -> None:
    facts = _read(
        _exif_with_gps(
            {
                GPS.GPSLatitudeRef: "N",
                GPS.GPSLatitude: (IFDRational(26, 0), 0.0, 0.0),
                GPS.GPSLongitudeRef: "E",
                GPS.GPSLongitude: (106.0, 0.0, 0.0),
            }
        )
    )
    assert facts.gps is None and "gps_invalid" in facts.problems


def test_raw_pair_zero_denominator_is_gps_invalid() -> None:
    facts = _read(
        _exif_with_gps(
            {
                GPS.GPSLatitudeRef: "N",
                GPS.GPSLatitude: ((26, 0), (0, 1), (0, 1)),
                GPS.GPSLongitudeRef: "E",
                GPS.GPSLongitude: ((106, 1), (0, 1), (0, 1)),
            }
        )
    )
    assert facts.gps is None and "gps_invalid" in facts.problems


@pytest.mark.parametrize("lat", [(95.0, 0.0, 0.0), (26.0, 75.0, 0.0), (0.0, 0.0, 0.0)])
def test_out_of_range_or_null_island_is_gps_invalid(lat: tuple[float, float, float]) -> None:
    lon = (0.0, 0.0, 0.0) if lat == (0.0, 0.0, 0.0) else (106.0, 0.0, 0.0)
    facts = _read(
        _exif_with_gps(
            {
                GPS.GPSLatitudeRef: "N",
                GPS.GPSLatitude: lat,
                GPS.GPSLongitudeRef: "E",
                GPS.GPSLongitude: lon,
            }
        )
    )
    assert facts.gps is None and "gps_invalid" in facts.problems


def test_missing_refs_and_bytes_values() -> None:
    facts = _read(
        _exif_with_gps(
            {GPS.GPSLatitude: (26.0, 30.0, 0.0), GPS.GPSLongitude: (106.0, 45.0, 0.0)},
            Model=b"Redmi\x00",
        )
    )
    assert facts.gps == GeoPoint(26.5, 106.75)
    assert "gps_ref_missing" in facts.problems
    assert facts.camera_model == "Redmi"
    bytes_refs = _read(
        _exif_with_gps(
            {
                GPS.GPSLatitudeRef: b"S\x00",
                GPS.GPSLatitude: (26.0, 30.0, 0.0),
                GPS.GPSLongitudeRef: b"W",
                GPS.GPSLongitude: (106.0, 45.0, 0.0),
            }
        )
    )
    assert bytes_refs.gps == GeoPoint(-26.5, -106.75)
    assert "gps_ref_missing" not in bytes_refs.problems


def test_unparseable_times_and_bad_orientation() -> None:
    exif = Image.Exif()
    exif[Base.Orientation] = 42
    sub = exif.get_ifd(IFD.Exif)
    sub[Base.DateTimeOriginal] = "yesterday noon"
    gps = exif.get_ifd(IFD.GPSInfo)
    gps[GPS.GPSDateStamp] = "2024:13:45"
    gps[GPS.GPSTimeStamp] = (1.0, 2.0, 3.0)
    facts = _read(exif)
    assert facts.taken_at is None and "exif_time_unparseable" in facts.problems
    assert facts.gps_time is None and "gps_time_invalid" in facts.problems
    assert facts.orientation is None and "orientation_invalid" in facts.problems


def test_zeroed_clock_means_no_time() -> None:
    exif = Image.Exif()
    exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] = "0000:00:00 00:00:00"
    facts = _read(exif)
    assert facts.taken_at is None
    assert "no_capture_time" in facts.problems and "exif_time_unparseable" not in facts.problems


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_garbage_exif_block_does_not_refuse_photo() -> None:
    image = make_scene(9, (320, 240))
    data = encode(image, exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff garbage")
    facts = analyse_photo(data, now=NOW)
    assert facts.format == "JPEG"
    assert facts.gps is None
