"""Content-addressed storage of originals and their thumbnails."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from bot.photos.decode import THUMBNAIL_SIDE, load_reduced, open_image, sniff
from bot.photos.facts import PhotoFacts, StoredPhoto

THUMBNAIL_QUALITY = 80
# Local features of an original are stored beside it under the same name with this suffix,
# and its denser set (what verification falls back on) with the second.
FEATURES_SUFFIX = ".lf"
DENSE_SUFFIX = ".ld"
FEATURE_SUFFIXES = (FEATURES_SUFFIX, DENSE_SUFFIX)

# EXIF orientation -> the transpose that shows the picture upright.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def original_relpath(sha256: str, extension: str) -> Path:
    """Where the original bytes of a photo live, relative to the data directory."""
    return Path("photos", sha256[:2], sha256[2:4], f"{sha256}.{extension}")


def thumbnail_relpath(sha256: str) -> Path:
    """Where the thumbnail of a photo lives, relative to the data directory."""
    return Path("photos", "thumbs", sha256[:2], f"{sha256}.jpg")


def make_thumbnail(reduced: Image.Image, orientation: int | None) -> Image.Image:
    """Shrink to at most THUMBNAIL_SIDE pixels and turn upright; carries no metadata."""
    w, h = reduced.size
    longest = max(w, h)
    if longest > THUMBNAIL_SIDE:
        size = (
            max(1, round(w * THUMBNAIL_SIDE / longest)),
            max(1, round(h * THUMBNAIL_SIDE / longest)),
        )
        thumb = reduced.resize(size, Image.Resampling.BILINEAR)
    else:
        thumb = reduced.copy()
    transpose = _UPRIGHT.get(orientation or 1)
    if transpose is not None:
        thumb = thumb.transpose(transpose)
    # Image operations copy `info`; EXIF and XMP there would carry GPS into the thumbnail.
    thumb.info = {}
    return thumb


def encode_thumbnail(thumb: Image.Image, icc_profile: bytes | None = None) -> bytes:
    """JPEG bytes of a thumbnail, with no EXIF or XMP."""
    out = io.BytesIO()
    params: dict[str, object] = {"quality": THUMBNAIL_QUALITY}
    if icc_profile:
        params["icc_profile"] = icc_profile
    thumb.save(out, "JPEG", **params)
    return out.getvalue()


def _is_stored(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except FileNotFoundError:
        return False


def _incoming_path(data_dir: Path) -> Path:
    # Temporary files live beside the store (same filesystem, so the final rename is atomic)
    # and never under a content-addressed name, so a crash leaves no half-written photo.
    incoming = data_dir / "photos" / ".incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    return incoming / f"{uuid.uuid4().hex}.tmp"


def _write_temp(data_dir: Path, data: bytes) -> Path:
    tmp = _incoming_path(data_dir)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _publish(tmp: Path, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, path)


def _write_once(data_dir: Path, relpath: Path, data: bytes) -> None:
    """Write atomically unless a complete copy is already there (names are content hashes)."""
    path = data_dir / relpath
    if not _is_stored(path, len(data)):
        _publish(_write_temp(data_dir, data), path)


@dataclass
class StagedOriginal:
    """An original hashed and written to a temporary file, not yet under its final name."""

    sha256: str
    relpath: Path
    temp: Path | None  # None when the store already holds these bytes

    def publish(self, data_dir: Path) -> None:
        """Move the temporary file to its content-addressed name."""
        if self.temp is not None:
            _publish(self.temp, data_dir / self.relpath)
            self.temp = None

    def discard(self) -> None:
        """Drop the temporary file (the photo was refused)."""
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
            self.temp = None


def stage_original(data: bytes, extension: str, data_dir: Path) -> StagedOriginal:
    """Hash `data` and, unless already stored, write it to a temporary file in the store."""
    sha = hashlib.sha256(data).hexdigest()
    relpath = original_relpath(sha, extension)
    if _is_stored(data_dir / relpath, len(data)):
        return StagedOriginal(sha, relpath, None)
    return StagedOriginal(sha, relpath, _write_temp(data_dir, data))


def write_photo(
    data: bytes,
    facts: PhotoFacts,
    data_dir: Path,
    thumb: Image.Image | None,
    icc_profile: bytes | None = None,
) -> StoredPhoto:
    """Store the original and (when missing) the thumbnail; `thumb` None skips the latter."""
    stored = StoredPhoto(
        original_path=original_relpath(facts.sha256, facts.extension),
        thumbnail_path=thumbnail_relpath(facts.sha256),
    )
    _write_once(data_dir, stored.original_path, data)
    write_thumbnail(data_dir, stored.thumbnail_path, thumb, icc_profile)
    return stored


def write_thumbnail(
    data_dir: Path, relpath: Path, thumb: Image.Image | None, icc_profile: bytes | None
) -> None:
    """Encode and store a thumbnail unless one is already there."""
    if thumb is not None and not (data_dir / relpath).exists():
        _write_once(data_dir, relpath, encode_thumbnail(thumb, icc_profile))


def thumbnail_orientation(facts: PhotoFacts) -> int | None:
    """The orientation still to apply after decoding (HEIF decoding applies it already)."""
    return None if facts.format == "HEIF" else facts.orientation


def icc_for_thumbnail(im: Image.Image) -> bytes | None:
    """The colour profile worth keeping in an RGB thumbnail of `im`."""
    icc = im.info.get("icc_profile")
    return icc if isinstance(icc, bytes) and im.mode in ("RGB", "RGBA") else None


def store_photo(data: bytes, facts: PhotoFacts, data_dir: Path) -> StoredPhoto:
    """Store an analysed photo and its thumbnail; idempotent for the same bytes."""
    if hashlib.sha256(data).hexdigest() != facts.sha256:
        raise ValueError("facts do not belong to these bytes")
    stored = StoredPhoto(
        original_path=original_relpath(facts.sha256, facts.extension),
        thumbnail_path=thumbnail_relpath(facts.sha256),
    )
    thumb: Image.Image | None = None
    icc: bytes | None = None
    if not (data_dir / stored.thumbnail_path).exists():
        kind = sniff(data)
        im = open_image(data, kind)
        icc = icc_for_thumbnail(im)
        thumb = make_thumbnail(load_reduced(im, kind), thumbnail_orientation(facts))
    return write_photo(data, facts, data_dir, thumb, icc)
