"""The allocator tuning: large freed buffers must go back to the system, not stay resident."""

from __future__ import annotations

import ctypes

import pytest

from bot import allocator

MIB = 1024 * 1024


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


def test_a_large_buffer_after_a_larger_one_is_its_own_mapping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Without a fixed threshold, freeing a 16 MiB buffer lifts glibc's mmap threshold to
    # 16 MiB, and the photo-sized buffer after it would stay resident in an arena once freed.
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert allocator.tune()
    # Free space left on top of the heap by earlier tests would serve the buffer by itself.
    assert allocator.trim()
    libc = _libc()
    big = libc.malloc(16 * MIB)
    assert big
    libc.free(big)
    before = _mapped_bytes(libc)
    photo = libc.malloc(2 * MIB)
    assert photo
    try:
        assert _mapped_bytes(libc) - before >= 2 * MIB
    finally:
        libc.free(photo)
    assert _mapped_bytes(libc) == before


def test_an_operators_own_settings_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "1048576")
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert not allocator.tune()


def test_trim_asks_the_allocator() -> None:
    assert allocator.trim()
