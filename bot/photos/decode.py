"""Format sniffing, size limits and reduced-resolution decoding."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageFile, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

from bot.photos.facts import PhotoRejected

MAX_BYTES = 20 * 1024 * 1024
# 2**26 pixels: a 64 MP phone sensor (9248x6936) still fits, while the worst case for a format
# that must be decoded at full size (PNG, WebP, HEIF) stays near 200 MB of RGB memory.
MAX_PIXELS = 1 << 26
# No camera or panorama mode writes a longer side; thin strips of huge length are attacks.
MAX_SIDE = 32_768
# The longest side of a thumbnail; decoding never goes below what this needs.
THUMBNAIL_SIDE = 320

# Truncated files must be refused, never padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False
# Lets the rest of the bot open HEIC with Image.open too; registration is idempotent.
pillow_heif.register_heif_opener(thumbnails=False)

_HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_GENERIC_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})


@dataclass(frozen=True)
class ImageType:
    """A supported container, as recognised from the leading bytes."""

    format: str
    mime_type: str


JPEG = ImageType("JPEG", "image/jpeg")
PNG = ImageType("PNG", "image/png")
WEBP = ImageType("WEBP", "image/webp")
HEIC = ImageType("HEIF", "image/heic")
HEIF = ImageType("HEIF", "image/heif")


def _heif_type(data: bytes) -> ImageType | None:
    if len(data) < 16 or data[4:8] != b"ftyp":
        return None
    box_size = struct.unpack(">I", data[:4])[0]
    major = data[8:12]
    compatible = {data[i : i + 4] for i in range(16, min(box_size, len(data), 256) - 3, 4)}
    if major in _HEVC_BRANDS:
        return HEIC
    # Generic HEIF brands also front AVIF files; only accept them when an HEVC brand is listed.
    if major in _GENERIC_HEIF_BRANDS and compatible & _HEVC_BRANDS:
        return HEIC if b"heic" in compatible else HEIF
    return None


def sniff(data: bytes) -> ImageType:
    """Recognise the container from its magic bytes; raise PhotoRejected for anything else."""
    if not data:
        raise PhotoRejected("empty", "the file is empty")
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    heif = _heif_type(data)
    if heif is not None:
        return heif
    raise PhotoRejected("unsupported_type", "not a JPEG, PNG, WebP or HEIC image")


def check_size(data: bytes) -> None:
    """Refuse empty and oversized payloads before any parsing."""
    if not data:
        raise PhotoRejected("empty", "the file is empty")
    if len(data) > MAX_BYTES:
        raise PhotoRejected(
            "too_large", f"{len(data)} bytes, the limit is {MAX_BYTES // (1024 * 1024)} MiB"
        )


def check_dimensions(width: int, height: int) -> None:
    """Refuse images whose header promises more pixels than the pipeline will decode."""
    if width <= 0 or height <= 0:
        raise PhotoRejected("corrupt", f"impossible dimensions {width}x{height}")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise PhotoRejected(
            "too_many_pixels", f"{width}x{height} exceeds the {MAX_PIXELS:,}-pixel limit"
        )


def open_image(data: bytes, kind: ImageType) -> ImageFile.ImageFile:
    """Parse the header only (no pixel decoding) and enforce the pixel limits."""
    fp = io.BytesIO(data)
    try:
        # The plugin class is chosen from the sniffed type: Image.open would try other
        # formats and would warn or raise on size by its own, process-wide limit first.
        im: ImageFile.ImageFile
        if kind is JPEG:
            im = JpegImagePlugin.JpegImageFile(fp)
        elif kind is PNG:
            im = PngImagePlugin.PngImageFile(fp)
        elif kind is WEBP:
            im = WebPImagePlugin.WebPImageFile(fp)
        else:
            im = pillow_heif.HeifImageFile(fp)  # type: ignore[no-untyped-call]
    except Image.DecompressionBombError as exc:
        raise PhotoRejected("too_many_pixels", str(exc)) from None
    except PhotoRejected:
        raise
    except Exception as exc:  # every parser error means the same thing here: unreadable
        raise PhotoRejected("corrupt", f"unreadable {kind.format} header ({exc})") from None
    check_dimensions(*im.size)
    return im


def reduced_request(size: tuple[int, int], side: int = THUMBNAIL_SIDE) -> tuple[int, int]:
    """The smallest size that still covers a `side`-pixel thumbnail of an image of `size`."""
    w, h = size
    longest = max(w, h)
    if longest <= side:
        return w, h
    return max(1, -(-w * side // longest)), max(1, -(-h * side // longest))


def _flatten(im: Image.Image) -> Image.Image:
    """Bring any decoded mode to RGB or L, compositing transparency onto white."""
    if im.mode in ("RGB", "L"):
        return im
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        background.alpha_composite(rgba)
        return background.convert("RGB")
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit greyscale: keep the high byte instead of clipping everything to white.
        return im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return im.convert("RGB")


def load_reduced(im: ImageFile.ImageFile, kind: ImageType) -> Image.Image:
    """Decode just enough resolution for the thumbnail and the hashes, as RGB or L.

    JPEG decodes at 1/2..1/8 scale inside libjpeg (DCT scaling), so most of the work of a
    full decode is never done. Other formats have no such path and are decoded fully, then
    box-reduced by an integer factor before anything else touches them.
    """
    request = reduced_request(im.size)
    try:
        if kind is JPEG:
            im.draft("RGB", request)
            im.load()
            return _flatten(im)
        im.load()
        factor = min(im.size[0] // request[0], im.size[1] // request[1])
        flat = _flatten(im)
        return flat.reduce(factor) if factor >= 2 else flat
    except Image.DecompressionBombError as exc:
        raise PhotoRejected("too_many_pixels", str(exc)) from None
    except MemoryError:
        raise PhotoRejected("too_many_pixels", "not enough memory to decode") from None
    except Exception as exc:  # truncation, bad entropy data, decoder failures: all unreadable
        raise PhotoRejected("corrupt", f"cannot decode {kind.format} data ({exc})") from None
