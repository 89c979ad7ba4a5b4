"""Sessions and the org's rolling 24 h API request count, both on the sandbox clock."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Session:
    """A logged-in session: who, and when it was issued (sandbox clock seconds)."""

    username: str
    user_id: str
    issued_at: float


class ApiUsage:
    """API requests in the org's rolling 24 hours, on the sandbox clock."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._stamps: deque[list[float]] = deque()  # [second, count], oldest first
        self._total = 0

    def used(self, now: float) -> int:
        """Requests in the 24 hours up to `now`."""
        while self._stamps and self._stamps[0][0] <= now - SECONDS_PER_DAY:
            self._total -= int(self._stamps.popleft()[1])
        return self._total

    def take(self, now: float, count: int = 1) -> None:
        """Count requests made at `now`."""
        if self._stamps and self._stamps[-1][0] == now:
            self._stamps[-1][1] += count
        else:
            self._stamps.append([now, count])
        self._total += count

    def reset(self, used: int, now: float) -> None:
        """Pretend exactly `used` requests were made just now."""
        self._stamps.clear()
        self._total = 0
        if used:
            self.take(now, used)
