"""The emulator's random faults: a seeded share of calls, the same sequence for one seed."""

from __future__ import annotations

import pytest

from emulator.faults import FaultSpecError, RandomFaults


def _kinds(faults: RandomFaults, calls: int) -> list[str | None]:
    drawn = [faults.draw("sendmessage") for _ in range(calls)]
    return [None if f is None else f.kind for f in drawn]


def test_one_seed_gives_one_sequence() -> None:
    first = _kinds(RandomFaults(rate=0.2, seed=7), 500)
    assert first == _kinds(RandomFaults(rate=0.2, seed=7), 500)
    assert first != _kinds(RandomFaults(rate=0.2, seed=8), 500)


def test_the_share_and_every_kind_show_up() -> None:
    faults = RandomFaults(rate=0.2, seed=1)
    kinds = _kinds(faults, 5000)
    share = sum(k is not None for k in kinds) / len(kinds)
    assert 0.17 < share < 0.23
    # A timeout is a held-back answer: the emulator's delay, then the call is carried out.
    assert set(kinds) == {None, "429", "500", "502", "delay", "reset"}
    assert sum(faults.injected.values()) == sum(k is not None for k in kinds)


def test_skipped_methods_are_never_failed() -> None:
    faults = RandomFaults(rate=1.0, skip=frozenset({"getupdates"}))
    assert faults.draw("getupdates") is None
    assert faults.draw("sendmessage") is not None


@pytest.mark.parametrize(
    "spec", [{"rate": 1.5}, {"rate": 0.1, "kinds": ["teapot"]}, {"rate": 0.1, "delay_ms": 0}]
)
def test_a_bad_description_is_refused(spec: dict[str, object]) -> None:
    with pytest.raises(FaultSpecError):
        RandomFaults.from_spec(spec)
