"""Generated, camera-like test photographs for tests, benchmarks and the sandbox demo data.

The scenes have real structure (horizon, houses, trees, polygons, text) and a noise texture,
so perceptual hashes and JPEG entropy decoding behave as they do with real photographs.
"""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps
from PIL.ExifTags import GPS, IFD, Base
from PIL.TiffImagePlugin import IFDRational

from bot.photos.facts import GeoPoint

_Colour = tuple[int, int, int]

_WORDS = ("幫扶", "村委会", "GROUP 3", "No. 17", "养殖场", "ROAD", "2024", "合作社", "SHOP")


def _colour(rng: random.Random, lo: int = 0, hi: int = 255) -> _Colour:
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def _gradient(size: tuple[int, int], top: _Colour, bottom: _Colour, flip: bool) -> Image.Image:
    ramp = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    if flip:
        ramp = ramp.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    return ImageOps.colorize(ramp, black=top, white=bottom)


def _texture(rng: random.Random, size: tuple[int, int], sigma: float, cell: int) -> Image.Image:
    """Zero-mean noise (around 128) with features about `cell` pixels across."""
    small = (max(1, size[0] // cell), max(1, size[1] // cell))
    # Seeded from `rng` (Image.effect_noise uses C's global rand(), so scenes would differ
    # from run to run).
    values = np.random.default_rng(rng.getrandbits(64)).normal(128, sigma, (small[1], small[0]))
    noise = Image.fromarray(values.clip(0, 255).astype(np.uint8), "L")
    return noise.resize(size, Image.Resampling.BICUBIC)


def make_scene(seed: int, size: tuple[int, int] = (1024, 768)) -> Image.Image:
    """Draw a deterministic RGB outdoor-like scene for `seed` at `size`."""
    rng = random.Random(seed)
    w, h = size
    unit = max(w, h) / 1000.0
    horizon = int(h * rng.uniform(0.25, 0.75))
    img = Image.new("RGB", size)
    img.paste(_gradient((w, horizon), _colour(rng, 60), _colour(rng, 60), rng.random() < 0.5))
    ground = _gradient(
        (w, h - horizon), _colour(rng, 0, 200), _colour(rng, 0, 200), rng.random() < 0.5
    )
    img.paste(ground, (0, horizon))
    draw = ImageDraw.Draw(img)

    # Large shapes dominate the low frequencies the perceptual hash looks at.
    for _ in range(rng.randint(3, 6)):
        x0 = rng.uniform(-0.1, 0.9) * w
        bw = rng.uniform(0.1, 0.4) * w
        bh = rng.uniform(0.1, 0.45) * h
        base = horizon + rng.uniform(-0.05, 0.3) * h
        kind = rng.random()
        if kind < 0.45:  # a house: walls and a roof
            draw.rectangle((x0, base - bh, x0 + bw, base), fill=_colour(rng))
            draw.polygon(
                [
                    (x0 - bw * 0.1, base - bh),
                    (x0 + bw / 2, base - bh * 1.5),
                    (x0 + bw * 1.1, base - bh),
                ],
                fill=_colour(rng, 0, 160),
            )
            door_w = bw * rng.uniform(0.15, 0.3)
            dx = x0 + rng.uniform(0.1, 0.6) * bw
            draw.rectangle((dx, base - bh * 0.6, dx + door_w, base), fill=_colour(rng, 0, 120))
        elif kind < 0.75:  # a tree
            draw.rectangle(
                (x0 + bw * 0.45, base - bh, x0 + bw * 0.55, base), fill=_colour(rng, 40, 120)
            )
            draw.ellipse(
                (x0, base - bh * 1.6, x0 + bw, base - bh * 0.6), fill=_colour(rng, 0, 180)
            )
        else:  # an irregular polygon (a field, a haystack, a vehicle)
            points = [
                (x0 + rng.uniform(0, bw), base - rng.uniform(0, bh))
                for _ in range(rng.randint(3, 7))
            ]
            draw.polygon(points, fill=_colour(rng))

    # Smaller clutter and lines add mid frequencies.
    for _ in range(rng.randint(10, 30)):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(5, 60) * unit
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=_colour(rng))
        else:
            draw.line(
                (x, y, x + rng.uniform(-4, 4) * r, y + rng.uniform(-4, 4) * r),
                fill=_colour(rng),
                width=max(1, int(rng.uniform(1, 8) * unit)),
            )

    font = ImageFont.load_default(size=max(8.0, rng.uniform(20, 60) * unit))
    for _ in range(rng.randint(1, 3)):
        draw.text(
            (rng.uniform(0, 0.8) * w, rng.uniform(0, 0.9) * h),
            rng.choice(_WORDS),
            fill=_colour(rng),
            font=font,
        )

    # Coarse texture (foliage, soil) plus fine grain (sensor noise) give JPEG real entropy.
    coarse = _texture(rng, size, 40.0, max(2, int(6 * unit)))
    fine = Image.effect_noise(size, 6.0)
    grain = ImageChops.add(coarse, fine, scale=1.0, offset=-128)
    return ImageChops.add(img, Image.merge("RGB", (grain, grain, grain)), scale=1.0, offset=-128)


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    # Whole ten-thousandths of a second first, so rounding carries into minutes and degrees.
    total = round(abs(value) * 3600 * 10000)
    degrees, rest = divmod(total, 3600 * 10000)
    minutes, seconds = divmod(rest, 60 * 10000)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 10000)


def camera_exif(
    *,
    gps: GeoPoint | None = None,
    taken_at: datetime | None = None,
    gps_time: datetime | None = None,
    make: str | None = "Xiaomi",
    model: str | None = "Redmi Note 12",
    orientation: int | None = None,
    software: str | None = None,
) -> Image.Exif:
    """Build the EXIF block a phone camera would write.

    An aware `taken_at` also writes OffsetTimeOriginal; a naive one writes local time only.
    `gps_time` defaults to `taken_at` in UTC when `taken_at` is aware.
    """
    exif = Image.Exif()
    if make is not None:
        exif[Base.Make] = make
    if model is not None:
        exif[Base.Model] = model
    if orientation is not None:
        exif[Base.Orientation] = orientation
    if software is not None:
        exif[Base.Software] = software
    if taken_at is not None:
        sub = exif.get_ifd(IFD.Exif)
        sub[Base.DateTimeOriginal] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        sub[Base.SubsecTimeOriginal] = f"{taken_at.microsecond // 1000:03d}"
        offset = taken_at.utcoffset()
        if offset is not None:
            minutes = int(offset.total_seconds()) // 60
            sign = "+" if minutes >= 0 else "-"
            sub[Base.OffsetTimeOriginal] = (
                f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
            )
            if gps_time is None:
                gps_time = taken_at
    if gps is not None:
        gps_ifd = exif.get_ifd(IFD.GPSInfo)
        gps_ifd[GPS.GPSVersionID] = b"\x02\x02\x00\x00"
        gps_ifd[GPS.GPSLatitudeRef] = "N" if gps.latitude >= 0 else "S"
        gps_ifd[GPS.GPSLatitude] = _dms(gps.latitude)
        gps_ifd[GPS.GPSLongitudeRef] = "E" if gps.longitude >= 0 else "W"
        gps_ifd[GPS.GPSLongitude] = _dms(gps.longitude)
        if gps.altitude is not None:
            gps_ifd[GPS.GPSAltitudeRef] = b"\x00" if gps.altitude >= 0 else b"\x01"
            gps_ifd[GPS.GPSAltitude] = IFDRational(round(abs(gps.altitude) * 100), 100)
        if gps_time is not None and gps_time.utcoffset() is not None:
            utc = gps_time.astimezone(UTC)
            gps_ifd[GPS.GPSDateStamp] = utc.strftime("%Y:%m:%d")
            gps_ifd[GPS.GPSTimeStamp] = (
                IFDRational(utc.hour, 1),
                IFDRational(utc.minute, 1),
                IFDRational(utc.second * 1000 + utc.microsecond // 1000, 1000),
            )
    return exif


def camera_jpeg(
    seed: int,
    size: tuple[int, int] = (1024, 768),
    *,
    gps: GeoPoint | None = None,
    taken_at: datetime | None = None,
    make: str | None = "Xiaomi",
    model: str | None = "Redmi Note 12",
    quality: int = 90,
    orientation: int | None = None,
    software: str | None = None,
    gps_time: datetime | None = None,
    image: Image.Image | None = None,
) -> bytes:
    """Encode the scene for `seed` (or `image`) as a JPEG with camera-like EXIF."""
    scene = image if image is not None else make_scene(seed, size)
    exif = camera_exif(
        gps=gps,
        taken_at=taken_at,
        gps_time=gps_time,
        make=make,
        model=model,
        orientation=orientation,
        software=software,
    )
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=quality, exif=exif.tobytes(), subsampling="4:2:0")
    return out.getvalue()
