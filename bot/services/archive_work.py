"""The archive search's CPU work on photo files: blocking functions the search runs off its
event loop, in the bot or in its worker process. Only paths, flags and numbers go in and
come out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from bot.evidence.geometric import GeometricMatch, verify
from bot.photos.feature_store import Source, query_descriptors
from bot.photos.search_keys import (
    QUERY_DESCRIPTORS,
    STORED_DESCRIPTORS,
    descriptor_words,
    probe_words,
)


@dataclass(frozen=True)
class PhotoWords:
    """The visual words of a photo: those it is filed under and those it looks up."""

    stored: list[int]
    # Denser, of the mirror image too, and each with its one-bit neighbours (multi-probe).
    query: list[int]


def read_words(data_dir: Path, file_path: str) -> PhotoWords | None:
    """Store a new photo's features (both sets) and compute its words; None if unreadable."""
    source = Source(data_dir, file_path)
    picture, grey = source.picture(), source.grey()
    features = source.stored()
    if picture is None or grey is None or features is None:
        return None
    source.dense()  # kept now, while the pixels are at hand: every later search reads it
    query: set[int] = set()
    for dense in query_descriptors(picture, grey):
        query.update(probe_words(dense.descriptors, QUERY_DESCRIPTORS))
    return PhotoWords(descriptor_words(features.descriptors, STORED_DESCRIPTORS), sorted(query))


def stored_words(data_dir: Path, file_path: str) -> list[int]:
    """The words a stored photo is filed under (its features stored if new)."""
    features = Source(data_dir, file_path).stored()
    if features is None:
        return []
    return descriptor_words(features.descriptors, STORED_DESCRIPTORS)


@dataclass(frozen=True)
class Candidate:
    """A stored photo to verify against the searched one."""

    file_path: str
    # Saved before the searched photo's visit: then the searched photo is the copy.
    earlier: bool


class _Unreadable(Exception):
    """A candidate's original could not be read when its pixels were needed."""


def _pixels(source: Source) -> Image.Image:
    picture = source.picture()
    if picture is None:
        raise _Unreadable(source.relpath)
    return picture


def verify_candidates(
    data_dir: Path, file_path: str, candidates: Sequence[Candidate], copy_found: bool
) -> list[tuple[int, GeometricMatch]]:
    """The candidates (by position) that verify as the same picture as the searched photo.

    Of the earlier ones only the first counts: a copy needs one original. The geometric
    numbers describe the copy against the original, so the later-saved photo of each pair is
    always the second one verified. A candidate's pixels are read only when its features
    agree on a transform.
    """
    source = Source(data_dir, file_path)
    picture, mine, my_dense = source.picture(), source.stored(), source.dense()
    if picture is None or mine is None or my_dense is None:
        return []
    found: list[tuple[int, GeometricMatch]] = []
    for index, candidate in enumerate(candidates):
        if candidate.earlier and copy_found:
            continue
        other = Source(data_dir, candidate.file_path)
        theirs, their_dense = other.stored(), other.dense()
        if theirs is None or their_dense is None:
            continue

        def their_pixels(other: Source = other) -> Image.Image:
            return _pixels(other)

        try:
            if candidate.earlier:
                match = verify(
                    theirs, mine, their_pixels, picture, a_dense=their_dense, b_dense=my_dense
                )
            else:
                match = verify(
                    mine, theirs, picture, their_pixels, a_dense=my_dense, b_dense=their_dense
                )
        except _Unreadable:
            continue
        if match is not None:
            found.append((index, match))
            copy_found = copy_found or candidate.earlier
    return found
