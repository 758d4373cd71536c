"""The geometric stage of the photo-reuse check: is one photo a copy of the other's picture?

Two photos show the same picture when enough local features agree on one similarity
transform (scale, rotation, shift, possibly mirrored) AND, once aligned, their overlapping
pixels agree as only a copy's do. The second condition is what keeps honest helpers safe:
the same gate photographed again from the same spot next month matches many features, but
a new exposure differs in perspective, light and moved things, so its pixels disagree after
the best similarity alignment. Method and calibration: docs/photos.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from bot.evidence.sides import Pixels, Side
from bot.photos.features import Grey, LocalFeatures

# Matches agreeing on one transform needed before the pixels are compared at all.
MIN_INLIERS = 10
# Lowe's ratio: a match counts when its best descriptor distance is clearly below the second.
RATIO = 0.8
# Reprojection tolerance of RANSAC, in pixels of the MAX_SIDE image.
RANSAC_PIXELS = 4.0
# Any fixed seed: what matters is that it is the same for every check.
RANSAC_SEED = 20261201
# Transforms tried per set of matches: after one the pixels refuse, the next without its
# inliers.
_HYPOTHESES = 3
# Pixel agreement (0..1) above which the aligned overlap is a copy of the same exposure.
MIN_AGREEMENT = 0.7
# Overlap below which a match is too partial to judge from the pixels.
MIN_OVERLAP = 0.3
# Side of the comparison image, and the blur that takes away smooth light changes.
_COMPARE_SIDE = 320
_LIGHT_SIGMA = 4.0
# Tiles of the comparison: size, least fine-structure contrast (grey levels) to be judged,
# largest offset (pixels) and least correlation of a tile that lines up, fewest tiles judged.
_TILE = 32
_MIN_TEXTURE = 2.0
_MAX_SHIFT = 0.75
_MIN_TILE_NCC = 0.5
_MIN_TILES = 4
# Tiles that correlate at least this well steer the refinement of the transform, which is
# tried this many times at most (each costs one more pass over the tiles).
_REFINE_NCC = 0.3
_REFINE_ROUNDS = 2
# Fewer textured tiles than this at the comparison size: compare again at twice the size.
_FEW_TILES = 8
# Similarity transforms outside this scale range are not a resize anyone makes by accident.
_MIN_SCALE = 1 / 6
_MAX_SCALE = 6.0


@dataclass(frozen=True)
class GeometricMatch:
    """Why two photos are the same picture: the transform and the pixel evidence."""

    inliers: int
    scale: float  # b's size relative to a's, in the bounded images
    rotation_degrees: float  # of b relative to a, counter-clockwise in (-180, 180]
    mirrored: bool
    overlap: float  # share of the larger picture the other covers (1 - crop)
    pixel_agreement: float  # after alignment; copies high, re-photographs low


_Array = np.ndarray[Any, Any]
_Floats = _Array


def _match(a: LocalFeatures, b: LocalFeatures) -> tuple[_Floats, _Floats]:
    """Point pairs (b, a) whose descriptors pass the ratio test."""
    if len(a) < 2 or len(b) < 2:
        return np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(b.descriptors, a.descriptors, k=2)
    src: list[int] = []
    dst: list[int] = []
    for pair in pairs:
        if len(pair) == 2 and pair[0].distance < RATIO * pair[1].distance:
            src.append(pair[0].queryIdx)
            dst.append(pair[0].trainIdx)
    return b.points[src], a.points[dst]


def _similarity(src: _Floats, dst: _Floats) -> tuple[_Array, _Array] | None:
    """RANSAC similarity transform src -> dst and which pairs are its inliers (boolean)."""
    if len(src) < MIN_INLIERS:
        return None
    # RANSAC samples with OpenCV's per-thread generator: seeding it makes one pair of photos
    # give one answer, whichever worker thread checks them and whatever it checked before.
    cv2.setRNGSeed(RANSAC_SEED)
    matrix, mask = cv2.estimateAffinePartial2D(
        src,
        dst,
        method=cv2.RANSAC,
        ransacReprojThreshold=RANSAC_PIXELS,
        maxIters=2000,
        confidence=0.995,
    )
    if matrix is None or mask is None:
        return None
    if int(mask.sum()) < MIN_INLIERS:
        return None
    scale = math.hypot(matrix[0, 0], matrix[1, 0])
    if not _MIN_SCALE <= scale <= _MAX_SCALE:
        return None
    return matrix, mask.ravel() > 0


def _overlap(matrix: _Array, a: Grey, b: Grey) -> float:
    """Area of a's frame and b's mapped frame in common, over the larger of the two."""
    ha, wa = a.shape
    hb, wb = b.shape
    frame_a = np.array([[0, 0], [wa, 0], [wa, ha], [0, ha]], np.float32)
    corners_b = np.array([[0, 0], [wb, 0], [wb, hb], [0, hb]], np.float32)
    frame_b = cv2.transform(corners_b[None], matrix)[0].astype(np.float32)
    common, _ = cv2.intersectConvexConvex(frame_a, frame_b)
    scale = math.hypot(matrix[0, 0], matrix[1, 0])
    larger = max(wa * ha, wb * hb * scale * scale)
    return float(min(1.0, common / larger)) if larger > 0 else 0.0


def _structure(image: _Array) -> _Array:
    # Subtracting a blur removes smooth light changes (gain, vignetting, a cloud's shadow).
    result: _Array = image - cv2.GaussianBlur(image, (0, 0), _LIGHT_SIGMA)
    return result


def _factor(matrix: _Array, a: Grey, side: int) -> float:
    """Scale from a's coordinates to the comparison frame of the given side."""
    ha, wa = a.shape
    # Never enlarge b's pixels: a small copy (a screenshot) is compared at its own detail.
    factor: float = min(1.0, side / max(ha, wa), 1 / math.hypot(matrix[0, 0], matrix[1, 0]))
    return factor


def _aligned(
    matrix: _Array, a: Grey, b: Grey, side: int = _COMPARE_SIDE
) -> tuple[_Array, _Array, _Array]:
    """a and b warped onto a, at the comparison size, and where b covers a (boolean)."""
    ha, wa = a.shape
    factor = _factor(matrix, a, side)
    size = (max(8, round(wa * factor)), max(8, round(ha * factor)))
    # Warp b straight into the small frame: scaling the transform avoids a second resample.
    small = np.array([[factor, 0, 0], [0, factor, 0]], np.float64)
    to_small = small @ np.vstack([matrix, [0, 0, 1]])
    # b is first reduced close to the target resolution so that warping does not alias.
    reduce = min(1.0, factor * math.hypot(matrix[0, 0], matrix[1, 0]))
    if reduce < 1.0:
        b_small = cv2.resize(b, None, fx=reduce, fy=reduce, interpolation=cv2.INTER_AREA)
        b_to = to_small @ np.diag([1 / reduce, 1 / reduce, 1.0])
    else:
        b_small, b_to = b, to_small
    warped = cv2.warpAffine(b_small.astype(np.float32), b_to, size, flags=cv2.INTER_LINEAR)
    ones = np.ones(b_small.shape, np.float32)
    coverage = cv2.warpAffine(ones, b_to, size, flags=cv2.INTER_LINEAR)
    # Stay clear of the border, where the blur sees the black outside the picture.
    inside = (coverage > 0.999).astype(np.uint8)
    mask: _Array = cv2.erode(inside, np.ones((7, 7), np.uint8)) > 0
    target: _Array = cv2.resize(a, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    return target, warped, mask


def _tile_shifts(
    matrix: _Array, a: Grey, b: Grey, side: int, texture: float = _MIN_TEXTURE
) -> _Array:
    """Per textured tile of the overlap: centre x, y, b's offset dx, dy, and correlation.

    Positions are in the comparison frame (a reduced to `_COMPARE_SIDE`); one row per tile
    whose fine structure is strong enough to judge, in both pictures.
    """
    target, warped, mask = _aligned(matrix, a, b, side)
    sa, sb = _structure(target), _structure(warped)
    window = cv2.createHanningWindow((_TILE, _TILE), cv2.CV_32F)
    h, w = target.shape
    rows: list[tuple[float, float, float, float, float]] = []
    for y in range(0, h - _TILE + 1, _TILE):
        for x in range(0, w - _TILE + 1, _TILE):
            if not mask[y : y + _TILE, x : x + _TILE].all():
                continue
            ta = np.ascontiguousarray(sa[y : y + _TILE, x : x + _TILE])
            tb = np.ascontiguousarray(sb[y : y + _TILE, x : x + _TILE])
            _, dev_a = cv2.meanStdDev(ta)
            _, dev_b = cv2.meanStdDev(tb)
            if min(float(dev_a[0, 0]), float(dev_b[0, 0])) < texture:
                continue
            (dx, dy), _ = cv2.phaseCorrelate(ta, tb, window)
            ncc = float(cv2.matchTemplate(ta, tb, cv2.TM_CCOEFF_NORMED)[0, 0])
            centre = (_TILE - 1) / 2
            rows.append((x + centre, y + centre, dx, dy, ncc))
    return np.array(rows, np.float64).reshape(-1, 5)


def _share_lined_up(tiles: _Array) -> float:
    """Share of the textured tiles that lie on each other within `_MAX_SHIFT` and correlate."""
    if len(tiles) < _MIN_TILES:
        return 0.0
    close = np.hypot(tiles[:, 2], tiles[:, 3]) <= _MAX_SHIFT
    agreeing = close & (tiles[:, 4] >= _MIN_TILE_NCC)
    return float(agreeing.mean())


def _refined(matrix: _Array, a: Grey, side: int, tiles: _Array) -> _Array | None:
    """The transform corrected by the tiles' own offsets, or None when they do not agree.

    Keypoint positions are coarse (a pyramid level's pixel), so on a crop, where the matches
    cluster in part of the frame, the fitted similarity can be off by a pixel or two at the
    far side. A copy's tiles then show offsets that one small similarity removes; a new
    exposure's offsets come from perspective and parallax, which no similarity removes, and
    its tiles decorrelate anyway.
    """
    usable = tiles[(tiles[:, 4] >= _REFINE_NCC) & (np.hypot(tiles[:, 2], tiles[:, 3]) <= 4)]
    if len(usable) < _MIN_TILES:
        return None
    centres = usable[:, :2].astype(np.float32)
    # b's content that belongs at a tile's centre shows up displaced by the tile's offset.
    seen = (usable[:, :2] + usable[:, 2:4]).astype(np.float32)
    cv2.setRNGSeed(RANSAC_SEED)
    correction, mask = cv2.estimateAffinePartial2D(
        seen, centres, method=cv2.RANSAC, ransacReprojThreshold=_MAX_SHIFT
    )
    if correction is None or mask is None or int(mask.sum()) < _MIN_TILES:
        return None
    factor = _factor(matrix, a, side)
    to_small = np.diag([factor, factor, 1.0])
    to_large = np.diag([1 / factor, 1 / factor, 1.0])
    correct = to_large @ np.vstack([correction, [0, 0, 1]]) @ to_small
    full = correct @ np.vstack([matrix, [0, 0, 1]])
    refined: _Array = full[:2]
    return refined


def pixel_agreement(matrix: _Array, a: Grey, b: Grey) -> float:
    """Share (0..1) of textured tiles of the overlap where b, warped onto a, lies exactly on a.

    A copy is one similarity transform of the original everywhere, so every tile lines up to
    a fraction of a pixel and its fine structure correlates. A new exposure of the same scene
    differs by perspective and parallax, so after the best single transform some tiles are
    off by pixels, and its fresh noise, light and moved things decorrelate the rest.
    """
    share, _ = _agreement(matrix, a, b)
    return share


def _agreement(matrix: _Array, a: Grey, b: Grey) -> tuple[float, _Array]:
    """Pixel agreement and the transform it was measured with (refined when that helps)."""
    best = _agreement_at(matrix, a, b, _COMPARE_SIDE)
    if best[0] < MIN_AGREEMENT and best[2] < _FEW_TILES:
        # A smooth picture has too few textured tiles at the usual size to be judged; its
        # faint fine detail at twice the size gives more. A copy keeps that detail; a new
        # exposure's is fresh sensor noise there, which does not correlate.
        finer = _agreement_at(matrix, a, b, 2 * _COMPARE_SIDE, _MIN_TEXTURE / 2)
        if finer[2] > best[2]:
            best = finer
    share: float = best[0]
    return share, best[1]


def _agreement_at(
    matrix: _Array, a: Grey, b: Grey, side: int, texture: float = _MIN_TEXTURE
) -> tuple[float, _Array, int]:
    """Agreement at one comparison size, the transform, and how many tiles were judged."""
    tiles = _tile_shifts(matrix, a, b, side, texture)
    best = (_share_lined_up(tiles), matrix, len(tiles))
    for _ in range(_REFINE_ROUNDS):
        if best[0] >= MIN_AGREEMENT:
            break
        refined = _refined(best[1], a, side, tiles)
        if refined is None:
            break
        tiles = _tile_shifts(refined, a, b, side, texture)
        share = _share_lined_up(tiles)
        if share <= best[0]:
            break
        best = (share, refined, len(tiles))
    return best


def _judge(
    a_feat: LocalFeatures,
    b_feat: LocalFeatures,
    a: Callable[[], Grey],
    b: Callable[[], Grey],
    mirrored: bool,
) -> GeometricMatch | str:
    """The match, or why there is none; the pixels are only read once a transform is found."""
    src, dst = _match(a_feat, b_feat)
    reason = f"no {MIN_INLIERS} of {len(src)} feature matches agree on one transform"
    for attempt in range(_HYPOTHESES):
        found = _similarity(src, dst)
        if found is None:
            break
        matrix, inliers = found
        result = _judge_transform(matrix, int(inliers.sum()), a(), b(), mirrored)
        if isinstance(result, GeometricMatch):
            return result
        if attempt == 0:
            reason = result
        # On smooth or repetitive texture, chance matches can outvote the true transform;
        # the pixels have refused this one, so look again without its matches.
        src, dst = src[~inliers], dst[~inliers]
    return reason


def _judge_transform(
    matrix: _Array, inliers: int, a: Grey, b: Grey, mirrored: bool
) -> GeometricMatch | str:
    """The match under one transform, or why the pixels refuse it."""
    overlap = _overlap(matrix, a, b)
    if overlap < MIN_OVERLAP:
        return f"{inliers} matches agree, but the pictures overlap only {overlap:.0%}"
    agreement, matrix = _agreement(matrix, a, b)
    if agreement < MIN_AGREEMENT:
        return (
            f"{inliers} matches agree, but after alignment only {agreement:.0%} of the "
            f"textured tiles line up (a copy: >= {MIN_AGREEMENT:.0%}): the same scene, "
            "photographed again"
        )
    scale = math.hypot(matrix[0, 0], matrix[1, 0])
    rotation = math.degrees(math.atan2(matrix[1, 0], matrix[0, 0]))
    return GeometricMatch(
        inliers=inliers,
        scale=round(scale, 3),
        rotation_degrees=round(rotation, 1),
        mirrored=mirrored,
        overlap=round(overlap, 3),
        pixel_agreement=round(agreement, 3),
    )


def assess(
    a: LocalFeatures,
    b: LocalFeatures,
    a_pixels: Pixels,
    b_pixels: Pixels,
    *,
    a_dense: LocalFeatures | None = None,
    b_dense: LocalFeatures | None = None,
) -> GeometricMatch | str:
    """Like `verify`, but say why when the photos are not the same picture."""
    side_a, side_b = Side(a_pixels, a_dense), Side(b_pixels, b_dense)
    reasons: list[str] = []
    # Stored features first: cheap, and enough for most copies.
    if (a.height, a.width) == side_a.shape() and (b.height, b.width) == side_b.shape():
        result = _judge(a, b, side_a.grey, side_b.grey, mirrored=False)
        if isinstance(result, GeometricMatch):
            return result
        reasons.append(result)
    result = _judge(side_a.dense(), side_b.dense(), side_a.grey, side_b.grey, False)
    if isinstance(result, GeometricMatch):
        return result
    reasons.append(result)
    mirror = _judge(side_a.dense(), side_b.dense_flipped(), side_a.grey, side_b.flipped, True)
    if isinstance(mirror, GeometricMatch):
        return mirror
    # The unmirrored attempt on dense features is the most telling reason.
    return reasons[-1]


def verify(
    a: LocalFeatures,
    b: LocalFeatures,
    a_pixels: Pixels,
    b_pixels: Pixels,
    *,
    a_dense: LocalFeatures | None = None,
    b_dense: LocalFeatures | None = None,
) -> GeometricMatch | None:
    """The evidence that b shows the same picture as a, or None when it does not.

    `a_dense`/`b_dense` are the pictures' dense features when they are kept (they are
    worked out from the pixels otherwise); pixels given as a function are read only when a
    transform is found and the pixels must judge it.
    """
    result = assess(a, b, a_pixels, b_pixels, a_dense=a_dense, b_dense=b_dense)
    return result if isinstance(result, GeometricMatch) else None
