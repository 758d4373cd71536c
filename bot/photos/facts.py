"""Value types of the photo pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

RejectionCode = Literal["unsupported_type", "too_large", "too_many_pixels", "corrupt", "empty"]


class PhotoRejected(Exception):
    """A file that cannot be accepted as photo evidence; `code` says why, `detail` explains."""

    def __init__(self, code: RejectionCode, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code: RejectionCode = code
        self.detail = detail


@dataclass(frozen=True)
class GeoPoint:
    """A WGS-84 position as written by the camera; altitude in metres above sea level."""

    latitude: float
    longitude: float
    altitude: float | None = None


@dataclass(frozen=True)
class Fingerprint:
    """The perceptual hashes of one photo, each 16 hex characters ("" when unknown).

    `encode()` gives one compact string (for a database column); `parse()` reverses it.
    """

    phash: str
    dhash: str = ""
    centre_phash: str = ""
    centre_dhash: str = ""

    def encode(self) -> str:
        """`phash:dhash:centre_phash:centre_dhash`."""
        return ":".join((self.phash, self.dhash, self.centre_phash, self.centre_dhash))

    @classmethod
    def parse(cls, text: str) -> Fingerprint:
        """Read what encode() wrote; a bare pHash is accepted too."""
        parts = [*text.strip().split(":"), "", "", ""][:4]
        return cls(parts[0], parts[1], parts[2], parts[3])


@dataclass(frozen=True)
class PhotoFacts:
    """Everything the pipeline learns from one photo file."""

    format: str
    mime_type: str
    width: int
    height: int
    size_bytes: int
    sha256: str
    phash: str
    gps: GeoPoint | None
    gps_time: datetime | None
    taken_at: datetime | None
    taken_at_offset_known: bool
    camera_make: str | None
    camera_model: str | None
    orientation: int | None
    problems: tuple[str, ...]
    # Further 64-bit hashes for crop-tolerant near-duplicate checks (docs/photos.md): the
    # dHash of the whole picture, and pHash/dHash of its central region.
    dhash: str = ""
    centre_phash: str = ""
    centre_dhash: str = ""
    software: str | None = None

    @property
    def fingerprint(self) -> Fingerprint:
        """The hashes near-duplicate detection compares."""
        return Fingerprint(self.phash, self.dhash, self.centre_phash, self.centre_dhash)

    @property
    def extension(self) -> str:
        """File-name extension used when storing this photo."""
        return EXTENSIONS.get(self.mime_type, "bin")


EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
}


@dataclass(frozen=True)
class StoredPhoto:
    """Where a photo and its thumbnail live, relative to the data directory."""

    original_path: Path
    thumbnail_path: Path
