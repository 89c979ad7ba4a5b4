"""One retry policy, one rate limiter and the timeouts, shared by every connector.

Connectors sort each failure into TransientError (worth retrying: 429, 423, 5xx, connection trouble) or
anything else (fatal); the policy here decides how long to wait and when to give up. The clock and the sleeper
are injected so that tests never wait for real.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity
from tenacity import RetryCallState

from leadstage.connectors.base import ConnectorError

log = logging.getLogger(__name__)

T = TypeVar("T")
Clock = Callable[[], float]
Sleeper = Callable[[float], None]


RETRYABLE_STATUSES = frozenset({423, 429, 500, 502, 503, 504})
LOCKED_MIN_WAIT_S = 2.0  # HubSpot: wait at least 2 s after a 423


class TransientError(ConnectorError):
    """A failure worth retrying. ``retry_after`` is the server's requested wait in seconds, if it gave one.

    Raised out of the retry policy when the attempts or the time budget run out.
    """

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


@dataclass(frozen=True, slots=True)
class RetrySettings:
    """How hard to try: attempts in all, total time budget, and the jittered backoff when no Retry-After."""

    attempts: int = 6
    max_total_s: float = 300.0
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    retry_after_max_s: float = 120.0


class _WaitRetryAfterOrJitter(tenacity.wait.wait_base):
    """Honour the server's Retry-After when the failure carries one, else jittered exponential backoff."""

    def __init__(self, settings: RetrySettings) -> None:
        self._settings = settings
        self._fallback = tenacity.wait_exponential_jitter(
            multiplier=settings.backoff_initial_s,
            max=settings.backoff_max_s,
            jitter=settings.backoff_initial_s,
        )

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, TransientError):
            if error.retry_after is not None:
                return min(error.retry_after, self._settings.retry_after_max_s)
            if error.status == 423:
                return max(LOCKED_MIN_WAIT_S, self._fallback(retry_state))
        return float(self._fallback(retry_state))


class _BudgetSpent(tenacity.stop.stop_base):
    """Stop before a wait that would end past the time budget, measured on the injected clock (tenacity's own
    stop_before_delay reads the real one)."""

    def __init__(self, clock: Clock, budget_s: float) -> None:
        self._clock = clock
        self._budget_s = budget_s
        self._started = clock()

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self._clock() - self._started + retry_state.upcoming_sleep >= self._budget_s


class RetryPolicy:
    """Retries TransientError with one shared policy; every other exception passes straight through."""

    def __init__(
        self,
        settings: RetrySettings,
        sleep: Sleeper = time.sleep,
        clock: Clock = time.monotonic,
        on_retry: Callable[[TransientError, float], None] | None = None,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._on_retry = on_retry

    def call(self, fn: Callable[[], T], what: str) -> T:
        """Run ``fn`` until it succeeds, fails for good, or the attempts or time budget run out."""
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(TransientError),
            wait=_WaitRetryAfterOrJitter(self.settings),
            stop=tenacity.stop_after_attempt(self.settings.attempts)
            | _BudgetSpent(self._clock, self.settings.max_total_s),
            sleep=self._sleep,
            before_sleep=lambda state: self._before_sleep(state, what),
            reraise=True,
        )
        return retrying(fn)

    def _before_sleep(self, state: RetryCallState, what: str) -> None:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        if isinstance(error, TransientError):
            log.warning(
                "%s failed (%s), attempt %d of %d; retrying in %.1fs",
                what,
                error,
                state.attempt_number,
                self.settings.attempts,
                wait,
            )
            if self._on_retry is not None:
                self._on_retry(error, wait)


class RateLimiter:
    """Keeps requests under ``max_requests`` per rolling ``interval_s``, sleeping (injected) when needed.

    ``share`` scales the limit down so that several workers (the daemon and a backfill) fit within the
    portal's allowance together. A request's slot counts from when it was sent until its answer has come
    (``done``): the server counted it somewhere in between, so the window is never one request too full on the
    server's side, however long the request took to get there.
    """

    def __init__(
        self,
        max_requests: int,
        interval_s: float,
        clock: Clock = time.monotonic,
        sleep: Sleeper = time.sleep,
        share: float = 1.0,
    ) -> None:
        if max_requests < 1 or interval_s <= 0 or not 0 < share <= 1:
            raise ValueError("rate limit needs max_requests >= 1, interval_s > 0 and 0 < share <= 1")
        self.max_requests = max(1, int(max_requests * share))
        self.interval_s = interval_s
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited_s = 0.0

    def acquire(self) -> None:
        """Block until one more request fits in the window, then count it."""
        with self._lock:
            while True:
                now = self._clock()
                horizon = now - self.interval_s
                while self._sent and self._sent[0] <= horizon:
                    self._sent.popleft()
                if len(self._sent) < self.max_requests:
                    self._sent.append(now)
                    return
                wait = self._sent[0] + self.interval_s - now
                self.waited_s += wait
                self._sleep(wait)

    def done(self) -> None:
        """The request last let through has its answer: its slot counts from now."""
        with self._lock:
            if self._sent:
                self._sent[-1] = max(self._sent[-1], self._clock())

    def hold_off(self, seconds: float) -> None:
        """The server said the window is full: treat the window as used up for ``seconds``."""
        with self._lock:
            now = self._clock()
            until = now + seconds - self.interval_s
            self._sent.clear()
            self._sent.extend([until] * self.max_requests)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Connect and read timeouts in seconds, passed on every single call."""

    connect_s: float = 5.0
    read_s: float = 30.0

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect_s, self.read_s)
