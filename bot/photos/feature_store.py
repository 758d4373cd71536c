"""Local features of stored photos, kept as files beside the originals they describe.

Why files and not a column: the features (`LocalFeatures.to_bytes`) are read only when a
photo is one of the handful of candidates a search verifies; in the database they would
multiply the size of the photos table for no query that filters on them. Beside the original
(same name) they are shared by every process that shares the data directory, written once
(atomically), and swept together with the original by housekeeping. Two sets per photo:

* `.lf`, the STORED_POINTS strongest keypoints (about 3.5 KB): the photo's visual words, and
  the first, cheap try of the geometric check;
* `.ld`, the DENSE_POINTS strongest (about 18 KB, a few per cent of a phone photo): what the
  check falls back on when a crop kept too few of the first set. Extracting it takes as long
  as the rest of a search's work on a photo (ORB's cost is finding the corners, whatever the
  number kept), and every search with the photo among its candidates needs it: kept, a
  candidate that is not a copy is ruled out from two small files, without its pixels.
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
    DENSE_POINTS,
    MAX_SIDE,
    STORED_POINTS,
    Grey,
    LocalFeatures,
    features_of_grey,
    prepare_grey,
)
from bot.photos.store import DENSE_SUFFIX, FEATURES_SUFFIX

# A new photo looks up the words of more of its keypoints than a stored one is filed under.
QUERY_POINTS = 250


def features_relpath(original_relpath: str, suffix: str = FEATURES_SUFFIX) -> Path:
    """Where the local features of a stored original live, relative to the data directory."""
    return Path(original_relpath).with_suffix(suffix)


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


class Source:
    """A stored original whose features are read from their files or, when missing, worked out
    from its pixels (decoded once, and only if needed) and written for the next reader."""

    def __init__(
        self, data_dir: Path, original_relpath: str, picture: Image.Image | None = None
    ) -> None:
        self.data_dir = data_dir
        self.relpath = original_relpath
        self._picture = picture
        self._grey: Grey | None = None
        self._unreadable = False

    def picture(self) -> Image.Image | None:
        """The original's pixels, or None when the file is gone or unreadable."""
        if self._picture is None and not self._unreadable:
            self._picture = load_picture(self.data_dir, self.relpath)
            self._unreadable = self._picture is None
        return self._picture

    def grey(self) -> Grey | None:
        """The prepared greyscale image the features refer to."""
        if self._grey is None:
            picture = self.picture()
            if picture is not None:
                self._grey = prepare_grey(picture)
        return self._grey

    def _kept(self, suffix: str, points: int) -> LocalFeatures | None:
        path = self.data_dir / features_relpath(self.relpath, suffix)
        try:
            return LocalFeatures.from_bytes(path.read_bytes())
        except FileNotFoundError:
            pass
        except ValueError:
            path.unlink(missing_ok=True)  # an older encoding: extract again below
        grey = self.grey()
        if grey is None:
            return None
        features = features_of_grey(grey, points)
        if path.parent.is_dir():
            _write_atomically(path, features.to_bytes())
        return features

    def stored(self) -> LocalFeatures | None:
        """The features the photo is filed under and first verified with (STORED_POINTS)."""
        return self._kept(FEATURES_SUFFIX, STORED_POINTS)

    def dense(self) -> LocalFeatures | None:
        """The denser set verification falls back on (DENSE_POINTS); kept, because every
        search that has this photo among its candidates would otherwise extract it again."""
        return self._kept(DENSE_SUFFIX, DENSE_POINTS)


def query_descriptors(picture: Image.Image, grey: Grey | None = None) -> list[LocalFeatures]:
    """Denser features of a photo being searched for, and of its mirror image (not stored)."""
    grey = prepare_grey(picture) if grey is None else grey
    # ORB descriptors are not mirror-invariant; a mirrored copy meets its original's words
    # only through the mirrored query.
    mirrored = np.ascontiguousarray(grey[:, ::-1])
    return [features_of_grey(grey, QUERY_POINTS), features_of_grey(mirrored, QUERY_POINTS)]
