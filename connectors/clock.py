"""Time, injected everywhere: wall time for timestamps, a monotonic clock for waiting, and sleeping.

Nothing reads the clock or sleeps by itself: the real ``SystemClock`` is passed in at the edge, and tests and
benchmarks pass a ``FixedClock`` that moves only when told, so no test ever waits for real.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class TimeSource(Protocol):
    """Wall time, a monotonic clock and sleeping, injected everywhere so tests control time."""

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: wall time for timestamps, a monotonic clock for waiting, and a real sleep."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FixedClock:
    """A clock that stands still until something sleeps on it (which returns at once) or it is moved on.

    For tests (every wait is recorded in ``sleeps`` and never really waited), reproducible subprocess runs
    (``LEADSTAGE_FIXED_CLOCK``) and benchmarks; never the default. ``t`` is the time in epoch seconds.
    """

    def __init__(self, start: datetime) -> None:
        self.t = start.timestamp()
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)

    def monotonic(self) -> float:
        return self.t

    def time(self) -> float:
        """Epoch seconds (what the sandbox's clock reads)."""
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)

    def advance(self, **delta: float) -> None:
        """Move the clock on by a ``timedelta(**delta)``: time passing between runs."""
        self.t += timedelta(**delta).total_seconds()
