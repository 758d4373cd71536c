"""analyse_photo / process_photo: one reduced decode feeds facts, hashes and thumbnail.

SHA-256 and the write of the original run on a helper thread while the JPEG decoder works:
hashlib, file writes and Pillow's decoders all release the GIL, so on a multi-core host that
work costs almost no latency. The original is written to a temporary file and only renamed
to its content-addressed name once the photo has been accepted.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image

from bot.photos.decode import HEIC, HEIF, check_size, load_reduced, open_image, sniff
from bot.photos.exif import read_exif
from bot.photos.facts import EXTENSIONS, PhotoFacts, StoredPhoto
from bot.photos.hashing import perceptual_fingerprint, sha256_hex
from bot.photos.store import (
    StagedOriginal,
    icc_for_thumbnail,
    make_thumbnail,
    stage_original,
    thumbnail_relpath,
    write_thumbnail,
)

DEFAULT_TZ: tzinfo = ZoneInfo("Asia/Shanghai")

_helper: ThreadPoolExecutor | None = None
_helper_lock = threading.Lock()


def _helper_pool() -> ThreadPoolExecutor:
    global _helper
    with _helper_lock:
        if _helper is None:
            _helper = ThreadPoolExecutor(max_workers=2, thread_name_prefix="photo-io")
            atexit.register(_helper.shutdown, wait=False)
        return _helper


def _analyse(
    data: bytes,
    assume_tz: tzinfo,
    now: datetime | None,
    sha: Future[str] | None = None,
) -> tuple[PhotoFacts, Image.Image, bytes | None]:
    check_size(data)
    kind = sniff(data)
    im = open_image(data, kind)
    width, height = im.size
    icc = icc_for_thumbnail(im)
    reduced = load_reduced(im, kind)

    heif = kind in (HEIC, HEIF)
    # pillow-heif applies the container's rotation while decoding and resets the EXIF tag;
    # the original tag is kept aside so that facts read the same for every format.
    original_orientation = im.info.get("original_orientation") if heif else None
    exif_problem: tuple[str, ...] = ()
    try:
        exif = im.getexif()
    except Exception:  # a broken EXIF block must not cost the photo
        exif = Image.Exif()
        exif_problem = ("exif_unreadable",)
    meta = read_exif(
        exif,
        assume_tz=assume_tz,
        now=now or datetime.now(UTC),
        orientation_override=original_orientation
        if isinstance(original_orientation, int)
        else None,
    )
    if heif and meta.orientation in (5, 6, 7, 8):
        width, height = height, width  # report the stored, not the displayed, shape

    # Hashes are taken from the upright thumbnail so that a copy which had its rotation
    # baked into the pixels (as messengers do) still matches the original.
    thumb = make_thumbnail(reduced, None if heif else meta.orientation)
    prints = perceptual_fingerprint(thumb)
    facts = PhotoFacts(
        format=kind.format,
        mime_type=kind.mime_type,
        width=width,
        height=height,
        size_bytes=len(data),
        sha256=sha.result() if sha is not None else sha256_hex(data),
        phash=prints.phash,
        dhash=prints.dhash,
        centre_phash=prints.centre_phash,
        centre_dhash=prints.centre_dhash,
        gps=meta.gps,
        gps_time=meta.gps_time,
        taken_at=meta.taken_at,
        taken_at_offset_known=meta.taken_at_offset_known,
        camera_make=meta.camera_make,
        camera_model=meta.camera_model,
        orientation=meta.orientation,
        problems=exif_problem + meta.problems,
        software=meta.software,
    )
    return facts, thumb, icc


def analyse_photo(
    data: bytes, *, assume_tz: tzinfo = DEFAULT_TZ, now: datetime | None = None
) -> PhotoFacts:
    """Validate a photo and extract its facts; raises PhotoRejected."""
    return _analyse(data, assume_tz, now)[0]


def process_photo(
    data: bytes, data_dir: Path, *, assume_tz: tzinfo = DEFAULT_TZ, now: datetime | None = None
) -> tuple[PhotoFacts, StoredPhoto]:
    """Analyse and store a photo from a single reduced decode; raises PhotoRejected."""
    check_size(data)
    extension = EXTENSIONS[sniff(data).mime_type]
    staged: Future[StagedOriginal] = _helper_pool().submit(
        stage_original, data, extension, data_dir
    )
    sha: Future[str] = Future()
    staged.add_done_callback(lambda f: _forward_sha(f, sha))
    try:
        facts, thumb, icc = _analyse(data, assume_tz, now, sha)
    except BaseException:
        _discard(staged)
        raise
    original = staged.result()
    original.publish(data_dir)
    thumb_rel = thumbnail_relpath(facts.sha256)
    write_thumbnail(data_dir, thumb_rel, thumb, icc)
    return facts, StoredPhoto(original_path=original.relpath, thumbnail_path=thumb_rel)


def _forward_sha(staged: Future[StagedOriginal], sha: Future[str]) -> None:
    exc = staged.exception()
    if exc is not None:
        sha.set_exception(exc)
    else:
        sha.set_result(staged.result().sha256)


def _discard(staged: Future[StagedOriginal]) -> None:
    # If the staging itself failed there is nothing to clean up.
    with contextlib.suppress(Exception):
        staged.result().discard()


def warm_up() -> None:
    """Analyse a tiny picture once so lazily imported codecs and the DCT are loaded.

    The perceptual hash imports SciPy on first use, which takes a second: better at start
    than while the first helper of the day waits for their photo to be acknowledged.
    """
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 60)).save(buffer, "JPEG")
    analyse_photo(buffer.getvalue())
