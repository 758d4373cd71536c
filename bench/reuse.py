"""Benchmark of the photo-reuse check on real photographs: copies caught, honest pairs spared.

Run from the repository root: `python -m bench.reuse [--quick]`. The photographs come from
Debian packages and bench/photos/ (bench/real_photos.py). For each picture the benchmark
makes every alteration a helper could use to pass an old photo off as new, and counts how
often the two-stage check (fingerprint, then geometric) calls it the same picture. It also
counts false matches among pairs of different pictures and among honest pairs that show the
same place but are new exposures, synthesised and (in the full form) real. The last stdout
line is one JSON object. Method: docs/photos.md.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from bench.real_photos import is_rural_texture, photo_paths, scene_pairs
from bot.evidence.geometric import verify
from bot.photos.features import LocalFeatures, extract_features
from bot.photos.hashing import is_near_duplicate, perceptual_fingerprint

# Longer side of a benchmark "camera original": 1600 x 1000..1200 is 1.6-1.9 megapixels.
ORIGINAL_SIDE = 1600
# Photographs at least this wide give two disjoint pictures (left and right halves).
SPLIT_SIDE = 2500
RECALL_GOAL = 0.95
FALSE_MATCH_GOAL = 0.001


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    decoded = Image.open(buffer)
    decoded.load()
    return decoded


def _load(path: Path) -> Image.Image:
    with Image.open(path) as opened:
        return opened.convert("RGB")


def originals(paths: list[Path]) -> list[tuple[str, Image.Image]]:
    """Camera-sized originals: whole photographs, or both halves of the wide ones."""
    pictures: list[tuple[str, Image.Image]] = []
    for path in paths:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        w, h = image.size
        parts = [("", image)]
        if max(w, h) >= SPLIT_SIDE:
            if w >= h:
                parts = [
                    ("/left", image.crop((0, 0, w // 2, h))),
                    ("/right", image.crop((w // 2, 0, w, h))),
                ]
            else:
                parts = [
                    ("/top", image.crop((0, 0, w, h // 2))),
                    ("/bottom", image.crop((0, h // 2, w, h))),
                ]
        for suffix, part in parts:
            scale = ORIGINAL_SIDE / max(part.size)
            if scale < 1:
                size = (round(part.size[0] * scale), round(part.size[1] * scale))
                part = part.resize(size, Image.Resampling.LANCZOS)
            pictures.append((path.name + suffix, _jpeg(part, 92)))
    return pictures


# --- alterations: copies of the same picture --------------------------------------------


def _crop(share: float) -> Callable[[Image.Image, random.Random], Image.Image]:
    def crop(image: Image.Image, rng: random.Random) -> Image.Image:
        # `share` of the width and of the height, off one vertical and one horizontal edge.
        w, h = image.size
        dx, dy = round(w * share), round(h * share)
        left = dx if rng.random() < 0.5 else 0
        top = dy if rng.random() < 0.5 else 0
        return _jpeg(image.crop((left, top, left + w - dx, top + h - dy)), 90)

    return crop


def screenshot(image: Image.Image, rng: random.Random) -> Image.Image:
    """A phone screenshot of the photo: a tall canvas, black bars, a status bar with icons."""
    canvas_w, canvas_h = 1080, 2400
    w, h = image.size
    scale = min(canvas_w / w, canvas_h * 0.7 / h)
    shown = image.resize((round(w * scale), round(h * scale)), Image.Resampling.BILINEAR)
    canvas = Image.new("RGB", (canvas_w, canvas_h), (0, 0, 0))
    top = (canvas_h - shown.size[1]) // 2 + rng.randint(-120, 120)
    canvas.paste(shown, ((canvas_w - shown.size[0]) // 2, top))
    draw = ImageDraw.Draw(canvas)
    # Clock, signal and battery in the status bar; a viewer's toolbar at the bottom.
    draw.text((40, 30), "09:41", fill=(255, 255, 255))
    draw.rectangle((canvas_w - 120, 34, canvas_w - 60, 58), outline=(255, 255, 255))
    for i in range(4):
        draw.rectangle((canvas_w - 220 + i * 18, 58 - i * 7, canvas_w - 210 + i * 18, 58))
    for i in range(4):
        x = 140 + i * 250
        draw.ellipse((x, canvas_h - 150, x + 50, canvas_h - 100), outline=(220, 220, 220))
    return _jpeg(canvas, 88)


def _rotate(turn: Image.Transpose) -> Callable[[Image.Image, random.Random], Image.Image]:
    return lambda image, rng: _jpeg(image.transpose(turn), 90)


ALTERATIONS: dict[str, Callable[[Image.Image, random.Random], Image.Image]] = {
    "resize": lambda image, rng: _jpeg(
        image.resize((image.size[0] // 2, image.size[1] // 2), Image.Resampling.BILINEAR), 90
    ),
    "reencode": lambda image, rng: _jpeg(image, 60),
    # A messenger's compressed copy: at most 1280 pixels on the longer side, quality ~75.
    "messenger": lambda image, rng: _jpeg(
        ImageOps.contain(image, (1280, 1280), Image.Resampling.BILINEAR), 75
    ),
    "crop8": _crop(0.08),
    "crop15": _crop(0.15),
    "crop25": _crop(0.25),
    "screenshot": screenshot,
    "screenshot_crop15": lambda image, rng: screenshot(_crop(0.15)(image, rng), rng),
    "rotate90": _rotate(Image.Transpose.ROTATE_90),
    "rotate180": _rotate(Image.Transpose.ROTATE_180),
    "rotate270": _rotate(Image.Transpose.ROTATE_270),
    "mirror": lambda image, rng: _jpeg(ImageOps.mirror(image), 90),
    "brightness": lambda image, rng: _jpeg(
        ImageEnhance.Contrast(ImageEnhance.Brightness(image).enhance(1.25)).enhance(0.9), 88
    ),
}


# --- honest pairs: the same place, a new exposure ---------------------------------------


@dataclass(frozen=True)
class Exposure:
    """How a new exposure of a scene differs from the picture it is synthesised from."""

    tilt: float  # largest corner displacement of the viewpoint change, share of the size
    window: float  # side of the crop window, share of the picture
    gain: float  # strength of the uneven light (0 = even)
    people: int  # occluders (people, a bicycle, a bucket) placed at random
    season: bool = False  # turn green to straw, soften the texture


def exposure(image: Image.Image, rng: random.Random, how: Exposure) -> Image.Image:
    """A new photograph of the scene in `image`: moved camera, other light, other people."""
    rgb = np.asarray(image.convert("RGB"), dtype=np.float32)
    h, w = rgb.shape[:2]
    # A step aside or a slightly other angle: a perspective (not similarity) change of view.
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    jitter = np.array(
        [[rng.uniform(-1, 1) * how.tilt * w, rng.uniform(-1, 1) * how.tilt * h] for _ in range(4)],
        np.float32,
    )
    homography = cv2.getPerspectiveTransform(src, src + jitter)
    warped = cv2.warpPerspective(rgb, homography, (w, h), borderMode=cv2.BORDER_REFLECT)
    cw, ch = round(w * how.window), round(h * how.window)
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    view = warped[y : y + ch, x : x + cw]
    # Other light: a gain that changes across the frame, and a colour cast.
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
    ramp = (np.cos(angle) * xx / cw + np.sin(angle) * yy / ch) - 0.5
    gain = 1 + how.gain * ramp + rng.uniform(-0.15, 0.15)
    cast = np.array([rng.uniform(0.9, 1.1) for _ in range(3)], np.float32)
    view = view * gain[..., None] * cast
    if how.season:
        # Late summer to winter: green turns to straw and fine detail is gone.
        grey = view.mean(axis=2, keepdims=True)
        straw = np.concatenate([grey * 1.1, grey * 0.95, grey * 0.7], axis=2)
        view = cv2.GaussianBlur(0.25 * view + 0.75 * straw, (0, 0), 1.6)
    view = view + np.random.default_rng(rng.randrange(2**32)).normal(0, 3.0, view.shape)
    picture = Image.fromarray(np.clip(view, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(picture)
    for _ in range(how.people):
        cx, cy = rng.uniform(0, cw), rng.uniform(ch * 0.3, ch)
        s = rng.uniform(0.08, 0.25) * ch
        head = tuple(rng.randint(0, 255) for _ in range(3))
        body = tuple(rng.randint(0, 255) for _ in range(3))
        draw.ellipse((cx - s * 0.2, cy - s * 1.2, cx + s * 0.2, cy - s * 0.8), fill=head)
        draw.rectangle((cx - s * 0.3, cy - s * 0.8, cx + s * 0.3, cy), fill=body)
    return _jpeg(picture, rng.randint(85, 93))


HONEST: dict[str, tuple[Exposure, Exposure]] = {
    # The same doorway on another day from the same spot, a step to the side.
    "revisit": (Exposure(0.05, 0.9, 0.4, 2), Exposure(0.05, 0.9, 0.4, 3)),
    # Two photos a minute apart from slightly different angles: same light, people moved.
    "minute_apart": (Exposure(0.03, 0.92, 0.1, 2), Exposure(0.03, 0.92, 0.1, 2)),
    # The same field in two seasons.
    "seasons": (Exposure(0.04, 0.9, 0.3, 0), Exposure(0.04, 0.9, 0.3, 0, season=True)),
}


def honest_pair(image: Image.Image, kind: str, seed: int) -> tuple[Image.Image, Image.Image]:
    """Two honest photographs of the scene in `image`, of the given kind."""
    first, second = HONEST[kind]
    rng = random.Random(seed)
    return exposure(image, rng, first), exposure(image, rng, second)


# --- the check under test ---------------------------------------------------------------


@dataclass
class Prepared:
    """A photo with what the bot stores about it."""

    image: Image.Image
    features: LocalFeatures
    fingerprint: Any


def prepare(image: Image.Image) -> Prepared:
    """Fingerprint and local features, as the bot would store them."""
    return Prepared(image, extract_features(image), perceptual_fingerprint(image))


def same_picture(a: Prepared, b: Prepared) -> str | None:
    """Which stage found b as a copy of a (verified geometrically), or None."""
    if verify(a.features, b.features, a.image, b.image) is None:
        return None
    # In the bot the fingerprint finds most candidates first; the geometric check decides.
    return "fingerprint" if is_near_duplicate(a.fingerprint, b.fingerprint) else "geometric"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.reuse")
    parser.add_argument("--quick", action="store_true", help="a small subset (CI)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    paths = photo_paths()
    if args.quick:
        # One wide photograph of a meadow below mountains: two pictures, every kind of pair.
        paths = [path for path in paths if path.name.startswith("aitzgorri")]
    pictures = originals(paths)
    print(f"{len(pictures)} pictures from {len(paths)} photographs", file=sys.stderr)
    prepared = [prepare(image) for _, image in pictures]

    caught: dict[str, list[bool]] = {name: [] for name in ALTERATIONS}
    by_stage: dict[str, int] = {"fingerprint": 0, "geometric": 0}
    verify_ms: list[float] = []
    # The quick form alters one picture and pairs both: CI checks the shape, not the rates.
    altered = 1 if args.quick else len(pictures)
    for index, ((name, image), original) in enumerate(zip(pictures, prepared, strict=True)):
        if index >= altered:
            break
        for alteration, alter in ALTERATIONS.items():
            copy = prepare(alter(image, random.Random(f"{index}/{alteration}")))
            start = time.perf_counter()
            stage = same_picture(original, copy)
            verify_ms.append((time.perf_counter() - start) * 1000)
            caught[alteration].append(stage is not None)
            if stage is not None:
                by_stage[stage] += 1
            else:
                print(f"missed {alteration} of {name}", file=sys.stderr)

    honest_kinds: dict[str, list[bool]] = {kind: [] for kind in HONEST}
    for index, (name, image) in enumerate(pictures[:altered]):
        for kind in HONEST:
            if kind == "seasons" and not is_rural_texture(Path(name.split("/")[0])):
                continue
            a, b = honest_pair(image, kind, index)
            stage = same_picture(prepare(a), prepare(b))
            honest_kinds[kind].append(stage is not None)
            if stage is not None:
                print(f"false match ({kind}, {stage}) on {name}", file=sys.stderr)
    if not args.quick:
        # Real repeated scenes (a 95 MB package, so not in the quick form): either order.
        real: list[bool] = []
        for first, second, what in scene_pairs():
            a, b = (prepare(_load(path)) for path in (first, second))
            matched = same_picture(a, b) is not None or same_picture(b, a) is not None
            real.append(matched)
            if matched:
                print(f"false match (real scene: {what}) on {first.name}", file=sys.stderr)
        honest_kinds["real_scenes"] = real
    # Two houses of the same style: disjoint parts of one photograph of a repetitive scene.
    style: list[bool] = []
    different: list[bool] = []
    named = list(zip((name for name, _ in pictures), prepared, strict=True))
    for (name_a, a), (name_b, b) in itertools.combinations(named, 2):
        matched = same_picture(a, b) is not None
        sibling = name_a.split("/")[0] == name_b.split("/")[0]
        (style if sibling else different).append(matched)
        if matched:
            print(f"false match between {name_a} and {name_b}", file=sys.stderr)

    figures: list[dict[str, Any]] = []
    for alteration, results in caught.items():
        recall = sum(results) / len(results)
        figures.append(
            {
                "name": f"recall_{alteration}",
                "value": round(recall, 3),
                "unit": "share",
                "goal": f">= {RECALL_GOAL}",
                "met": recall >= RECALL_GOAL,
            }
        )
    negatives = [*different, *style, *itertools.chain.from_iterable(honest_kinds.values())]
    rate = sum(negatives) / len(negatives)
    figures.append(
        {
            "name": "false_match_rate",
            "value": round(rate, 5),
            "unit": f"share of {len(negatives)} pairs",
            "goal": f"<= {FALSE_MATCH_GOAL}",
            "met": rate <= FALSE_MATCH_GOAL,
        }
    )
    for kind, results in [*honest_kinds.items(), ("same_style", style), ("different", different)]:
        figures.append(
            {
                "name": f"false_matches_{kind}",
                "value": sum(results),
                "unit": f"of {len(results)} pairs",
                "goal": "info",
                "met": True,
            }
        )
    verify_ms.sort()
    figures.append(
        {
            "name": "check_ms_p50",
            "value": round(verify_ms[len(verify_ms) // 2], 1),
            "unit": "ms",
            "goal": "info",
            "met": True,
        }
    )
    figures.append(
        {
            "name": "copies_by_geometric_stage",
            "value": by_stage["geometric"],
            "unit": f"of {sum(by_stage.values())} caught",
            "goal": "info",
            "met": True,
        }
    )
    print(f"{len(pictures)} pictures, {time.perf_counter() - started:.1f} s", file=sys.stderr)
    for figure in figures:
        print(f"{figure['name']:>28}: {figure['value']} {figure['unit']}")
    print(json.dumps({"bench": "reuse", "figures": figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
