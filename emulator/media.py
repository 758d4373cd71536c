"""Photo handling as Telegram does it: re-encode as JPEG without metadata, in several sizes."""

from __future__ import annotations

import io
import mimetypes

from PIL import Image, ImageOps, UnidentifiedImageError

# Longest side of each PhotoSize variant Telegram produces (s, m, x, y).
PHOTO_SIDES = (90, 320, 800, 1280)
THUMB_SIDE = 320


class BadImage(ValueError):
    """The bytes are not an image Pillow can decode."""


def _open(data: bytes) -> Image.Image:
    img: Image.Image
    try:
        opened = Image.open(io.BytesIO(data))
        if opened.format == "JPEG":  # decode at the smallest scale still >= the largest variant
            opened.draft("RGB", (max(PHOTO_SIDES), max(PHOTO_SIDES)))
        opened.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise BadImage(str(exc)) from exc
    # Clients apply the EXIF orientation before the metadata is dropped.
    img = ImageOps.exif_transpose(opened)
    if img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    return img


def _jpeg(img: Image.Image, quality: int = 87) -> bytes:
    buf = io.BytesIO()
    # No exif= argument, so nothing of the original metadata survives.
    img.save(buf, format="JPEG", quality=quality, optimize=False)
    return buf.getvalue()


def photo_variants(data: bytes) -> list[tuple[int, int, bytes]]:
    """(width, height, jpeg) for each size Telegram would keep, smallest first."""
    img = _open(data)
    longest = max(img.size)
    sides = sorted({min(side, longest) for side in PHOTO_SIDES}, reverse=True)
    out: list[tuple[int, int, bytes]] = []
    # Largest first, each smaller variant scaled in place from the previous one once that is
    # encoded. The largest, which bots read, gets a bicubic filter; the previews a box filter,
    # at about half the cost: the emulator stands in for Telegram's servers but shares the
    # bot's cores in the tests and benchmarks, where these previews were most of its CPU in a
    # photo step (bench.ingest).
    for target in sides:
        if out:
            img.thumbnail((target, target), Image.Resampling.BOX, reducing_gap=None)
        else:  # leaves a photo no larger than Telegram keeps as it is
            img.thumbnail((target, target), Image.Resampling.BICUBIC, reducing_gap=2.0)
        out.append((img.width, img.height, _jpeg(img)))
    return out[::-1]


def thumbnail(data: bytes) -> tuple[int, int, bytes] | None:
    """A small JPEG preview when the bytes are an image, else None."""
    try:
        img = _open(data)
    except BadImage:
        return None
    img.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return img.width, img.height, _jpeg(img, quality=80)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Pixel size of an image, or None when the bytes are not one."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.size
    except (UnidentifiedImageError, OSError):
        return None


def extension(filename: str | None, mime: str | None) -> str:
    """File extension for the stored file_path."""
    if filename and "." in filename:
        return filename.rsplit(".", 1)[1].lower()[:8] or "bin"
    if mime:
        ext = mimetypes.guess_extension(mime)
        if ext:
            return ext.lstrip(".")
    return "bin"
