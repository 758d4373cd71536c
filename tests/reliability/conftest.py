"""The reliability suite shares the end-to-end fixtures (emulator + real bot per database)."""

from tests.e2e.conftest import control, db, stack

__all__ = ["control", "db", "stack"]
