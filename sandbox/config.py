"""Configuration of the sandbox and the HubSpot API limits it enforces (and the Salesforce org's defaults).

Every number the sandbox enforces lives here as a named constant, so a test (or a reader) can see what
the real API allows without digging through handlers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# --- HubSpot API limits (CRM v3 / associations v4 / events v3) -------------------------------------------
LIST_LIMIT_DEFAULT = 10
LIST_LIMIT_MAX = 100
SEARCH_LIMIT_DEFAULT = 10
SEARCH_LIMIT_MAX = 200
SEARCH_CAP = 10_000
SEARCH_BODY_MAX_CHARS = 3_000
SEARCH_MAX_FILTER_GROUPS = 5
SEARCH_MAX_FILTERS_PER_GROUP = 6
SEARCH_MAX_FILTERS = 18
SEARCH_MAX_SORTS = 1
BATCH_MAX_INPUTS = 100
ASSOCIATIONS_BATCH_MAX_INPUTS = 1_000
ASSOCIATIONS_PAGE_SIZE = 500
EVENTS_LIMIT_DEFAULT = 100
EVENTS_LIMIT_MAX = 100  # (unconfirmed) the public docs state no maximum; 100 is the safe assumption
SEARCH_RATE_INTERVAL_MS = 1_000
SECONDS_PER_DAY = 86_400

# --- Realistic defaults for portals (sources: docs/crm-notes.md) ---------------------------------------------------
PROFESSIONAL_TEN_SECONDLY = 190
TEN_SECONDS_MS = 10_000
REAL_SEARCH_RATE_PER_SECOND = 5

# --- Salesforce org defaults (sources: docs/crm-notes.md, Salesforce) --------------------------------------
SALESFORCE_API_VERSION = "59.0"
SALESFORCE_DAILY_LIMIT = 15_000  # a Developer Edition org's rolling 24 h API request allocation
SALESFORCE_QUERY_BATCH = 2_000  # records per query page (the REST default and maximum)
SALESFORCE_CONSUMER_KEY = "sandbox-consumer-key"


def _default_salesforce_users() -> dict[str, tuple[str, str]]:
    return {"admin@example.com": ("password", "TOKEN")}


BATCH_VALIDATION_PARTIAL = "partial"
BATCH_VALIDATION_ALL_OR_NOTHING = "all_or_nothing"


@dataclass(frozen=True)
class RateLimit:
    """A rolling-window limit: at most `max_requests` in any `interval_ms` window."""

    max_requests: int = PROFESSIONAL_TEN_SECONDLY
    interval_ms: int = TEN_SECONDS_MS


@dataclass(frozen=True)
class FaultRates:
    """Probabilities of random faults, drawn per request from an RNG seeded with `seed`.

    At most one fault is drawn per request (the probabilities are stacked, so their sum must be <= 1).
    `endpoints` restricts the faults to those endpoint names (see `Sandbox.counts`); None means all.
    `p207` only applies to batch updates: one random input fails and is not applied.
    """

    p429: float = 0.0
    p429_no_retry_after: float = 0.0
    p423: float = 0.0
    p500: float = 0.0
    p502: float = 0.0
    p503: float = 0.0
    p_reset: float = 0.0
    p_slow: float = 0.0
    slow_s: float = 5.0
    p207: float = 0.0
    seed: int = 0
    endpoints: Iterable[str] | None = None

    def __post_init__(self) -> None:
        total = sum(p for _, p in self.stacked())
        if total > 1.0 + 1e-9:
            raise ValueError(f"FaultRates probabilities add up to {total:.3f}; they must add up to at most 1")

    def stacked(self) -> list[tuple[str, float]]:
        """The fault kinds in drawing order with their probabilities."""
        return [
            ("429", self.p429),
            ("429_no_retry_after", self.p429_no_retry_after),
            ("423", self.p423),
            ("500", self.p500),
            ("502", self.p502),
            ("503", self.p503),
            ("reset", self.p_reset),
            ("slow", self.p_slow),
            ("207", self.p207),
        ]


@dataclass(frozen=True)
class SandboxConfig:
    """Everything that shapes how the sandbox answers. All fields have test-friendly defaults."""

    tokens: tuple[str, ...] = ("test-token",)
    host: str = "127.0.0.1"
    port: int = 0
    search_cap: int = SEARCH_CAP
    rate_limit: RateLimit | None = None
    search_rate_per_second: int | None = None
    daily_limit: int | None = None
    retry_after: bool = True
    latency_ms: int = 0
    faults: FaultRates | None = None
    clock: Callable[[], float] = field(default=time.time)
    search_index_lag_s: float = 0.0
    association_page_size: int = ASSOCIATIONS_PAGE_SIZE
    events_max_limit: int = EVENTS_LIMIT_MAX
    batch_validation: str = BATCH_VALIDATION_PARTIAL
    # Salesforce (paths under /services/): users as username -> (password, security token)
    salesforce_users: dict[str, tuple[str, str]] = field(default_factory=_default_salesforce_users)
    salesforce_consumer_key: str = SALESFORCE_CONSUMER_KEY
    salesforce_api_version: str = SALESFORCE_API_VERSION
    salesforce_daily_limit: int = SALESFORCE_DAILY_LIMIT
    salesforce_query_batch: int = SALESFORCE_QUERY_BATCH
    salesforce_session_ttl_s: float | None = None

    def __post_init__(self) -> None:
        if self.batch_validation not in (BATCH_VALIDATION_PARTIAL, BATCH_VALIDATION_ALL_OR_NOTHING):
            raise ValueError(
                f"SandboxConfig.batch_validation must be {BATCH_VALIDATION_PARTIAL!r} or "
                f"{BATCH_VALIDATION_ALL_OR_NOTHING!r}, not {self.batch_validation!r}"
            )
        if not self.salesforce_users:
            raise ValueError("SandboxConfig.salesforce_users needs at least one user")
        if not 1 <= self.salesforce_query_batch <= SALESFORCE_QUERY_BATCH:
            raise ValueError(f"SandboxConfig.salesforce_query_batch must be in 1..{SALESFORCE_QUERY_BATCH}")
