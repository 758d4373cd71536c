"""The photo pipeline: validation, metadata, hashes and storage of visit evidence.

Pure, blocking functions; the bot runs them off the event loop with asyncio.to_thread.
"""

from bot.photos.decode import MAX_BYTES, MAX_PIXELS, MAX_SIDE, THUMBNAIL_SIDE
from bot.photos.facts import Fingerprint, GeoPoint, PhotoFacts, PhotoRejected, StoredPhoto
from bot.photos.hashing import (
    NEAR_DUPLICATE_DISTANCE,
    is_near_duplicate,
    near_duplicate_distance,
    phash_distance,
)
from bot.photos.pipeline import analyse_photo, process_photo, warm_up
from bot.photos.store import store_photo

__all__ = [
    "MAX_BYTES",
    "MAX_PIXELS",
    "MAX_SIDE",
    "NEAR_DUPLICATE_DISTANCE",
    "THUMBNAIL_SIDE",
    "Fingerprint",
    "GeoPoint",
    "PhotoFacts",
    "PhotoRejected",
    "StoredPhoto",
    "analyse_photo",
    "is_near_duplicate",
    "near_duplicate_distance",
    "phash_distance",
    "process_photo",
    "store_photo",
    "warm_up",
]
