"""Pictures attached to complaints: re-encoded from pixels alone, so no metadata survives.

The original bytes never reach the disk. The picture is decoded, turned upright, flattened
to RGB and copied pixel by pixel into a new image that has no `info` at all (no EXIF, GPS,
XMP, maker notes, camera serials, ICC profile or comments), then written as a JPEG.
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from pathlib import Path

from PIL import Image, ImageOps

from bot.domain.complaints import CleanPicture, StoredAttachment
from bot.photos.decode import _flatten, check_size, open_image, sniff
from bot.photos.facts import PhotoRejected

# Large enough to read a document photographed with a phone, small enough to stay modest.
MAX_SIDE = 2560
QUALITY = 85
FOLDER = "complaints"


def clean_picture(data: bytes) -> CleanPicture:
    """JPEG bytes holding only the pixels of `data`, upright; raise PhotoRejected if unusable."""
    check_size(data)
    kind = sniff(data)
    im = open_image(data, kind)
    try:
        im.load()
        upright = ImageOps.exif_transpose(im)
        flat = _flatten(upright).convert("RGB")
    except PhotoRejected:
        raise
    except Exception as exc:  # truncated or broken data: unreadable, whatever the cause
        raise PhotoRejected("corrupt", f"cannot decode {kind.format} data ({exc})") from None
    flat.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A new image from raw pixels carries no `info`, so nothing of the original's metadata
    # can be written out by accident (Pillow copies `info` through most operations).
    clean = Image.frombytes("RGB", flat.size, flat.tobytes())
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=QUALITY, optimize=True)
    cleaned = out.getvalue()
    return CleanPicture(hashlib.sha256(cleaned).hexdigest(), cleaned, clean.width, clean.height)


def attachment_relpath(sha256: str) -> Path:
    """Where a cleaned picture lives, relative to the data folder (apart from visit photos)."""
    return Path(FOLDER, sha256[:2], f"{sha256}.jpg")


def store_picture(picture: CleanPicture, data_dir: Path) -> StoredAttachment:
    """Write a cleaned picture under the hash of its bytes (atomically, once)."""
    cleaned, sha = picture.data, picture.sha256
    relpath = attachment_relpath(sha)
    path = data_dir / relpath
    if not (path.exists() and path.stat().st_size == len(cleaned)):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{uuid.uuid4().hex}.tmp"
        try:
            tmp.write_bytes(cleaned)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return StoredAttachment(
        sha256=sha, relpath=relpath.as_posix(), width=picture.width, height=picture.height
    )
