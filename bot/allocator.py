"""Keeps the C allocator from hoarding freed memory in a long-running bot process.

Why this exists: under a long mixed load the bot's resident memory rose steadily while
Python's own allocations (tracemalloc), SQLite's (`sqlite3_memory_used`) and the memory glibc
reported in use all stayed flat; what grew was free memory glibc kept inside its arenas.
Photos are decoded and analysed on worker threads (Pillow, NumPy, OpenCV), threads get arenas
of their own, and once an image-sized buffer has been freed glibc raises its mmap threshold to
that size, so later image buffers are carved out of the arenas and their pages stay resident
after they are freed. A fixed threshold keeps every large buffer in a mapping of its own
(returned to the system at free), a small number of arenas bounds the free lists, and a
periodic trim hands back the free pages that remain.

Only glibc is tuned; elsewhere these calls do nothing. An operator's own MALLOC_* environment
variables win over these defaults.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from functools import cache
from typing import Any

# mallopt parameters (glibc's malloc.h).
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
# glibc's initial threshold: buffers of this size and more get their own mapping.
MMAP_THRESHOLD = 128 * 1024
# Few arenas: the bot's threads mostly wait on I/O, so contention costs little.
ARENA_MAX = 2


@cache
def _glibc() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    # mallopt and malloc_trim exist in glibc only (not in musl).
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    libc.malloc_trim.argtypes = [ctypes.c_size_t]
    libc.malloc_trim.restype = ctypes.c_int
    return libc


def tune() -> bool:
    """Fix the mmap threshold and bound the arenas (call early, before threads); whether done."""
    libc = _glibc()
    if libc is None:
        return False
    done = False
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        done = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    if "MALLOC_ARENA_MAX" not in os.environ:
        done = libc.mallopt(_M_ARENA_MAX, ARENA_MAX) == 1 or done
    return done


def trim() -> bool:
    """Return the allocator's free pages to the system; whether there is an allocator to ask."""
    libc = _glibc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
