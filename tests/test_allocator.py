"""The allocator tuning: large freed buffers must go back to the system, not stay resident."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import allocator

MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[1]


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    libc.free.restype = None
    libc.mallinfo2.restype = _MallInfo2
    return libc


def _mapped_bytes(libc: ctypes.CDLL) -> int:
    info: _MallInfo2 = libc.mallinfo2()
    return int(info.hblkhd)


# Run in a fresh interpreter: in the test process, free chunks left in the arenas by earlier
# tests could serve the buffer by themselves, whatever the threshold says.
_PROBE = """
import ctypes, sys
from bot import allocator
from tests.test_allocator import MIB, _libc, _mapped_bytes
tuned = sys.argv[1] == "tuned"
if tuned:
    assert allocator.tune()
libc = _libc()
big = libc.malloc(16 * MIB)
libc.free(big)
before = _mapped_bytes(libc)
photo = libc.malloc(2 * MIB)
print(_mapped_bytes(libc) - before)
libc.free(photo)
"""


def _grown_mapping(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(result.stdout.strip())


def test_a_large_buffer_after_a_larger_one_is_its_own_mapping() -> None:
    # Without a fixed threshold, freeing a 16 MiB buffer lifts glibc's mmap threshold to
    # 16 MiB, and the photo-sized buffer after it would stay resident in an arena once freed.
    assert _grown_mapping("plain") < 2 * MIB
    assert _grown_mapping("tuned") >= 2 * MIB


def test_an_operators_own_settings_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "1048576")
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert not allocator.tune()


def test_trim_asks_the_allocator() -> None:
    assert allocator.trim()
