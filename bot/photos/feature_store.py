"""Local features of stored photos, kept as files beside the originals they describe.

Why files and not a column: the features (`LocalFeatures.to_bytes`, a few KB) are read only
when a photo is one of the handful of candidates a search verifies, and verification needs
the original's pixels from the store anyway; in the database they would double the size of
the photos table for no query that filters on them. Beside the original (same name, `.lf`)
they are shared by every process that shares the data directory, written once (atomically),
and swept together with the original by housekeeping.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

from bot.photos.decode import JPEG, open_image, sniff
from bot.photos.facts import PhotoRejected
from bot.photos.features import (
    MAX_SIDE,
    LocalFeatures,
    extract_features,
    features_of_grey,
    prepare_grey,
)
from bot.photos.store import FEATURES_SUFFIX

# A new photo looks up the words of more of its keypoints than a stored one is filed under.
QUERY_POINTS = 250


def features_relpath(original_relpath: str) -> Path:
    """Where the local features of a stored original live, relative to the data directory."""
    return Path(original_relpath).with_suffix(FEATURES_SUFFIX)


def load_picture(data_dir: Path, original_relpath: str) -> Image.Image | None:
    """The stored original's pixels, or None when the file is gone or unreadable."""
    path = data_dir / original_relpath
    try:
        data = path.read_bytes()
        kind = sniff(data)
        image = open_image(data, kind)
        if kind is JPEG:
            # The features are taken at MAX_SIDE at most; libjpeg can skip the rest.
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        image.load()
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    except (OSError, ValueError, SyntaxError, PhotoRejected):
        return None


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def stored_features(
    data_dir: Path, original_relpath: str, picture: Image.Image | None = None
) -> LocalFeatures | None:
    """The stored features of a photo, extracted and written first if missing."""
    path = data_dir / features_relpath(original_relpath)
    try:
        return LocalFeatures.from_bytes(path.read_bytes())
    except FileNotFoundError:
        pass
    except ValueError:
        path.unlink(missing_ok=True)  # an older encoding: extract again below
    picture = picture or load_picture(data_dir, original_relpath)
    if picture is None:
        return None
    features = extract_features(picture)
    if path.parent.is_dir():
        _write_atomically(path, features.to_bytes())
    return features


def query_descriptors(picture: Image.Image) -> list[LocalFeatures]:
    """Denser features of a photo being searched for, and of its mirror image (not stored)."""
    grey = prepare_grey(picture)
    # ORB descriptors are not mirror-invariant; a mirrored copy meets its original's words
    # only through the mirrored query.
    mirrored = np.ascontiguousarray(grey[:, ::-1])
    return [features_of_grey(grey, QUERY_POINTS), features_of_grey(mirrored, QUERY_POINTS)]
