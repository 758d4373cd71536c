"""Type sniffing, limits and refusals."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime

import pytest

from bot.photos import MAX_BYTES, GeoPoint, PhotoRejected, analyse_photo
from bot.photos.synthetic import camera_exif, camera_jpeg, make_scene
from tests.photos.conftest import encode

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that announces `width`x`height` pixels but carries almost no data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def _refused(data: bytes) -> str:
    with pytest.raises(PhotoRejected) as info:
        analyse_photo(data, now=NOW)
    assert info.value.detail
    return info.value.code


@pytest.mark.parametrize(
    ("fmt", "expected", "mime"),
    [
        ("PNG", "PNG", "image/png"),
        ("WEBP", "WEBP", "image/webp"),
        ("HEIF", "HEIF", "image/heic"),
    ],
)
def test_other_formats_accepted_with_exif(fmt: str, expected: str, mime: str) -> None:
    exif = camera_exif(gps=GeoPoint(26.5, 106.7), make="Apple", model="iPhone 13")
    data = encode(make_scene(1, (480, 360)), fmt, exif=exif.tobytes())
    facts = analyse_photo(data, now=NOW)
    assert (facts.format, facts.mime_type) == (expected, mime)
    assert (facts.width, facts.height) == (480, 360)
    assert facts.gps == GeoPoint(26.5, 106.7)
    assert facts.camera_model == "iPhone 13"
    assert len(facts.phash) == 16


def test_heic_rotation_reported_as_stored() -> None:
    exif = camera_exif(orientation=6)
    facts = analyse_photo(encode(make_scene(2, (480, 360)), "HEIF", exif=exif.tobytes()), now=NOW)
    assert facts.orientation == 6
    assert (facts.width, facts.height) == (480, 360)


def test_transparent_png_and_greyscale_accepted() -> None:
    rgba = make_scene(3, (300, 200)).convert("RGBA")
    assert analyse_photo(encode(rgba, "PNG"), now=NOW).format == "PNG"
    assert analyse_photo(encode(make_scene(3, (300, 200)).convert("L")), now=NOW).width == 300


def test_pdf_refused() -> None:
    assert (
        _refused(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n") == "unsupported_type"
    )


def test_gif_and_avif_refused() -> None:
    assert _refused(encode(make_scene(4, (64, 48)), "GIF")) == "unsupported_type"
    avif = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 64
    assert _refused(avif) == "unsupported_type"


def test_empty_refused() -> None:
    assert _refused(b"") == "empty"


def test_oversized_refused_before_parsing() -> None:
    assert _refused(b"\xff\xd8\xff\xe0" + bytes(MAX_BYTES)) == "too_large"


def test_truncated_jpeg_refused() -> None:
    data = camera_jpeg(5, (640, 480))
    assert _refused(data[: len(data) // 2]) == "corrupt"
    assert _refused(data[:300]) == "corrupt"


def test_garbage_after_magic_refused() -> None:
    assert _refused(b"\xff\xd8\xff" + b"\x13" * 200) == "corrupt"
    assert _refused(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40) == "corrupt"


def test_huge_png_refused_from_header() -> None:
    data = png_header_only(60000, 60000)
    assert len(data) < 200
    assert _refused(data) == "too_many_pixels"


def test_absurd_strip_refused() -> None:
    assert _refused(png_header_only(100_000, 8)) == "too_many_pixels"
