"""Faults injected into Bot API answers through the control API."""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass
from typing import Any

KINDS = ("429", "500", "502", "delay", "reset", "blocked")


class FaultSpecError(ValueError):
    """A fault description that cannot be used."""


@dataclass
class Fault:
    """One injected fault and how long it lasts."""

    id: int
    kind: str
    method: str | None = None
    user_id: int | None = None
    remaining: int | None = None
    until: float | None = None
    retry_after: int = 5
    delay_ms: int = 0

    def json(self) -> dict[str, Any]:
        """The fault as the control API shows it."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind}
        for key in ("method", "user_id", "remaining"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.until is not None:
            out["seconds_left"] = round(max(0.0, self.until - time.monotonic()), 3)
        if self.kind == "429":
            out["retry_after"] = self.retry_after
        if self.kind == "delay":
            out["delay_ms"] = self.delay_ms
        return out


class FaultBook:
    """Active faults; matched in the order they were added."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any]) -> Fault:
        """Add a fault from its control-API description."""
        kind = str(spec.get("kind", ""))
        if kind not in KINDS:
            raise FaultSpecError(f"kind must be one of {', '.join(KINDS)}")
        count = spec.get("count")
        duration = spec.get("duration")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise FaultSpecError("count must be a positive integer")
        if duration is not None and (not isinstance(duration, int | float) or duration <= 0):
            raise FaultSpecError("duration must be a positive number of seconds")
        user_id = spec.get("user_id")
        if kind == "blocked" and not isinstance(user_id, int):
            raise FaultSpecError("a 'blocked' fault needs user_id")
        method = spec.get("method")
        fault = Fault(
            id=next(self._ids),
            kind=kind,
            method=str(method).lower() if method else None,
            user_id=user_id if isinstance(user_id, int) else None,
            remaining=count,
            until=time.monotonic() + float(duration) if duration is not None else None,
            retry_after=int(spec.get("retry_after", 5)),
            delay_ms=int(spec.get("delay_ms", 0)),
        )
        if kind == "delay" and fault.delay_ms <= 0:
            raise FaultSpecError("a 'delay' fault needs delay_ms > 0")
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        self.faults.clear()

    def match(self, method: str, chat_id: int | None) -> list[Fault]:
        """Faults that apply to this request, consuming their counts."""
        if not self.faults:
            return []
        now = time.monotonic()
        hits: list[Fault] = []
        for fault in list(self.faults):
            if fault.until is not None and now >= fault.until:
                self.faults.remove(fault)
                continue
            if fault.method is not None and fault.method != method:
                continue
            if fault.user_id is not None and fault.user_id != chat_id:
                continue
            hits.append(fault)
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
        return hits

    def json(self) -> list[dict[str, Any]]:
        """Active faults for the control API."""
        now = time.monotonic()
        self.faults = [f for f in self.faults if f.until is None or now < f.until]
        return [f.json() for f in self.faults]


RANDOM_KINDS = ("429", "500", "502", "timeout", "reset")


@dataclass
class RandomFaults:
    """Faults on a share of all calls, drawn from a seeded generator so a run can be repeated.

    ``timeout`` holds the answer back for ``delay_ms`` and then carries the call out, as a
    Telegram that received the request but answered too late for the client: the client must
    treat the outcome as unknown.
    """

    rate: float
    seed: int = 0
    kinds: tuple[str, ...] = RANDOM_KINDS
    retry_after: int = 1
    delay_ms: int = 6000
    skip: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise FaultSpecError("rate must lie between 0 and 1")
        unknown = [k for k in self.kinds if k not in RANDOM_KINDS]
        if unknown or not self.kinds:
            raise FaultSpecError(f"kinds must be some of {', '.join(RANDOM_KINDS)}")
        if self.delay_ms <= 0 or self.retry_after < 1:
            raise FaultSpecError("delay_ms and retry_after must be positive")
        self._rng = random.Random(self.seed)
        self.injected: dict[str, int] = dict.fromkeys(self.kinds, 0)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> RandomFaults:
        """Build from the control API's description."""
        try:
            return cls(
                rate=float(spec.get("rate", 0.0)),
                seed=int(spec.get("seed", 0)),
                kinds=tuple(spec.get("kinds") or RANDOM_KINDS),
                retry_after=int(spec.get("retry_after", 1)),
                delay_ms=int(spec.get("delay_ms", 6000)),
                skip=frozenset(str(m).lower() for m in spec.get("skip_methods") or ()),
            )
        except (TypeError, ValueError) as exc:
            if isinstance(exc, FaultSpecError):
                raise
            raise FaultSpecError(f"bad random fault description: {exc}") from exc

    def draw(self, method: str) -> Fault | None:
        """The fault for this call, if the dice say so."""
        if method in self.skip:
            return None
        # Two draws per call whatever the outcome, so one seed gives one sequence.
        roll, pick = self._rng.random(), self._rng.choice(self.kinds)
        if roll >= self.rate:
            return None
        self.injected[pick] += 1
        if pick == "timeout":
            return Fault(id=0, kind="delay", delay_ms=self.delay_ms)
        return Fault(id=0, kind=pick, retry_after=self.retry_after)

    def json(self) -> dict[str, Any]:
        """The setting and what it injected so far."""
        return {
            "rate": self.rate,
            "seed": self.seed,
            "kinds": list(self.kinds),
            "retry_after": self.retry_after,
            "delay_ms": self.delay_ms,
            "skip_methods": sorted(self.skip),
            "injected": dict(self.injected),
        }
