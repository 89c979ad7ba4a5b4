"""HubSpot's rate limits: a ten-secondly rolling window, a per-second search limit, and a daily quota.

All windows run on the injected clock, so a test frees a window by advancing its fake clock.
A request refused with 429 does not take a slot.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from leadstage.sandbox.config import SEARCH_RATE_INTERVAL_MS, SECONDS_PER_DAY, SandboxConfig
from leadstage.sandbox.http import Response, correlation_id

POLICY_TEN_SECONDLY = "TEN_SECONDLY_ROLLING"
POLICY_SECONDLY = "SECONDLY"
POLICY_DAILY = "DAILY"
RATE_LIMIT_GROUP = "leadstage-sandbox:private-app"
MIN_RETRY_AFTER_S = 1

HEADER_MAX = "X-HubSpot-RateLimit-Max"
HEADER_REMAINING = "X-HubSpot-RateLimit-Remaining"
HEADER_INTERVAL = "X-HubSpot-RateLimit-Interval-Milliseconds"
HEADER_DAILY = "X-HubSpot-RateLimit-Daily"
HEADER_DAILY_REMAINING = "X-HubSpot-RateLimit-Daily-Remaining"

_MESSAGES = {
    POLICY_TEN_SECONDLY: "You have reached your ten_secondly_rolling limit.",
    POLICY_SECONDLY: "You have reached your secondly limit.",
    POLICY_DAILY: "You have reached your daily limit.",
}


def rate_limit_response(policy: str, retry_after_s: int | None, headers: dict[str, str] | None = None) -> Response:
    """The 429 answer for a policy, with Retry-After when `retry_after_s` is given."""
    payload = {
        "status": "error",
        "message": _MESSAGES[policy],
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": policy,
        "groupName": RATE_LIMIT_GROUP,
    }
    all_headers = dict(headers or {})
    if retry_after_s is not None:
        all_headers["Retry-After"] = str(max(MIN_RETRY_AFTER_S, retry_after_s))
    return Response.json(429, payload, all_headers)


class RollingWindow:
    """At most `max_requests` requests in any `interval_ms` milliseconds."""

    def __init__(self, max_requests: int, interval_ms: int) -> None:
        self.max_requests = max_requests
        self.interval_ms = interval_ms
        self._stamps: deque[float] = deque()

    def _expire(self, now_ms: float) -> None:
        while self._stamps and self._stamps[0] <= now_ms - self.interval_ms:
            self._stamps.popleft()

    def wait_s(self, now_ms: float) -> int | None:
        """Whole seconds until a slot frees (>= 1), or None when a slot is free now."""
        self._expire(now_ms)
        if len(self._stamps) < self.max_requests:
            return None
        return math.ceil((self._stamps[0] + self.interval_ms - now_ms) / 1000)

    def take(self, now_ms: float) -> None:
        """Use one slot."""
        self._stamps.append(now_ms)

    def remaining(self, now_ms: float) -> int:
        """Free slots right now."""
        self._expire(now_ms)
        return max(0, self.max_requests - len(self._stamps))


@dataclass
class DailyQuota:
    """A per-UTC-day request count; it resets when the clock passes midnight UTC."""

    limit: int
    day: int = -1
    used: int = 0

    def _roll(self, now_s: float) -> None:
        today = int(now_s // SECONDS_PER_DAY)
        if today != self.day:
            self.day, self.used = today, 0

    def exhausted(self, now_s: float) -> bool:
        """Whether today's quota is used up."""
        self._roll(now_s)
        return self.used >= self.limit

    def seconds_to_midnight(self, now_s: float) -> int:
        """Seconds until the quota resets."""
        return math.ceil((int(now_s // SECONDS_PER_DAY) + 1) * SECONDS_PER_DAY - now_s)

    def take(self, now_s: float) -> None:
        """Count one request."""
        self._roll(now_s)
        self.used += 1


@dataclass
class Admission:
    """The limiter's verdict: a 429 to send, or the rate-limit headers for the real answer."""

    refusal: Response | None = None
    headers: dict[str, str] = field(default_factory=dict)


class RateLimiter:
    """Applies the configured limits to one request at a time (thread-safe)."""

    def __init__(self, config: SandboxConfig, clock: Callable[[], float]) -> None:
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        rl = config.rate_limit
        self._window = RollingWindow(rl.max_requests, rl.interval_ms) if rl else None
        per_s = config.search_rate_per_second
        self._search_window = RollingWindow(per_s, SEARCH_RATE_INTERVAL_MS) if per_s else None
        self._daily = DailyQuota(config.daily_limit) if config.daily_limit is not None else None

    def admit(self, is_search: bool) -> Admission:
        """Take a slot for this request, or say which 429 to answer (taking nothing)."""
        with self._lock:
            now_s = self._clock()
            now_ms = now_s * 1000
            window = self._search_window if is_search else self._window
            if self._daily is not None and self._daily.exhausted(now_s):
                until_midnight = self._daily.seconds_to_midnight(now_s)
                return Admission(self._refuse(POLICY_DAILY, until_midnight, self._headers(is_search, now_ms)))
            if window is not None:
                wait = window.wait_s(now_ms)
                if wait is not None:
                    policy = POLICY_SECONDLY if is_search else POLICY_TEN_SECONDLY
                    return Admission(self._refuse(policy, wait, self._headers(is_search, now_ms)))
                window.take(now_ms)
            if self._daily is not None:
                self._daily.take(now_s)
            return Admission(headers=self._headers(is_search, now_ms))

    def _refuse(self, policy: str, wait_s: int, headers: dict[str, str]) -> Response:
        return rate_limit_response(policy, wait_s if self._config.retry_after else None, headers)

    def _headers(self, is_search: bool, now_ms: float) -> dict[str, str]:
        if is_search:
            return {}  # real search answers carry no X-HubSpot-RateLimit-* headers
        headers: dict[str, str] = {}
        if self._window is not None:
            headers[HEADER_MAX] = str(self._window.max_requests)
            headers[HEADER_REMAINING] = str(self._window.remaining(now_ms))
            headers[HEADER_INTERVAL] = str(self._window.interval_ms)
        if self._daily is not None:
            headers[HEADER_DAILY] = str(self._daily.limit)
            headers[HEADER_DAILY_REMAINING] = str(max(0, self._daily.limit - self._daily.used))
        return headers
