"""Content-addressed storage and thumbnails."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from bot.photos import PhotoRejected, analyse_photo, process_photo, store_photo
from bot.photos.synthetic import camera_jpeg, make_scene


def _marked_scene() -> Image.Image:
    """A landscape scene with a pure red block in its top-left corner."""
    image = make_scene(21, (800, 600))
    image.paste((255, 0, 0), (0, 0, 200, 150))
    return image


def test_process_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    data = camera_jpeg(20, (800, 600))
    facts, stored = process_photo(data, tmp_path)
    sha = hashlib.sha256(data).hexdigest()
    assert facts.sha256 == sha
    assert stored.original_path == Path("photos", sha[:2], sha[2:4], f"{sha}.jpg")
    assert stored.thumbnail_path == Path("photos", "thumbs", sha[:2], f"{sha}.jpg")
    original = tmp_path / stored.original_path
    assert original.read_bytes() == data
    before = (original.stat().st_mtime_ns, original.stat().st_ino)
    thumb_before = (tmp_path / stored.thumbnail_path).stat().st_mtime_ns

    again_facts, again = process_photo(data, tmp_path)
    assert again == stored and again_facts == facts
    assert (original.stat().st_mtime_ns, original.stat().st_ino) == before
    assert (tmp_path / stored.thumbnail_path).stat().st_mtime_ns == thumb_before
    assert store_photo(data, facts, tmp_path) == stored
    assert not list((tmp_path / "photos" / ".incoming").iterdir())


def test_store_photo_matches_process_photo(tmp_path: Path) -> None:
    data = camera_jpeg(22, (640, 480))
    facts = analyse_photo(data)
    stored = store_photo(data, facts, tmp_path / "a")
    assert stored == process_photo(data, tmp_path / "b")[1]
    assert (tmp_path / "a" / stored.thumbnail_path).is_file()
    with pytest.raises(ValueError):
        store_photo(data + b"x", facts, tmp_path / "a")


def test_thumbnail_upright_small_and_without_metadata(tmp_path: Path) -> None:
    data = camera_jpeg(21, image=_marked_scene(), orientation=6, taken_at=None)
    facts, stored = process_photo(data, tmp_path)
    assert (facts.width, facts.height, facts.orientation) == (800, 600, 6)
    with Image.open(tmp_path / stored.thumbnail_path) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (240, 320)  # portrait: turned upright
        assert len(thumb.getexif()) == 0
        assert "exif" not in thumb.info and "xmp" not in thumb.info
        rgb = thumb.convert("RGB")
        # Orientation 6 turns the picture clockwise: the top-left block ends up top-right.
        r, g, b = rgb.getpixel((225, 15))  # type: ignore[misc]
        assert r > 200 and g < 60 and b < 60
        r, g, b = rgb.getpixel((15, 15))  # type: ignore[misc]
        assert not (r > 200 and g < 60 and b < 60)


def test_small_photo_thumbnail_not_enlarged(tmp_path: Path) -> None:
    _, stored = process_photo(camera_jpeg(23, (200, 120)), tmp_path)
    with Image.open(tmp_path / stored.thumbnail_path) as thumb:
        assert thumb.size == (200, 120)


def test_refused_photo_leaves_nothing_behind(tmp_path: Path) -> None:
    data = camera_jpeg(24, (640, 480))
    with pytest.raises(PhotoRejected):
        process_photo(data[: len(data) // 2], tmp_path)
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert leftovers == []
